// Sizes given on the command line: "65536", "64KiB", "512MiB", "2GiB" (powers of 1024; KB, MB
// and GB are read as their binary twins too, as memory sizes usually are).
#pragma once

#include <cstddef>
#include <string_view>

namespace rbench {

// Bytes in `text`: digits, optionally one suffix (B, KiB, MiB, GiB, TiB, or K, M, G, T, KB,
// MB, GB, TB), case-insensitive. UsageError naming `what` (the flag) on anything else, on zero
// and on overflow.
std::size_t parse_byte_size(std::string_view text, std::string_view what);

}  // namespace rbench
