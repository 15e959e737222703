// HumanEval loader (openai/human-eval `data/HumanEval.jsonl.gz`, or the same file decompressed):
// {"task_id", "prompt", "canonical_solution", "test", "entry_point"}.
#include <fmt/core.h>

#include "harness/core/error.h"
#include "harness/core/gzip.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {

Suite load_humaneval(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  // The version hashes the bytes as read, so the published .gz and its decompressed copy are two
  // versions: results stay tied to the exact file that produced them.
  Suite suite = detail::empty_suite(file, bytes);
  const bool compressed = is_gzip(bytes);
  const std::string decompressed = compressed ? gunzip(bytes, file) : std::string();
  const std::string_view text = compressed ? decompressed : bytes;
  UniqueIds ids;
  for_each_jsonl_record(file, text, [&](const JsonRecord& record) {
    std::string id = detail::required_nonblank(record, "task_id");
    ids.insert(id, record, "task_id");
    std::string prompt = detail::required_nonblank(record, "prompt");
    std::string tests = detail::required_nonblank(record, "test");
    if (!detail::defines_check_function(tests)) {
      record.value.fail_at("test", "defines no check(candidate)");
    }
    Item item{.id = std::move(id),
              .question = prompt,
              .reference = record.value.member("canonical_solution").string(),
              .source = record.where};
    item.code = CodeTask{.prompt = std::move(prompt),
                         .entry_point = detail::required_nonblank(record, "entry_point"),
                         .tests = std::move(tests),
                         .setup = ""};
    suite.items.push_back(std::move(item));
  });
  return suite;
}

}  // namespace rbench
