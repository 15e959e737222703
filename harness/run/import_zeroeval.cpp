// ZeroEval's result files (WildEval/ZeroEval result_dirs/<dataset>/<model>.json).
#include <fmt/format.h>

#include "harness/core/jsonl_reader.h"
#include "harness/run/import_read_util.h"
#include "harness/run/import_records.h"

namespace rbench {
namespace {

// ZeroEval writes GSM8K's gold answer as "# 18"; the marker is not part of the answer.
std::string strip_answer_marker(std::string text) {
  const std::size_t start = text.find_first_not_of("# \t\n");
  if (!text.starts_with('#') || start == std::string::npos) return text;
  return text.substr(start);
}

}  // namespace

ImportedFile read_zeroeval(const std::filesystem::path& file) {
  std::string bytes;
  ImportedFile out = import_detail::start_file(file, "zeroeval", bytes);
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    const json::Value& v = record.value;
    ImportedRecord r;
    r.where = record.where;
    r.index = record.index;
    r.id = import_detail::optional_text(v, "session_id")
               .value_or(import_detail::optional_text(v, "id").value_or(""));
    r.question = v.optional_string("problem").value_or(v.optional_string("question").value_or(""));
    if (r.question.empty() && r.id.empty()) {
      v.fail("neither \"problem\"/\"question\" nor \"session_id\"/\"id\": cannot match the record");
    }
    r.reference = strip_answer_marker(import_detail::optional_text(v, "answer").value_or(""));
    r.model = model_from_generator(v.optional_string("generator").value_or(""));
    // "output" lists the replies of its runs; ZeroEval grades the first.
    const json::Value output = v.member("output");
    if (!output.is_array() || output.size() == 0) {
      output.fail("expected a non-empty list of replies (ZeroEval grades its first entry)");
    }
    r.answers.push_back(ImportedAnswer{.answer = output.at(0).string()});
    if (out.dataset.empty()) out.dataset = v.optional_string("dataset").value_or("");
    if (out.settings.empty()) {
      if (const auto configs = v.find("configs"); configs && configs->is_string()) {
        out.settings = configs->string();
      }
    }
    out.records.push_back(std::move(r));
  });
  if (out.dataset.empty()) {
    out.dataset = std::filesystem::absolute(file).parent_path().filename().string();
  }
  return out;
}

}  // namespace rbench
