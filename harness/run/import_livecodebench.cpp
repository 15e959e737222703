// LiveCodeBench's evaluated generations (LiveCodeBench/submissions
// <model>/Scenario.codegeneration_<n>_<temperature>_eval_all.json). The hidden tests are not
// public, so the verdicts (graded_list) are imported as given, never re-executed.
#include <fmt/format.h>

#include "harness/core/jsonl_reader.h"
#include "harness/run/import_read_util.h"
#include "harness/run/import_records.h"

namespace rbench {

ImportedFile read_livecodebench(const std::filesystem::path& file) {
  std::string bytes;
  ImportedFile out = import_detail::start_file(file, "livecodebench", bytes);
  out.dataset = "livecodebench";
  out.model = model_from_folder(file);
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    const json::Value& v = record.value;
    ImportedRecord r;
    r.where = record.where;
    r.index = record.index;
    r.id = import_detail::required_text(v, "question_id");
    const std::string title = v.optional_string("question_title").value_or("");
    const std::string content = v.member("question_content").string();
    const std::string starter = v.optional_string("starter_code").value_or("");
    r.question = title.empty() ? content : title + "\n\n" + content;
    if (!starter.empty()) r.question += "\n\nStarter code:\n" + starter;
    const json::Value outputs = v.member("output_list");
    const json::Value graded = v.member("graded_list");
    const std::optional<json::Value> codes = v.find("code_list");
    if (outputs.size() == 0) outputs.fail("an empty list: no generation to import");
    if (graded.size() != outputs.size()) {
      graded.fail(fmt::format("has {} verdicts for {} generations in output_list", graded.size(),
                              outputs.size()));
    }
    if (codes && codes->size() != outputs.size()) {
      codes->fail(fmt::format("has {} programs for {} generations in output_list", codes->size(),
                              outputs.size()));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      r.answers.push_back(ImportedAnswer{.answer = outputs.at(i).string(),
                                         .verdict = graded.at(i).boolean(),
                                         .code = codes ? codes->at(i).string() : ""});
    }
    out.records.push_back(std::move(r));
  });
  return out;
}

}  // namespace rbench
