// Loaders for the suite file formats rbench reads as published. Each returns a Suite with path,
// version (first 16 hex digits of the file's sha256) and items filled in; the registry adds the
// name, prompt template and scorer. Errors are DataError "FILE:LINE: what".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "suites/suite.h"

namespace rbench {

// GSM8K (openai/grade-school-math `test.jsonl`): {"question", "answer"}, where answer is the worked
// solution followed by "#### <final number>". GSM8K has no ids, so item ids are "test/<N>" with N
// the 0-based index of the record in the file (blank lines not counted): stable as long as the
// file is, and the file's hash is the suite version.
Suite load_gsm8k(const std::filesystem::path& file);

// MATH-500 (openai/prm800k `math_splits/test.jsonl`): {"problem", "solution", "answer", "subject",
// "level", "unique_id"}; the item id is unique_id ("test/precalculus/807.json").
Suite load_math500(const std::filesystem::path& file);

// rbench's own JSONL: {"id", "question", "answer", "solution" (optional)}; ids required and unique.
Suite load_rbench_jsonl(const std::filesystem::path& file);

// The suite version of a file's bytes: the first 16 hex digits of their sha256.
std::string suite_version(std::string_view bytes);

// A GSM8K answer split at its "####" marker: the worked text (trimmed) and the final number with
// thousands separators removed ("1,000" -> "1000"). nullopt when there is no marker or no number.
struct Gsm8kAnswer {
  std::string solution;
  std::string reference;
};
std::optional<Gsm8kAnswer> split_gsm8k_answer(std::string_view answer);

}  // namespace rbench
