// Small helpers shared by the suite loaders (internal to suites/).
#pragma once

#include <string>
#include <string_view>

#include "suites/jsonl_reader.h"

namespace rbench::detail {

std::string_view trim(std::string_view text);

// A required string field that must also be non-blank after trimming: blank questions, answers
// and ids are data errors, not items that silently score zero.
std::string required_nonblank(const JsonRecord& record, std::string_view field);

// Whether Python test code defines a top-level `def check(`: HumanEval-style tests do, and the
// sandbox then calls check(entry_point).
bool defines_check_function(std::string_view tests);

}  // namespace rbench::detail
