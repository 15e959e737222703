#include "harness/run/rescore.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include "harness/core/error.h"
#include "harness/run/importer.h"
#include "scorers/pairwise_scorer.h"
#include "scorers/registry.h"
#include "suites/official_defaults.h"
#include "suites/prompts.h"
#include "suites/registry.h"

namespace rbench {
namespace {

// What the run stored about one suite: its identity (fingerprint) and where it was read from.
struct StoredSuite {
  std::string name;
  std::string version;
  std::string prompt_template;
  std::string scorer;
  std::string path;
  bool items_stored = false;  // an imported custom suite: its items are the run's samples
};

std::vector<StoredSuite> stored_suites(const RunInfo& run) {
  rapidjson::Document doc;
  doc.Parse(run.config_json.c_str());
  const auto bad = [&] {
    return DataError(
        fmt::format("run '{}': its stored configuration has no suites to rescore", run.name));
  };
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("fingerprint")) throw bad();
  const auto& fingerprint = doc["fingerprint"];
  if (!fingerprint.IsObject() || !fingerprint.HasMember("suites") ||
      !fingerprint["suites"].IsArray()) {
    throw bad();
  }
  std::map<std::string, std::string> paths;
  std::set<std::string> items_stored;
  if (doc.HasMember("suites") && doc["suites"].IsArray()) {
    for (const auto& s : doc["suites"].GetArray()) {
      if (s.IsObject() && s.HasMember("name") && s["name"].IsString() && s.HasMember("path") &&
          s["path"].IsString()) {
        paths[s["name"].GetString()] = s["path"].GetString();
        if (s.HasMember("items_from") && s["items_from"].IsString() &&
            std::string_view(s["items_from"].GetString()) == "samples") {
          items_stored.insert(s["name"].GetString());
        }
      }
    }
  }
  const auto text = [](const rapidjson::Value& v, const char* key) -> std::string {
    return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
  };
  std::vector<StoredSuite> out;
  for (const auto& s : fingerprint["suites"].GetArray()) {
    if (!s.IsObject()) throw bad();
    StoredSuite suite{text(s, "name"), text(s, "version"), text(s, "prompt_template"),
                      text(s, "scorer"), ""};
    suite.path = paths[suite.name];
    suite.items_stored = items_stored.contains(suite.name);
    out.push_back(std::move(suite));
  }
  return out;
}

// An imported custom suite (rbench import without --suite): its items are what the run's samples
// stored, the question in the prompt and the reference beside it.
Suite suite_from_samples(const StoredSuite& stored, const std::vector<SampleRecord>& samples) {
  Suite suite{.name = stored.name,
              .version = stored.version,
              .prompt_template = stored.prompt_template,
              .scorer = stored.scorer,
              .path = stored.path};
  std::set<std::string> seen;
  for (const SampleRecord& s : samples) {
    if (s.key.suite != stored.name || !seen.insert(s.key.item_id).second) continue;
    suite.items.push_back(Item{.id = s.key.item_id, .reference = s.reference});
  }
  return suite;
}

// The suite as the run read it: by name (registry), else from the stored path (custom files).
Suite load_as_stored(const RunInfo& run, const StoredSuite& stored, const RescoreOptions& options,
                     const std::vector<SampleRecord>& samples) {
  if (stored.items_stored) return suite_from_samples(stored, samples);
  Suite suite;
  try {
    suite = find_suite(stored.name)
                ? load_suite(stored.name, options.data_dir, options.bundled_data_dir)
                : load_suite(stored.path, options.data_dir, options.bundled_data_dir);
  } catch (const Error& e) {
    throw DataError(fmt::format("run '{}', suite {}: cannot load its data again: {}", run.name,
                                stored.name, e.what()));
  }
  if (suite.version != stored.version) {
    throw DataError(fmt::format(
        "run '{}', suite {}: the data in {} has version {}, but the run used version {}; "
        "rescoring against other data would not grade the run's answers (pass --data-dir to "
        "the data the run used)",
        run.name, stored.name, suite.path, suite.version, stored.version));
  }
  // The scorer and prompt the run used, not today's defaults.
  suite.scorer = stored.scorer;
  suite.prompt_template = stored.prompt_template;
  return suite;
}

}  // namespace

