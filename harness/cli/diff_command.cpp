// `rbench diff --db F MODEL_A MODEL_B [--suite S]`: two models on their common items, paired.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/store/store.h"
#include "reports/item_diff.h"

namespace rbench::cli {
namespace {

struct DiffOptions {
  std::string db;
  std::vector<std::string> models;  // exactly two
  std::string suite;
  std::string run;
  std::size_t max_items = 50;
  bool json = false;
};

int diff_command(const DiffOptions& o) {
  if (!std::filesystem::exists(o.db)) {
    throw UsageError(fmt::format("diff: no such database '{}'", o.db));
  }
  if (o.models.size() != 2) throw UsageError("diff: give two models: rbench diff --db F A B");
  Store store(o.db);
  std::optional<std::int64_t> run_id;
  if (!o.run.empty()) {
    for (const RunInfo& r : store.runs()) {
      if (r.name == o.run) run_id = r.id;
    }
    if (!run_id) throw UsageError(fmt::format("diff: no run '{}' in {}", o.run, o.db));
  }
  const std::vector<SampleRecord> samples = store.samples(run_id);
  std::set<std::string> models;
  for (const SampleRecord& r : samples) models.insert(r.key.model);
  for (const std::string& m : o.models) {
    if (!models.contains(m)) {
      std::string known;
      for (const std::string& k : models) known += (known.empty() ? "" : ", ") + k;
      throw UsageError(fmt::format("diff: no model '{}' in {} (models: {})", m, o.db,
                                   known.empty() ? "none" : known));
    }
  }
  const auto diffs = diff_models(samples, o.models[0], o.models[1], o.suite);
  fmt::print("{}", o.json ? render_diff_json(diffs, o.models[0], o.models[1])
                          : render_diff_text(diffs, o.models[0], o.models[1], o.max_items));
  return kExitOk;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "Two models on their common items: the paired difference in accuracy (bootstrap interval, "
      "McNemar's exact test with one sample per item) and the items one got right and the other "
      "wrong, with both answers");
  cmd->add_option("--db", o->db, "SQLite file of the results")->required();
  cmd->add_option("models", o->models, "MODEL_A MODEL_B, as the reports name them")
      ->required()
      ->expected(2);
  cmd->add_option("--suite", o->suite, "Only this suite (default: every suite both answered)");
  cmd->add_option("--run", o->run, "Only this run (default: every run in the file)");
  cmd->add_option("--max-items", o->max_items, "Items listed per suite")->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON: the comparison and every discordant item");
  cmd->callback([o, &exit_code] { exit_code = diff_command(*o); });
}

}  // namespace rbench::cli
