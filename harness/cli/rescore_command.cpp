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

std::string_view or_none(const std::string& s) {
  return s.empty() ? std::string_view("none") : std::string_view(s);
}

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
    // Each flip with what the verdict rests on now and rested on before, right-to-wrong first:
    // those are the ones a reader must check.
    for (const bool now_correct : {false, true}) {
      for (const RescoreChange& c : r.changes) {
        if (c.now_correct != now_correct) continue;
        fmt::print("  {:<14} {} #{}: [{}] by {}, rule {} (was [{}] by {}, rule {})\n",
                   now_correct ? "wrong -> right" : "right -> wrong", c.item_id, c.sample_index,
                   c.after_extracted, c.after_method, c.after_rule, c.before_extracted,
                   or_none(c.before_method), or_none(c.before_rule));
      }
    }
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
