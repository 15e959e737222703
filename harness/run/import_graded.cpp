// import_graded_outputs: other harnesses' answers -> samples of a run, graded by rbench.
#include "harness/run/import_graded.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/parallel_for.h>

#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/sha256.h"
#include "harness/core/version.h"
#include "scorers/pairwise_scorer.h"
#include "scorers/registry.h"
#include "suites/prompts.h"
#include "suites/registry.h"

namespace rbench {
namespace {

constexpr std::string_view kImportedVerdictRule = "verdict imported, not re-executed";
constexpr std::string_view kImportedVerdictDetail =
    "verdict imported, not re-executed: LiveCodeBench's own graded_list (its hidden tests are not "
    "public)";

// Question texts compared with runs of whitespace collapsed and the ends trimmed: harnesses
// re-serialise the same problem with other line ends and trailing spaces.
std::string normalised(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string head(std::string_view text, std::size_t n = 60) {
  const std::string flat = normalised(text);
  return flat.size() <= n ? flat : flat.substr(0, n) + "...";
}

// The scorer a custom suite is graded with, from its name: AIME answers are integers 0-999.
std::string scorer_for_dataset(const std::string& dataset, ImportFormat format) {
  if (format == ImportFormat::livecodebench) return std::string(kImportedVerdictScorer);
  if (dataset.find("aime") != std::string::npos) return "aime";
  return "math";
}

// One answer to be stored: where it goes, where it came from, and its verdict.
struct Planned {
  std::size_t suite = 0;  // index into the suites being imported into
  std::size_t item = 0;   // index into that suite's items
  std::string model;
  int sample_index = 0;
  const ImportedAnswer* answer = nullptr;
  std::string where;
  Score score;
};

class GradedImport {
 public:
  GradedImport(const std::optional<Suite>& suite, const ImportOptions& options)
      : options_(options), custom_(!suite) {
    if (suite) add_suite(*suite);
  }

  void read() {
    for (const std::filesystem::path& path : options_.files) {
      files_.push_back(read_graded_file(options_.format, path, options_.fields));
    }
    for (const ImportedFile& file : files_) {
      for (const ImportedRecord& record : file.records) plan(file, record);
    }
    if (!options_.model.empty() && models_.size() > 1) {
      throw UsageError(fmt::format("import: --model renames one model, but the files hold {} ({})",
                                   models_.size(), fmt::join(models_, ", ")));
    }
    for (Suite& s : suites_) s.version = custom_ ? items_version(s) : s.version;
  }

  void grade() {
    std::vector<std::unique_ptr<Scorer>> scorers;
    for (const Suite& s : suites_) {
      if (s.scorer == kImportedVerdictScorer) {
        scorers.push_back(nullptr);
        continue;
      }
      if (s.scorer == kPairwiseScorer) {
        throw UsageError(fmt::format(
            "import: suite {} is judged pairwise; import its answers with --format arena-hard "
            "or alpaca-eval",
            s.name));
      }
      ScorerOptions scorer_options;
      scorer_options.completion_style = is_completion_template(s.prompt_template);
      scorers.push_back(make_scorer(s.scorer, scorer_options));
    }
    tbb::parallel_for(std::size_t{0}, planned_.size(), [&](std::size_t i) {
      Planned& p = planned_[i];
      const Item& item = suites_[p.suite].items[p.item];
      if (p.answer->verdict) {
        const bool passed = *p.answer->verdict;
        p.score = Score{.value = passed ? 1.0 : 0.0,
                        .correct = passed,
                        .extracted = p.answer->code,
                        .method = "imported verdict",
                        .detail = std::string(kImportedVerdictDetail),
                        // The rule is what the reports list per result ("Verdicts by deciding
                        // rule"), so the marker reaches every report format.
                        .rule = std::string(kImportedVerdictRule),
                        .outcome = passed ? "passed" : "failed"};
      } else if (scorers[p.suite]) {
        p.score = scorers[p.suite]->score(item, p.answer->answer);
      } else {
        throw DataError(
            fmt::format("{}: no verdict to import for sample {}", p.where, p.sample_index));
      }
    });
  }

  ImportSummary write(Store& store) const;

 private:
  std::size_t add_suite(Suite suite) {
    const std::size_t index = suites_.size();
    by_name_.emplace(suite.name, index);
    by_id_.emplace_back();
    by_question_.emplace_back();
    for (std::size_t i = 0; i < suite.items.size(); ++i) {
      by_id_.back().emplace(suite.items[i].id, i);
      by_question_.back().emplace(normalised(suite.items[i].question), i);
    }
    suites_.push_back(std::move(suite));
    return index;
  }

  std::string model_of(const ImportedFile& file, const ImportedRecord& record) {
    const std::string& named = record.model.empty() ? file.model : record.model;
    if (named.empty() && options_.model.empty()) {
      throw UsageError(fmt::format(
          "{}: the file does not name the model that answered; give --model NAME", record.where));
    }
    if (!named.empty()) models_.insert(named);
    return options_.model.empty() ? named : options_.model;
  }

  // The custom suite a file's records go to: its dataset, renamed when rbench ships a suite of
  // that name (its items are another file's, with other ids).
  std::size_t custom_suite(const ImportedFile& file) {
    std::string name = file.dataset.empty() ? file.path.stem().string() : file.dataset;
    if (find_suite(name)) {
      const std::string renamed = fmt::format("{}-{}", name, file.format);
      notes_.insert(fmt::format(
          "{}: dataset {} is stored as suite {} (rbench's own suite {} has other item ids; "
          "--suite {} grades against it)",
          file.path.string(), name, renamed, name, name));
      name = renamed;
    }
    if (const auto it = by_name_.find(name); it != by_name_.end()) return it->second;
    Suite suite;
    suite.name = name;
    suite.scorer = scorer_for_dataset(name, options_.format);
    suite.prompt_template = fmt::format("imported-{}", file.format);
    suite.path = std::filesystem::absolute(file.path).string();
    return add_suite(std::move(suite));
  }

  // The custom item of a record: new, or the same problem another record (file) already gave.
  std::size_t custom_item(std::size_t s, const ImportedRecord& record) {
    Suite& suite = suites_[s];
    const std::string id = record.id.empty() ? std::to_string(record.index) : record.id;
    if (record.reference.empty() && !record.answers.front().verdict) {
      throw DataError(fmt::format(
          "{}: record {} has no reference answer to grade against; without --suite the file's "
          "own references are used",
          record.where, record.index));
    }
    if (const auto it = by_id_[s].find(id); it != by_id_[s].end()) {
      const Item& item = suite.items[it->second];
      if (item.question != record.question || item.reference != record.reference) {
        throw DataError(fmt::format(
            "{}: item {} of suite {} differs from the one at {} (question or reference)",
            record.where, id, suite.name, item.source));
      }
      return it->second;
    }
    suite.items.push_back(Item{.id = id,
                               .question = record.question,
                               .reference = record.reference,
                               .source = record.where});
    by_id_[s].emplace(id, suite.items.size() - 1);
    return suite.items.size() - 1;
  }

  // The item of `suite` a record answers: by id, else by question text.
  std::optional<std::size_t> matched_item(std::size_t s, const ImportedRecord& record) const {
    if (!record.id.empty()) {
      if (const auto it = by_id_[s].find(record.id); it != by_id_[s].end()) return it->second;
    }
    if (!record.question.empty()) {
      const auto it = by_question_[s].find(normalised(record.question));
      if (it != by_question_[s].end()) return it->second;
    }
    return std::nullopt;
  }

  void plan(const ImportedFile& file, const ImportedRecord& record) {
    const std::string model = model_of(file, record);
    std::size_t s = 0;
    std::size_t item = 0;
    if (custom_) {
      s = custom_suite(file);
      item = custom_item(s, record);
    } else if (const std::optional<std::size_t> found = matched_item(0, record)) {
      item = *found;
    } else if (options_.skip_unmatched) {
      ++skipped_;
      return;
    } else {
      throw DataError(fmt::format(
          "{}: record {} (id \"{}\", question \"{}\") matches no item of suite {} ({}) by id or "
          "question text; --skip-unmatched skips such records",
          record.where, record.index, record.id, head(record.question), suites_[0].name,
          suites_[0].path));
    }
    for (std::size_t a = 0; a < record.answers.size(); ++a) {
      const int index = static_cast<int>(a);
      const auto key = std::make_tuple(model, s, item, index);
      const auto [it, inserted] = seen_.emplace(key, record.where);
      if (!inserted) {
        throw DataError(fmt::format(
            "{}: a second answer of model {} to item {} of suite {} (sample {}; first: {})",
            record.where, model, suites_[s].items[item].id, suites_[s].name, index, it->second));
      }
      planned_.push_back(Planned{.suite = s,
                                 .item = item,
                                 .model = model,
                                 .sample_index = index,
                                 .answer = &record.answers[a],
                                 .where = record.where});
    }
  }

  // A custom suite's version: the sha256 prefix of its items as imported, so runs of the same
  // problems share it whichever file (model) they came from.
  static std::string items_version(const Suite& suite) {
    std::string text;
    for (const Item& item : suite.items) {
      text += item.id + '\0' + item.question + '\0' + item.reference + '\n';
    }
    return sha256_hex(text).substr(0, 16);
  }

  std::string config_json() const;

  const ImportOptions& options_;
  bool custom_;
  std::vector<ImportedFile> files_;
  std::vector<Suite> suites_;
  std::map<std::string, std::size_t> by_name_;
  std::vector<std::unordered_map<std::string, std::size_t>> by_id_;        // per suite
  std::vector<std::unordered_map<std::string, std::size_t>> by_question_;  // per suite
  std::set<std::string> models_;                                           // as the files name them
  std::map<std::tuple<std::string, std::size_t, std::size_t, int>, std::string> seen_;
  std::vector<Planned> planned_;
  std::size_t skipped_ = 0;
  std::set<std::string> notes_;
};

std::string GradedImport::config_json() const {
  const auto write_file = [](json::Writer& w, const ImportedFile& f) {
    w.object({{"file", std::filesystem::absolute(f.path).string()},
              {"sha256", f.sha256},
              {"bytes", f.bytes},
              {"format", f.format},
              {"records", f.records.size()},
              {"dataset", json::unless_empty(f.dataset)},
              {"settings", json::unless_empty(f.settings)}});
  };
  const auto write_fingerprint = [](json::Writer& w, const Suite& s) {
    w.object({{"name", s.name},
              {"version", s.version},
              {"prompt_template", s.prompt_template},
              {"scorer", s.scorer}});
  };
  // "items_from": "samples": a custom suite, rebuilt by rescore from the run's samples.
  const auto write_suite = [this](json::Writer& w, const Suite& s) {
    w.object({{"name", s.name},
              {"path", s.path},
              {"items", s.items.size()},
              {"items_from", custom_ ? std::optional<std::string>("samples") : std::nullopt}});
  };
  json::Writer w;
  w.object({{"import", json::object({{"format", format_name(options_.format)},
                                     {"model", json::unless_empty(options_.model)},
                                     {"skip_unmatched", options_.skip_unmatched}})},
            {"imported_from", json::array(files_, write_file)},
            {"fingerprint", json::object({{"suites", json::array(suites_, write_fingerprint)}})},
            {"suites", json::array(suites_, write_suite)}});
  return w.str();
}

std::string messages_json(const std::string& question) {
  json::Writer w;
  w.value(json::array({json::object({{"role", "user"}, {"content", question}})}));
  return w.str();
}

ImportSummary GradedImport::write(Store& store) const {
  ImportSummary summary;
  std::vector<std::string> names;
  for (const Suite& s : suites_) names.push_back(s.name);
  summary.run_name = options_.run_name;
  if (summary.run_name.empty()) {
    summary.run_name = fmt::format("import-{}", fmt::join(names, "+"));
    if (!options_.model.empty()) {
      summary.run_name += "-" + options_.model;
    } else if (models_.size() == 1) {
      summary.run_name += "-" + *models_.begin();
    }
  }
  const RunInfo run = store.open_run(summary.run_name, config_json(), version(), git_sha());

  // The run's plan: the items answered, in suite order.
  std::vector<std::set<std::size_t>> answered(suites_.size());
  for (const Planned& p : planned_) answered[p.suite].insert(p.item);
  std::vector<RunItem> items;
  for (std::size_t s = 0; s < suites_.size(); ++s) {
    for (const std::size_t i : answered[s])
      items.push_back({suites_[s].name, suites_[s].items[i].id});
  }
  store.put_run_items(run.id, items);

  std::map<std::pair<std::string, std::string>, ImportTally> tallies;
  for (const Planned& p : planned_) {
    const Suite& suite = suites_[p.suite];
    const Item& item = suite.items[p.item];
    SampleRecord r;
    r.run_id = run.id;
    r.key = SampleKey{p.model, suite.name, item.id, p.sample_index};
    r.suite_version = suite.version;
    r.prompt_json = messages_json(item.question);
    r.reference = item.reference;
    r.completion.answer = p.answer->answer;
    r.completion.reasoning = p.answer->reasoning;
    r.cost_usd = -1;
    r.score = p.score;
    r.scorer = suite.scorer;
    store.put_sample(r);
    ++summary.answers;
    ++summary.models[p.model];
    ImportTally& t = tallies[{p.model, suite.name}];
    t.model = p.model;
    t.suite = suite.name;
    ++t.samples;
    if (p.score.correct) ++t.correct;
    if (p.answer->verdict) ++t.imported_verdicts;
  }
  store.finish_run(run.id);
  for (auto& [key, t] : tallies) summary.tallies.push_back(std::move(t));
  summary.skipped = skipped_;
  summary.notes.assign(notes_.begin(), notes_.end());
  return summary;
}

}  // namespace

ImportedFile read_graded_file(ImportFormat format, const std::filesystem::path& file,
                              const JsonlFields& fields) {
  switch (format) {
    case ImportFormat::zeroeval:
      return read_zeroeval(file);
    case ImportFormat::livecodebench:
      return read_livecodebench(file);
    case ImportFormat::lm_eval:
      return read_lm_eval(file);
    case ImportFormat::jsonl:
      return read_generic_jsonl(file, fields);
    case ImportFormat::arena_hard:
    case ImportFormat::alpaca_eval:
      break;
  }
  throw UsageError("import: arena-hard and alpaca-eval files are imported with import_outputs");
}

std::string_view format_name(ImportFormat format) {
  switch (format) {
    case ImportFormat::arena_hard:
      return "arena-hard";
    case ImportFormat::alpaca_eval:
      return "alpaca-eval";
    case ImportFormat::zeroeval:
      return "zeroeval";
    case ImportFormat::livecodebench:
      return "livecodebench";
    case ImportFormat::lm_eval:
      return "lm-eval";
    case ImportFormat::jsonl:
      return "jsonl";
  }
  return "?";
}

ImportSummary import_graded_outputs(Store& store, const std::optional<Suite>& suite,
                                    const ImportOptions& options) {
  if (options.files.empty()) throw UsageError("import: give at least one FILE");
  if (suite && options.format == ImportFormat::livecodebench) {
    throw UsageError(
        "import: LiveCodeBench files are imported into suite livecodebench, built from the "
        "files; --suite does not apply");
  }
  GradedImport import(suite, options);
  import.read();
  import.grade();
  return import.write(store);
}

}  // namespace rbench
