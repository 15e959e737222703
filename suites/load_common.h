// Small helpers shared by the suite loaders (internal to suites/).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/jsonl_reader.h"
#include "suites/suite.h"

namespace rbench::detail {

std::string_view trim(std::string_view text);

// A required string field that must also be non-blank after trimming: blank questions, answers
// and ids are data errors, not items that silently score zero.
std::string required_nonblank(const JsonRecord& record, std::string_view field);

// A string field, or an integer field written as its decimal digits (MATH's "level": 5); absent
// or null gives nullopt.
std::optional<std::string> optional_string_or_integer(const JsonRecord& record,
                                                      std::string_view field);

// Whether Python test code defines a top-level `def check(`: HumanEval-style tests do, and the
// sandbox then calls check(entry_point).
bool defines_check_function(std::string_view tests);

// An empty suite for `file`: its path and its version (the sha256 prefix of `bytes`, the file's
// bytes as read, so a .gz and its decompressed copy are different versions).
Suite empty_suite(const std::filesystem::path& file, std::string_view bytes);

}  // namespace rbench::detail
