// lm-evaluation-harness's per-sample logs (--log_samples: samples_<task>_<date>.jsonl).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "harness/core/jsonl_reader.h"
#include "harness/run/import_read_util.h"
#include "harness/run/import_records.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

// "samples_gsm8k_2024-05-13T12-00-00.123456.jsonl" -> "gsm8k": the task sits between the prefix
// and the last '_' (the date has none).
std::string task_of(const std::filesystem::path& file) {
  std::string stem = file.stem().string();
  if (stem.starts_with("samples_")) stem.erase(0, 8);
  if (const std::size_t last = stem.rfind('_'); last != std::string::npos && last > 0) {
    stem.erase(last);
  }
  return stem;
}

// The prompt the harness sent: the document's own question when it has one, else the first
// request's text ({"gen_args_0": {"arg_0": TEXT}} since 0.4.3, [[TEXT, {...}]] before).
std::string question_of(const json::Value& record) {
  if (const std::optional<json::Value> doc = record.find("doc"); doc && doc->is_object()) {
    for (std::string_view key : {"question", "problem", "input", "prompt"}) {
      if (const auto text = doc->find(key); text && text->is_string()) return text->string();
    }
  }
  const std::optional<json::Value> args = record.find("arguments");
  if (!args) return "";
  if (args->is_object()) {
    if (const auto first = args->find("gen_args_0"); first && first->is_object()) {
      if (const auto text = first->find("arg_0"); text && text->is_string()) return text->string();
    }
  } else if (args->is_array() && args->size() > 0) {
    const json::Value first = args->at(0);
    if (first.is_array() && first.size() > 0 && first.at(0).is_string()) {
      return first.at(0).string();
    }
  }
  return "";
}

// GSM8K's target is the whole worked answer ("... #### 18"): the reference is what follows the
// marker, as rbench's own gsm8k suite reads it.
std::string reference_of(const json::Value& record) {
  std::string target = import_detail::required_text(record, "target");
  if (const std::optional<Gsm8kAnswer> split = split_gsm8k_answer(target)) return split->reference;
  const std::size_t first = target.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return target.substr(first, target.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

ImportedFile read_lm_eval(const std::filesystem::path& file) {
  std::string bytes;
  ImportedFile out = import_detail::start_file(file, "lm-eval", bytes);
  out.dataset = task_of(file);
  out.model = model_from_folder(file);
  std::map<std::string, std::size_t> seen;  // doc_id -> position in out.records
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    const json::Value& v = record.value;
    ImportedRecord r;
    r.where = record.where;
    r.index = record.index;
    r.id = import_detail::required_text(v, "doc_id");
    r.question = question_of(v);
    r.reference = reference_of(v);
    // resps: one list per request, each holding the generations (several with repeats).
    const json::Value resps = v.member("resps");
    if (!resps.is_array() || resps.size() == 0) resps.fail("expected a non-empty list of requests");
    const json::Value generations = resps.at(0);
    if (!generations.is_array() || generations.size() == 0 || !generations.at(0).is_string()) {
      generations.fail(
          "expected a list of generated texts: only generate_until tasks can be graded from "
          "their text (loglikelihood tasks log scores, not answers)");
    }
    for (const json::Value& g : generations.elements()) {
      r.answers.push_back(ImportedAnswer{.answer = g.string()});
    }
    // One line per filter of the same document: the generations are the same, the filters'
    // extractions differ (and are not used: rbench extracts for itself).
    if (const auto it = seen.find(r.id); it != seen.end()) {
      const ImportedRecord& first = out.records[it->second];
      const bool same =
          first.answers.size() == r.answers.size() &&
          std::equal(first.answers.begin(), first.answers.end(), r.answers.begin(),
                     [](const auto& a, const auto& b) { return a.answer == b.answer; });
      if (!same) {
        resps.fail(fmt::format("doc_id {} was already logged at {} with other generations", r.id,
                               first.where));
      }
      return;
    }
    seen.emplace(r.id, out.records.size());
    out.records.push_back(std::move(r));
  });
  return out;
}

}  // namespace rbench
