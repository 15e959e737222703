// import_outputs: arena-hard-auto and alpaca_eval files -> samples and judgments of a run.
#include "harness/run/importer.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/sha256.h"
#include "harness/core/version.h"
#include "scorers/judge/verdict.h"
#include "scorers/pairwise_scorer.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

// One imported answer: the sample it becomes, and where it was read.
struct PendingAnswer {
  const Item* item = nullptr;
  std::string model;
  std::string answer;
  std::string reasoning;
  std::string reference;  // the baseline answer it was judged against
  std::string source;
};

struct Pending {
  // (model, item id) -> answer
  std::map<std::pair<std::string, std::string>, PendingAnswer> answers;
  std::vector<JudgmentRecord> judgments;
  std::vector<std::string> judgment_sources;  // parallel to judgments
};

class ImportReader {
 public:
  ImportReader(const Suite& suite, const ImportOptions& options)
      : suite_(suite), options_(options) {
    for (const Item& item : suite.items) {
      by_id_.emplace(item.id, &item);
      by_instruction_.emplace(item.question, &item);
    }
  }

  Pending read() {
    for (const std::filesystem::path& file : options_.files) {
      if (options_.format == ImportFormat::arena_hard) {
        if (is_arena_hard_judgment_file(file)) {
          for (const ArenaHardJudgment& j : load_arena_hard_judgments(file)) add(j);
        } else {
          for (const ArenaHardAnswer& a : load_arena_hard_answers(file)) add(a);
        }
      } else if (is_alpaca_annotation_file(file)) {
        for (const AlpacaAnnotation& a : load_alpaca_annotations(file)) add(a);
      } else {
        for (const AlpacaOutput& o : load_alpaca_outputs(file)) add(o);
      }
    }
    if (!options_.model.empty() && models_.size() > 1) {
      throw UsageError(fmt::format("import: --model renames one model, but the files hold {} ({})",
                                   models_.size(), fmt::join(models_, ", ")));
    }
    return std::move(pending_);
  }

 private:
  std::string model_name(const std::string& in_file) {
    models_.insert(in_file);
    return options_.model.empty() ? in_file : options_.model;
  }

  std::string judge_name(const std::string& in_file) const {
    if (!options_.judge.empty()) return options_.judge;
    return in_file.empty() ? std::string("alpaca_eval") : in_file;
  }

