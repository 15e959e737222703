// Loader for rbench's own JSONL suites (the bundled demo suite and user-written ones):
// {"id": "...", "question": "...", "answer": "...", "solution": "..." (optional)}.
#include "harness/error.h"
#include "suites/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {

Suite load_rbench_jsonl(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite;
  suite.path = file.string();
  suite.version = suite_version(bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    std::string id = detail::required_nonblank(record, "id");
    ids.insert(id, record);
    suite.items.push_back(Item{.id = std::move(id),
                               .question = detail::required_nonblank(record, "question"),
                               .reference = detail::required_nonblank(record, "answer"),
                               .solution = optional_string(record, "solution").value_or(""),
                               .source = record.where});
  });
  return suite;
}

}  // namespace rbench
