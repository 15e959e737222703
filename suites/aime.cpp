// AIME loader (the aime24 / aime25 files of QwenLM/Qwen2.5-Math's evaluation data).
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

constexpr std::int64_t kMaxAimeAnswer = 999;

// The reference as a decimal integer string. aime2024 writes answers as strings with leading
// zeros ("025"), aime2025 as JSON integers; both become "25". Anything else would make every
// response wrong (or right) for a reason that is the data's, so it is rejected here.
std::string aime_answer(const JsonRecord& record) {
  const json::Value answer = record.value.member("answer");
  const rapidjson::Value& value = answer.raw();
  const auto bad = [&](std::string_view shown) {
    answer.fail(fmt::format("{} is not an integer 0..{}", shown, kMaxAimeAnswer));
  };
  if (value.IsInt64()) {
    const std::int64_t n = value.GetInt64();
    if (n < 0 || n > kMaxAimeAnswer) bad(std::to_string(n));
    return std::to_string(n);
  }
  if (value.IsNumber()) bad(fmt::format("{}", value.GetDouble()));
  if (!value.IsString()) bad(json::type_name(value));
  const std::string text = answer.string();
  const std::string_view digits = detail::trim(text);
  const std::string shown = fmt::format("\"{}\"", text);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    bad(shown);
  }
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return "0";
  const std::string_view significant = digits.substr(first);
  // Three digits at most, so the range check cannot overflow on a long digit string.
  if (significant.size() > 3) bad(shown);
  return std::string(significant);
}

}  // namespace

Suite load_aime(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    // aime2024 numbers its records (60, 61, ...), aime2025 writes "0", "1", ...
    std::optional<std::string> id = detail::optional_string_or_integer(record, "id");
    if (!id) record.value.fail_at("id", "missing");
    if (detail::trim(*id).empty()) record.value.fail_at("id", "is empty");
    ids.insert(*id, record, "id");
    record.value.optional_string("url");  // checked for type; Item has no place for it
    // Our own AIME-style files may say "question" like the other rbench JSONL files.
    const bool has_problem = record.value.has("problem");
    if (!has_problem && !record.value.has("question")) {
      record.value.fail_at("problem", "missing (or \"question\")");
    }
    std::string question = detail::required_nonblank(record, has_problem ? "problem" : "question");
    if (auto type = record.value.optional_string("answer_type"); type && *type != "integer") {
      record.value.fail_at(
          "answer_type", fmt::format("is \"{}\"; an AIME-style suite has integer answers", *type));
    }
    suite.items.push_back(Item{.id = std::move(*id),
                               .question = std::move(question),
                               .reference = aime_answer(record),
                               .solution = record.value.optional_string("solution").value_or(""),
                               .source = record.where});
  });
  return suite;
}

}  // namespace rbench