  const Item& item_by_id(const std::string& id, const std::string& source) const {
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) {
      throw DataError(fmt::format(
          "{}: question id \"{}\" is not in suite {} ({}); is this file for another version "
          "of the benchmark (--suite arena-hard or arena-hard-v2)?",
          source, id, suite_.name, suite_.path));
    }
    return *it->second;
  }

  const Item& item_by_instruction(const std::string& instruction, const std::string& source) const {
    const auto it = by_instruction_.find(instruction);
    if (it == by_instruction_.end()) {
      const std::string head = instruction.substr(0, 60);
      throw DataError(fmt::format("{}: instruction \"{}{}\" is not in suite {} ({})", source, head,
                                  head.size() < instruction.size() ? "..." : "", suite_.name,
                                  suite_.path));
    }
    return *it->second;
  }

  void put_answer(PendingAnswer answer) {
    const auto key = std::make_pair(answer.model, answer.item->id);
    const auto [it, inserted] = pending_.answers.emplace(key, answer);
    if (inserted) return;
    // AlpacaEval's annotations repeat the model's output: the same text twice is one answer.
    if (it->second.answer == answer.answer) return;
    throw DataError(fmt::format("{}: a second, different answer of model {} to item {} (first: {})",
                                answer.source, answer.model, answer.item->id, it->second.source));
  }

  void check_baseline(const Item& item, const std::string& baseline, const std::string& source) {
    if (!item.has_baseline()) {
      throw DataError(fmt::format("{}: suite {} has no baseline answer for item {}", source,
                                  suite_.name, item.id));
    }
    if (!baseline.empty() && baseline != item.baseline_model) {
      throw DataError(fmt::format(
          "{}: judged against {}, but suite {}'s baseline for item {} is {}; scores against "
          "different baselines cannot be put together",
          source, baseline, suite_.name, item.id, item.baseline_model));
    }
  }

  void add(const ArenaHardAnswer& a) {
    const Item& item = item_by_id(a.id, a.source);
    put_answer(PendingAnswer{.item = &item,
                             .model = model_name(a.model),
                             .answer = a.answer,
                             .reasoning = a.reasoning,
                             .reference = item.reference,
                             .source = a.source});
  }

  void add(const ArenaHardJudgment& j) {
    const Item& item = item_by_id(j.id, j.source);
    check_baseline(item, j.baseline, j.source);
    for (std::size_t g = 0; g < j.games.size(); ++g) {
      const ArenaHardGame& game = j.games[g];
      JudgmentRecord r;
      r.suite = suite_.name;
      r.item_id = item.id;
      r.model = model_name(j.model);
      r.baseline_model = item.baseline_model;
      r.judge = judge_name(j.judge);
      // arena-hard-auto's first game shows the baseline as A: our game 2 (the model as A is
      // our game 1).
      r.game = g == 0 ? 2 : 1;
      r.raw = game.judgment;
      r.reasoning = game.reasoning;
      r.label_as_judged = game.score;
      if (!game.present) {
        r.status = "error";
        r.error = "imported: the game is null (the judge call gave nothing)";
      } else if (!game.has_score) {
        r.status = "unparsed";
        r.why = "imported: arena-hard-auto found no label (score null)";
      } else if (const auto label = judge::label_from_string(game.score)) {
        r.status = "ok";
        r.label = std::string(judge::to_string(r.game == 1 ? *label : judge::swapped(*label)));
        r.why = fmt::format("imported score {} (game {} of arena-hard-auto)", game.score, g + 1);
      } else {
        r.status = "unparsed";
        r.why = fmt::format("imported score \"{}\" is not one of the five labels", game.score);
      }
      pending_.judgments.push_back(std::move(r));
      pending_.judgment_sources.push_back(j.source);
    }
  }

  void add(const AlpacaOutput& o) {
    const Item& item = item_by_instruction(o.instruction, o.source);
    put_answer(PendingAnswer{.item = &item,
                             .model = model_name(o.generator),
                             .answer = o.output,
                             .reference = item.reference,
                             .source = o.source});
  }

  void add(const AlpacaAnnotation& a) {
    const Item& item = item_by_instruction(a.instruction, a.source);
    check_baseline(item, a.generator_1, a.source);
    const std::string model = model_name(a.generator_2);
    // output_1 is what the judge saw as the baseline's answer: its length is what LC uses.
    put_answer(PendingAnswer{.item = &item,
                             .model = model,
                             .answer = a.output_2,
                             .reference = a.output_1,
                             .source = a.source});
    JudgmentRecord r;
    r.suite = suite_.name;
    r.item_id = item.id;
    r.model = model;
    r.baseline_model = item.baseline_model;
    r.judge = judge_name(a.annotator);
    r.game = 1;  // alpaca_eval randomises the order itself; one annotation per pair
    r.raw = a.raw_completion;
    r.cost_usd = a.price_per_example;
    // alpaca_eval's legacy draw is 0; everything else lies in [1, 2].
    const std::optional<double> p =
        a.preference && *a.preference == 0 ? std::optional<double>(1.5) : a.preference;
    if (!p || !std::isfinite(*p)) {
      r.status = "unparsed";
      r.why = "imported: the annotator gave no preference (null)";
    } else if (*p < 1 || *p > 2) {
      r.status = "unparsed";
      r.why = fmt::format("imported preference {} is outside [1, 2]", *p);
    } else {
      r.status = "ok";
      r.preference = *p;
      r.label = *p > 1.5 ? "A>B" : *p < 1.5 ? "B>A" : "A=B";
      r.why = fmt::format("imported preference {:.4f} (1 = the baseline, 2 = the model)", *p);
    }
    pending_.judgments.push_back(std::move(r));
    pending_.judgment_sources.push_back(a.source);
  }

  const Suite& suite_;
  const ImportOptions& options_;
  std::unordered_map<std::string, const Item*> by_id_;
  std::unordered_map<std::string, const Item*> by_instruction_;
  std::set<std::string> models_;  // as the files name them
  Pending pending_;
};

std::string messages_json(const std::string& question) {
  json::Writer w;
  w.value(json::array({json::object({{"role", "user"}, {"content", question}})}));
  return w.str();
}

