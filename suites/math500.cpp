// MATH-500 loader (the PRM800K test split of MATH, as published in openai/prm800k).
#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {

Suite load_math500(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    std::string id = detail::required_nonblank(record, "unique_id");
    ids.insert(id, record, "unique_id");
    // subject and level are checked for type so a malformed file is caught here, but Item has no
    // place for them yet.
    record.value.optional_string("subject");
    detail::optional_string_or_integer(record, "level");
    suite.items.push_back(Item{.id = std::move(id),
                               .question = detail::required_nonblank(record, "problem"),
                               .reference = detail::required_nonblank(record, "answer"),
                               .solution = record.value.member("solution").string(),
                               .source = record.where});
  });
  return suite;
}

}  // namespace rbench