std::vector<RescoreResult> rescore(Store& store, const RescoreOptions& options) {
  std::vector<RescoreResult> results;
  bool found_run = false;
  for (const RunInfo& run : store.runs()) {
    if (options.run && run.name != *options.run) continue;
    found_run = true;
    const std::vector<SampleRecord> samples = store.samples(run.id);
    for (const StoredSuite& stored : stored_suites(run)) {
      if (!options.suites.empty() && std::find(options.suites.begin(), options.suites.end(),
                                               stored.name) == options.suites.end()) {
        continue;
      }
      // Pairwise answers have no verdict of their own: their results are the judgments.
      if (stored.scorer == kPairwiseScorer) continue;
      // Verdicts imported as given (LiveCodeBench's) were made by no scorer of rbench's.
      if (stored.scorer == kImportedVerdictScorer) continue;
      const Suite suite = load_as_stored(run, stored, options, samples);
      std::map<std::string, const Item*> items;
      for (const Item& item : suite.items) items[item.id] = &item;
      ScorerOptions scorer_options;
      scorer_options.completion_style = is_completion_template(suite.prompt_template);
      // As the run ran: its stored default for this suite unless --code-timeout says otherwise.
      const DefaultsBySuite defaults = stored_defaults(run.config_json).value_or(DefaultsBySuite{});
      const auto stored_default = defaults.find(suite.name);
      scorer_options.code_timeout_s = options.code_timeout_s > 0 ? options.code_timeout_s
                                      : stored_default != defaults.end()
                                          ? stored_default->second.timeout_s.value_or(0)
                                          : 0;
      const auto scorer = make_scorer(suite.scorer, scorer_options);

      std::vector<const SampleRecord*> todo;
      RescoreResult result{run.name, suite.name};
      for (const SampleRecord& s : samples) {
        if (s.key.suite != suite.name || !s.completion.ok()) continue;
        if (!items.contains(s.key.item_id)) {
          ++result.missing_items;
          continue;
        }
        todo.push_back(&s);
      }
      // One slot per sample, so the parallel graders need no lock to record a flip.
      std::vector<std::optional<RescoreChange>> flips(todo.size());
      tbb::parallel_for(std::size_t{0}, todo.size(), [&](std::size_t i) {
        const SampleRecord& s = *todo[i];
        const Score score = scorer->score(*items.at(s.key.item_id), s.completion.answer);
        store.put_score(s.id, scorer->name(), score);
        const bool before = s.score && s.score->correct;
        if (score.correct == before) return;
        RescoreChange c{s.key.item_id, s.key.sample_index, score.correct};
        if (s.score) {
          c.before_extracted = s.score->extracted;
          c.before_method = s.score->method;
          c.before_rule = s.score->rule;
        }
        c.after_extracted = score.extracted;
        c.after_method = score.method;
        c.after_rule = score.rule;
        flips[i] = std::move(c);
      });
      result.rescored = todo.size();
      for (auto& f : flips) {
        if (!f) continue;
        ++(f->now_correct ? result.became_correct : result.became_wrong);
        result.changes.push_back(std::move(*f));
      }
      std::sort(result.changes.begin(), result.changes.end(), [](const auto& a, const auto& b) {
        return std::tie(a.item_id, a.sample_index) < std::tie(b.item_id, b.sample_index);
      });
      results.push_back(std::move(result));
    }
  }
  if (options.run && !found_run) {
    throw UsageError(
        fmt::format("rescore: no run named '{}' in {}", *options.run, store.path().string()));
  }
  return results;
}

}  // namespace rbench