// The run's stored configuration: the files (with their sha256) and the suite in the form
// rescore and the reports read ("fingerprint".suites, "suites").
std::string import_config_json(const Suite& suite, const ImportOptions& options) {
  const auto write_file = [](json::Writer& w, const std::filesystem::path& file) {
    w.object(
        {{"path", std::filesystem::absolute(file).string()}, {"sha256", sha256_file_hex(file)}});
  };
  json::Writer w;
  w.object({{"import",
             json::object({{"format", options.format == ImportFormat::arena_hard ? "arena-hard"
                                                                                 : "alpaca-eval"},
                           {"files", json::array(options.files, write_file)},
                           {"model", json::unless_empty(options.model)},
                           {"judge", json::unless_empty(options.judge)}})},
            {"fingerprint", json::object({{"suites", json::array({json::object({
                                                         {"name", suite.name},
                                                         {"version", suite.version},
                                                         {"prompt_template", suite.prompt_template},
                                                         {"scorer", suite.scorer},
                                                     })})}})},
            {"suites", json::array({json::object({{"name", suite.name}, {"path", suite.path}})})}});
  return w.str();
}

}  // namespace

ImportSummary import_outputs(Store& store, const Suite& suite, const ImportOptions& options) {
  if (suite.scorer != kPairwiseScorer) {
    throw UsageError(
        fmt::format("import: suite {} is scored with \"{}\"; import takes pairwise "
                    "suites (arena-hard, arena-hard-v2, alpaca-eval)",
                    suite.name, suite.scorer));
  }
  if (options.files.empty()) throw UsageError("import: give at least one FILE");
  Pending pending = ImportReader(suite, options).read();

  // A verdict without the answer it judged cannot be measured (length, style): the answer must be
  // in these files or already in the store.
  std::set<std::pair<std::string, std::string>> stored;
  for (const SampleRecord& s : store.samples()) {
    if (s.key.suite == suite.name && s.key.sample_index == 0 && s.completion.ok()) {
      stored.emplace(s.key.model, s.key.item_id);
    }
  }
  std::map<std::string, std::pair<std::size_t, std::string>> orphans;  // model -> count, first
  for (std::size_t i = 0; i < pending.judgments.size(); ++i) {
    const JudgmentRecord& j = pending.judgments[i];
    const auto key = std::make_pair(j.model, j.item_id);
    if (pending.answers.contains(key) || stored.contains(key)) continue;
    auto& [count, first] = orphans[j.model];
    if (count++ == 0) first = pending.judgment_sources[i];
  }
  if (!orphans.empty()) {
    const auto& [model, what] = *orphans.begin();
    throw DataError(fmt::format(
        "{}: a judgment of model {} whose answer is neither in the files given nor in {} ({} "
        "games of {} lack their answer); import the model's answer file with it",
        what.second, model, store.path().string(), what.first, model));
  }

  ImportSummary summary;
  summary.run_name = options.run_name.empty() ? "import-" + suite.name : options.run_name;
  const RunInfo run =
      store.open_run(summary.run_name, import_config_json(suite, options), version(), git_sha());
  const PairwiseScorer scorer;
  for (const auto& [key, a] : pending.answers) {
    SampleRecord r;
    r.run_id = run.id;
    r.key = SampleKey{a.model, suite.name, a.item->id, 0};
    r.suite_version = suite.version;
    r.prompt_json = messages_json(a.item->question);
    r.reference = a.reference;
    r.completion.answer = a.answer;
    r.completion.reasoning = a.reasoning;
    r.cost_usd = -1;
    r.score = scorer.score(*a.item, a.answer);
    r.scorer = scorer.name();
    store.put_sample(r);
    ++summary.answers;
    ++summary.models[a.model];
  }
  std::set<std::string> judges;
  for (JudgmentRecord& j : pending.judgments) {
    j.run_id = run.id;
    store.put_judgment(j);
    ++summary.judgments;
    if (j.status == "unparsed") ++summary.unparsed;
    if (j.status == "error") ++summary.failed;
    judges.insert(j.judge);
  }
  summary.judges.assign(judges.begin(), judges.end());
  store.finish_run(run.id);
  return summary;
}

}  // namespace rbench
