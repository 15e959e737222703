// Loaders for rbench's own JSONL suites (the bundled demo suites and user-written ones):
// math {"id", "question", "answer", "solution" (optional)} and code {"id", "prompt",
// "entry_point", "tests", "setup", "solution", "question"} (see loaders.h).
#include <fmt/core.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {

Suite load_rbench_jsonl(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    std::string id = detail::required_nonblank(record, "id");
    ids.insert(id, record, "id");
    suite.items.push_back(Item{.id = std::move(id),
                               .question = detail::required_nonblank(record, "question"),
                               .reference = detail::required_nonblank(record, "answer"),
                               .solution = record.value.optional_string("solution").value_or(""),
                               .source = record.where});
  });
  return suite;
}

Suite load_rbench_code_jsonl(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    std::string id = detail::required_nonblank(record, "id");
    ids.insert(id, record, "id");
    CodeTask code{.prompt = record.value.optional_string("prompt").value_or(""),
                  .entry_point = std::string(
                      detail::trim(record.value.optional_string("entry_point").value_or(""))),
                  .tests = detail::required_nonblank(record, "tests"),
                  .setup = record.value.optional_string("setup").value_or("")};
    std::string question = record.value.optional_string("question").value_or(code.prompt);
    if (detail::trim(question).empty()) {
      record.value.fail(
          "the task is not stated: give \"prompt\" (a function header with its docstring) or "
          "\"question\"");
    }
    // The sandbox calls check(entry_point) exactly when entry_point is set, so the two must come
    // together or every answer would fail for a reason that is the suite's, not the model's.
    const bool defines_check = detail::defines_check_function(code.tests);
    if (defines_check && code.entry_point.empty()) {
      record.value.fail_at("entry_point", "missing, and \"tests\" defines check(candidate)");
    }
    if (!defines_check && !code.entry_point.empty()) {
      record.value.fail_at("entry_point",
                           "is set but \"tests\" defines no check(candidate) to call it with");
    }
    std::string solution = record.value.optional_string("solution").value_or("");
    Item item{.id = std::move(id),
              .question = std::move(question),
              .reference = std::move(solution),
              .source = record.where};
    item.code = std::move(code);
    suite.items.push_back(std::move(item));
  });
  return suite;
}

RbenchJsonlKind rbench_jsonl_kind(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::string_view rest = bytes;
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (rest.starts_with(kUtf8Bom)) rest.remove_prefix(kUtf8Bom.size());
  // Only the first record decides, so an error on a later line is reported by the code loader
  // in code terms rather than as a math record missing "answer".
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    if (detail::trim(line).empty()) continue;
    // A sniff, not a check: raw RapidJSON, and anything odd falls to the loaders that check.
    rapidjson::Document document;
    document.Parse(line.data(), line.size());
    // A broken first line is left to the math loader, which reports it with file and line.
    if (document.HasParseError() || !document.IsObject()) return RbenchJsonlKind::math;
    if (document.HasMember("tests")) return RbenchJsonlKind::code;
    const auto type = document.FindMember("answer_type");
    if (type != document.MemberEnd() && type->value.IsString() &&
        std::string_view(type->value.GetString()) == "integer") {
      return RbenchJsonlKind::integer_answers;
    }
    return RbenchJsonlKind::math;
  }
  return RbenchJsonlKind::math;
}

}  // namespace rbench
