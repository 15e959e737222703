// `rbench import`: other tools' published answers and judgments into the store.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
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
};

int import_command(const ImportCommandOptions& o) {
  ImportOptions options;
  options.format = o.format == "arena-hard" ? ImportFormat::arena_hard : ImportFormat::alpaca_eval;
  for (const std::string& f : o.files) options.files.emplace_back(f);
  options.run_name = o.run;
  options.model = o.model;
  options.judge = o.judge;
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
      "store as samples and judgments");
  cmd->add_option("--format", o->format,
                  "arena-hard: model_answer/*.jsonl and model_judgment/<judge>/*.jsonl; "
                  "alpaca-eval: model_outputs.json and annotations.json")
      ->required()
      ->check(CLI::IsMember({"arena-hard", "alpaca-eval"}));
  cmd->add_option("files", o->files, "Files to import (answers and judgments, told apart)")
      ->required();
  cmd->add_option("--db", o->db, "SQLite file of the results")->required();
  cmd->add_option("--suite", o->suite,
                  "The suite the files answer (default: arena-hard or alpaca-eval by --format; "
                  "arena-hard-v2 for v2.0 files)");
  cmd->add_option("--data-dir", o->data_dir,
                  "Folder holding the public data (default: as for `rbench run`)");
  cmd->add_option("--run", o->run, "Run name to import into (default: import-SUITE)");
  cmd->add_option("--model", o->model, "Store the (one) imported model under this name");
  cmd->add_option("--judge", o->judge, "Store the judge or annotator under this name");
  cmd->callback([o, &exit_code] { exit_code = import_command(*o); });
}

}  // namespace rbench::cli
