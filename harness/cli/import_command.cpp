// `rbench import`: other tools' published answers and judgments into the store: pairwise
// answers and verdicts (arena-hard, alpaca-eval), and other harnesses' answers graded by rbench
// (zeroeval, livecodebench, lm-eval, jsonl).
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/run/import_graded.h"
#include "harness/run/importer.h"
#include "harness/store/store.h"
#include "suites/registry.h"

namespace rbench::cli {
namespace {

struct ImportCommandOptions {
  std::string format;
  std::vector<std::string> files;
  std::string db;
  std::string suite;
  std::string data_dir;
  std::string run;
  std::string model;
  std::string judge;
  bool skip_unmatched = false;
  JsonlFields fields;
};

const std::map<std::string, ImportFormat>& formats() {
  static const std::map<std::string, ImportFormat> table = {
      {"arena-hard", ImportFormat::arena_hard}, {"alpaca-eval", ImportFormat::alpaca_eval},
      {"zeroeval", ImportFormat::zeroeval},     {"livecodebench", ImportFormat::livecodebench},
      {"lm-eval", ImportFormat::lm_eval},       {"jsonl", ImportFormat::jsonl}};
  return table;
}

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& [name, format] : formats()) names.push_back(name);
  return names;
}

// zeroeval, livecodebench, lm-eval, jsonl: answers graded here, into --suite or their own suite.
int import_graded_command(const ImportCommandOptions& o, const ImportOptions& options) {
  std::optional<Suite> suite;
  if (!o.suite.empty()) {
    const std::filesystem::path data_dir =
        o.data_dir.empty() ? default_data_dir() : std::filesystem::path(o.data_dir);
    suite = load_suite(o.suite, data_dir, bundled_data_dir());
  }
  Store store(o.db);
  const ImportSummary s = import_graded_outputs(store, suite, options);
  fmt::print("run '{}' -> {}: {} answers\n", s.run_name, store.path().string(), s.answers);
  for (const std::string& note : s.notes) fmt::print("note: {}\n", note);
  for (const ImportTally& t : s.tallies) {
    fmt::print("{} on {}: {}/{} correct ({:.2f}%){}\n", t.model, t.suite, t.correct, t.samples,
               100.0 * static_cast<double>(t.correct) / static_cast<double>(t.samples),
               t.imported_verdicts > 0
                   ? fmt::format(", {} verdicts imported, not re-executed", t.imported_verdicts)
                   : "");
  }
  if (s.skipped > 0) {
    fmt::print("skipped: {} records that match no item of suite {}\n", s.skipped, o.suite);
  }
  return kExitOk;
}

int import_command(const ImportCommandOptions& o) {
  ImportOptions options;
  options.format = formats().at(o.format);
  for (const std::string& f : o.files) options.files.emplace_back(f);
  options.run_name = o.run;
  options.model = o.model;
  options.judge = o.judge;
  options.skip_unmatched = o.skip_unmatched;
  options.fields = o.fields;
  if (options.format != ImportFormat::arena_hard && options.format != ImportFormat::alpaca_eval) {
    return import_graded_command(o, options);
  }
  const std::string suite_name =
      !o.suite.empty() ? o.suite : (o.format == "arena-hard" ? "arena-hard" : "alpaca-eval");
  const std::filesystem::path data_dir =
      o.data_dir.empty() ? default_data_dir() : std::filesystem::path(o.data_dir);
  const Suite suite = load_suite(suite_name, data_dir, bundled_data_dir());
  Store store(o.db);
  const ImportSummary s = import_outputs(store, suite, options);
  std::vector<std::string> models;
  for (const auto& [model, n] : s.models)
    models.push_back(fmt::format("{} ({} answers)", model, n));
  fmt::print(
      "run '{}' -> {}: {} answers, {} judgments ({} without a usable verdict, {} failed "
      "judge calls) on suite {}\n",
      s.run_name, store.path().string(), s.answers, s.judgments, s.unparsed, s.failed, suite.name);
  if (!models.empty()) fmt::print("models: {}\n", fmt::join(models, ", "));
  if (!s.judges.empty()) fmt::print("judges: {}\n", fmt::join(s.judges, ", "));
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ImportCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Put published model answers and judge verdicts (arena-hard-auto, alpaca_eval) into the "
      "store as samples and judgments, or other harnesses' answers (ZeroEval, LiveCodeBench, "
      "lm-eval, JSONL) graded by rbench's scorers");
  cmd->add_option("--format", o->format,
                  "arena-hard: model_answer/*.jsonl and model_judgment/<judge>/*.jsonl; "
                  "alpaca-eval: model_outputs.json and annotations.json; zeroeval: "
                  "result_dirs/<dataset>/<model>.json; livecodebench: *_eval_all.json (verdicts "
                  "imported as given); lm-eval: samples_<task>_<date>.jsonl; jsonl: one record "
                  "a line, fields named by --id-field ...")
      ->required()
      ->check(CLI::IsMember(format_names()));
  cmd->add_option("files", o->files, "Files to import (answers and judgments, told apart)")
      ->required();
  cmd->add_option("--db", o->db, "SQLite file of the results")->required();
  cmd->add_option("--suite", o->suite,
                  "The suite the files answer (default: arena-hard or alpaca-eval by --format; "
                  "arena-hard-v2 for v2.0 files). Graded formats: records are matched to its "
                  "items by id or question text; without it, the files' own problems and "
                  "references become a suite named after their dataset");
  cmd->add_option("--data-dir", o->data_dir,
                  "Folder holding the public data (default: as for `rbench run`)");
  cmd->add_option(
      "--run", o->run,
      "Run name to import into (default: import-SUITE; graded formats: import-SUITE-MODEL)");
  cmd->add_option("--model", o->model, "Store the (one) imported model under this name");
  cmd->add_option("--judge", o->judge, "Store the judge or annotator under this name");
  cmd->add_flag("--skip-unmatched", o->skip_unmatched,
                "Graded formats: skip (and count) records that match no item of --suite instead "
                "of refusing the files");
  cmd->add_option("--id-field", o->fields.id, "jsonl: the record's id field")
      ->capture_default_str();
  cmd->add_option("--response-field", o->fields.response,
                  "jsonl: the model's reply (a string, or a list of strings: one per sample)")
      ->capture_default_str();
  cmd->add_option("--reference-field", o->fields.reference, "jsonl: the reference answer")
      ->capture_default_str();
  cmd->add_option("--question-field", o->fields.question, "jsonl: the problem text")
      ->capture_default_str();
  cmd->add_option("--model-field", o->fields.model, "jsonl: the model that answered (else --model)")
      ->capture_default_str();
  cmd->callback([o, &exit_code] { exit_code = import_command(*o); });
}

}  // namespace rbench::cli
