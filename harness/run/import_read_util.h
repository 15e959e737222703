// Helpers shared by the import readers (import_*.cpp); internal to harness/run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/json_reader.h"
#include "harness/run/import_records.h"

namespace rbench::import_detail {

// The file read whole, with its sha256 and size filled in; `bytes` receives its contents.
ImportedFile start_file(const std::filesystem::path& file, std::string format, std::string& bytes);

// A field that holds text: a string, or a number written as JSON wrote it (ids and answers are
// both, depending on the harness). Absent or null: nullopt; anything else fails.
std::optional<std::string> optional_text(const json::Value& object, std::string_view key);
std::string required_text(const json::Value& object, std::string_view key);

// A reply: a string, or a list of strings (its entries are samples). Fails on anything else or
// an empty list.
std::vector<std::string> replies(const json::Value& value);

}  // namespace rbench::import_detail
