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

[[noreturn]] void throw_bad_answer(const JsonRecord& record, std::string_view shown) {
  throw DataError(fmt::format("{}: field \"answer\" is {}, not an integer 0..{}", record.where,
                              shown, kMaxAimeAnswer));
}

// The reference as a decimal integer string. aime2024 writes answers as strings with leading
// zeros ("025"), aime2025 as JSON integers; both become "25". Anything else would make every
// response wrong (or right) for a reason that is the data's, so it is rejected here.
std::string aime_answer(const JsonRecord& record) {
  const auto it = record.object.FindMember("answer");
  if (it == record.object.MemberEnd()) {
    throw DataError(fmt::format("{}: missing field \"answer\"", record.where));
  }
  const rapidjson::Value& value = it->value;
  if (value.IsInt64()) {
    const std::int64_t n = value.GetInt64();
    if (n < 0 || n > kMaxAimeAnswer) throw_bad_answer(record, std::to_string(n));
    return std::to_string(n);
  }
  if (value.IsNumber()) throw_bad_answer(record, fmt::format("{}", value.GetDouble()));
  if (value.IsNull()) throw_bad_answer(record, "null");
  if (value.IsBool()) throw_bad_answer(record, "a boolean");
  if (!value.IsString()) throw_bad_answer(record, value.IsArray() ? "an array" : "an object");
  const std::string text(value.GetString(), value.GetStringLength());
  const std::string_view digits = detail::trim(text);
  const std::string shown = fmt::format("\"{}\"", text);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    throw_bad_answer(record, shown);
  }
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return "0";
  const std::string_view significant = digits.substr(first);
  // Three digits at most, so the range check cannot overflow on a long digit string.
  if (significant.size() > 3) throw_bad_answer(record, shown);
  return std::string(significant);
}

}  // namespace

Suite load_aime(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    // aime2024 numbers its records (60, 61, ...), aime2025 writes "0", "1", ...
    std::optional<std::string> id = optional_string_or_integer(record, "id");
    if (!id) throw DataError(fmt::format("{}: missing field \"id\"", record.where));
    if (detail::trim(*id).empty()) {
      throw DataError(fmt::format("{}: field \"id\" is empty", record.where));
    }
    ids.insert(*id, record);
    optional_string(record, "url");  // checked for type; Item has no place for it
    // Our own AIME-style files may say "question" like the other rbench JSONL files.
    const bool has_problem = record.object.HasMember("problem");
    if (!has_problem && !record.object.HasMember("question")) {
      throw DataError(fmt::format("{}: missing field \"problem\" (or \"question\")", record.where));
    }
    std::string question = detail::required_nonblank(record, has_problem ? "problem" : "question");
    if (auto type = optional_string(record, "answer_type"); type && *type != "integer") {
      throw DataError(
          fmt::format("{}: \"answer_type\" is \"{}\"; an AIME-style suite has integer "
                      "answers",
                      record.where, *type));
    }
    suite.items.push_back(Item{.id = std::move(*id),
                               .question = std::move(question),
                               .reference = aime_answer(record),
                               .solution = optional_string(record, "solution").value_or(""),
                               .source = record.where});
  });
  return suite;
}

}  // namespace rbench
