// gzip decompression (zlib) for data published compressed, such as HumanEval.jsonl.gz.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace rbench {

// True when `bytes` start with the gzip magic number (1f 8b): formats are told apart by content,
// never by file name.
bool is_gzip(std::string_view bytes);

// The decompressed contents of `bytes` (the whole of `file`), concatenated gzip members included.
// Throws DataError "FILE:LINE: corrupt gzip data: ..." for a truncated or damaged stream, where
// LINE is the line of the decompressed text the damage was reached in, or for output beyond
// `max_output_bytes` (a guard against decompression bombs).
std::string gunzip(std::string_view bytes, const std::filesystem::path& file,
                   std::size_t max_output_bytes = std::size_t{1} << 30);

}  // namespace rbench
