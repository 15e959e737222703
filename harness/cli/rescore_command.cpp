// `rbench rescore`: grade the stored answers again with today's scorers, calling no model.
#include <fmt/format.h>

#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/run/rescore.h"
#include "harness/store/store.h"
#include "suites/registry.h"

namespace rbench::cli {
namespace {

struct RescoreCommandOptions {
  std::string db;
  std::string run;
  std::vector<std::string> suites;
  std::string data_dir;
  double code_timeout_s = 0;
};

int rescore_command(const RescoreCommandOptions& o) {
  if (!std::filesystem::exists(o.db)) {
    throw UsageError(fmt::format("rescore: no such database '{}'", o.db));
  }
  Store store(o.db);
  RescoreOptions options;
  if (!o.run.empty()) options.run = o.run;
  options.suites = o.suites;
  options.data_dir = o.data_dir.empty() ? default_data_dir() : std::filesystem::path(o.data_dir);
  options.bundled_data_dir = bundled_data_dir();
  options.code_timeout_s = o.code_timeout_s;
  const auto results = rescore(store, options);
  for (const RescoreResult& r : results) {
    fmt::print(
        "{} / {}: {} answers graded again, {} now correct that were not, {} now wrong that "
        "were correct{}\n",
        r.run, r.suite, r.rescored, r.became_correct, r.became_wrong,
        r.missing_items
            ? fmt::format(" ({} items no longer in the suite, left as they were)", r.missing_items)
            : "");
  }
  if (results.empty()) fmt::print("nothing to rescore\n");
  return kExitOk;
}

}  // namespace

void add_rescore_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RescoreCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rescore", "Grade stored answers again with the current scorers, without calling any model");
  cmd->add_option("--db", o->db, "SQLite file of the results")->required();
  cmd->add_option("--run", o->run, "Only this run (default: every run in the file)");
  cmd->add_option("--suite", o->suites, "Only this suite; repeatable");
  cmd->add_option("--data-dir", o->data_dir,
                  "Folder holding the public data the runs used (default: as for `rbench run`)");
  cmd->add_option("--code-timeout", o->code_timeout_s,
                  "Code suites: seconds per program on a reference machine (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] { exit_code = rescore_command(*o); });
}

}  // namespace rbench::cli
