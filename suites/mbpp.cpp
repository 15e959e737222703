// MBPP loader: the original `mbpp.jsonl` ({"text", "code", "task_id", "test_setup_code",
// "test_list", "challenge_test_list"}) and the sanitized `sanitized-mbpp.json` (one JSON array of
// {"source_file", "task_id", "prompt", "code", "test_imports", "test_list"}), told apart by
// content.
#include <fmt/core.h>

#include <cctype>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

// The evaluation split. google-research/mbpp/README.md: "Task IDs 11-510 are used for testing.
// Task IDs 1-10 were used for few-shot prompting and not for training. Task IDs 511-600 were used
// for validation during fine-tuning. Task IDs 601-974 are used for training." The sanitized file
// keeps the original task ids, so the same range selects its test split (257 tasks).
constexpr long kFirstTestTask = 11;
constexpr long kLastTestTask = 510;

long required_task_id(const JsonRecord& record) {
  return static_cast<long>(record.value.member("task_id").integer());
}

// An array of strings; absent or null is an empty list unless `required`.
std::vector<std::string> string_list(const JsonRecord& record, std::string_view field,
                                     bool required) {
  const auto value = record.value.find(field);
  if (!value) {
    if (required) record.value.fail_at(field, "missing");
    return {};
  }
  std::vector<std::string> out;
  for (const json::Value element : value->elements()) out.push_back(element.string());
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// The record's fields under either layout.
struct MbppTask {
  std::string text;
  std::string setup;         // run before the candidate
  std::string tests_prefix;  // run after the candidate, before the asserts
};

Item make_item(const JsonRecord& record, long task_id, MbppTask task) {
  const std::vector<std::string> tests = string_list(record, "test_list", true);
  if (tests.empty()) record.value.fail_at("test_list", "is empty");
  const std::string asserts = join_lines(tests);
  // The question is the task followed by its tests, the form of the MBPP paper's prompt that
  // most evaluations use ("... here is your task: {text} Your code should pass these tests:\n\n
  // {tests}"): the tests are the only place the function's name and signature are given.
  Item item{.id = fmt::format("mbpp/{}", task_id),
            .question = fmt::format("{} Your code should pass these tests:\n\n{}",
                                    detail::trim(task.text), asserts),
            .reference = record.value.member("code").string(),
            .source = record.where};
  item.code = CodeTask{.prompt = "",
                       .entry_point = "",
                       .tests = task.tests_prefix.empty()
                                    ? asserts
                                    : fmt::format("{}\n{}", task.tests_prefix, asserts),
                       .setup = std::move(task.setup)};
  return item;
}

char first_non_space(std::string_view bytes) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (bytes.starts_with(kUtf8Bom)) bytes.remove_prefix(kUtf8Bom.size());
  for (const char c : bytes) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) return c;
  }
  return '\0';
}

}  // namespace

Suite load_mbpp(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  const auto keep = [&](const JsonRecord& record, long task_id) {
    ids.insert(std::to_string(task_id), record, "task_id");
    return task_id >= kFirstTestTask && task_id <= kLastTestTask;
  };
  const char first = first_non_space(bytes);
  if (first == '[') {
    // Sanitized: the task text is "prompt", the tests' imports are "test_imports".
    for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
      const long task_id = required_task_id(record);
      if (!keep(record, task_id)) return;
      suite.items.push_back(
          make_item(record, task_id,
                    MbppTask{detail::required_nonblank(record, "prompt"),
                             join_lines(string_list(record, "test_imports", false)), ""}));
    });
  } else {
    // Original JSONL. challenge_test_list (harder extra tests, empty for most tasks) is not part
    // of the standard evaluation and is ignored. test_setup_code builds the tests' inputs from
    // the solution's own classes (tasks 367 and 927 make trees of the solution's Node), so it
    // runs after the candidate, as the start of the tests, not before it as setup.
    for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
      const long task_id = required_task_id(record);
      if (!keep(record, task_id)) return;
      suite.items.push_back(
          make_item(record, task_id,
                    MbppTask{detail::required_nonblank(record, "text"), "",
                             record.value.optional_string("test_setup_code").value_or("")}));
    });
  }
  if (suite.items.empty()) {
    throw DataError(fmt::format("{}: no MBPP task in the evaluation split (task_id {}-{})",
                                file.string(), kFirstTestTask, kLastTestTask));
  }
  return suite;
}

}  // namespace rbench
