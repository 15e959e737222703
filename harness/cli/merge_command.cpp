// `rbench merge`: the shard stores of a run into one store, and `--status`: what is missing
// and the commands that redo it. The logic lives in harness/run/merge.
#include <fmt/format.h>

#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/run/merge.h"

namespace rbench::cli {
namespace {

struct MergeCommandOptions {
  std::string db;
  std::vector<std::string> shards;
  bool status = false;
  double lock_timeout_s = 600;
};

int merge_command(const MergeCommandOptions& o) {
  const auto paths = expand_shard_paths(o.shards);
  if (o.status) {
    if (!o.db.empty()) throw UsageError("merge --status writes nothing: leave out --db");
    const ShardStatus status = shard_status(paths);
    fmt::print("{}", describe_status(status));
    return status.complete() ? kExitOk : kExitError;
  }
  if (o.db.empty()) throw UsageError("merge: --db OUT.db is required (or --status)");
  MergeOptions options;
  options.lock_timeout_s = o.lock_timeout_s;
  options.on_wait = [&] {
    fmt::print(stderr, "waiting for another merge into {} (up to {:g} s, --lock-timeout) ...\n",
               o.db, o.lock_timeout_s);
    std::fflush(stderr);
  };
  const MergeResult result = merge_shards(paths, o.db, options);
  fmt::print(stderr, "{}", describe_merge(result, o.db));
  if (!result.complete()) {
    fmt::print(stderr,
               "merge: {} is written but INCOMPLETE: redo the shards above, then merge again "
               "(exit status 1)\n",
               o.db);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void add_merge_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MergeCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge the shard stores of a run (rbench run --shard I/N) into one store; exit status 1 "
      "when samples are missing (OUT is written all the same)");
  cmd->add_option("--db", o->db, "The merged store (created if new; merging again is safe)");
  cmd->add_option("shards", o->shards,
                  "Shard stores, or quoted glob patterns that rbench expands ('out/shard-*.db')")
      ->required();
  cmd->add_flag("--status", o->status,
                "List the shards, what is missing and the commands that redo it; writes nothing");
  cmd->add_option("--lock-timeout", o->lock_timeout_s,
                  "Seconds to wait for another merge into the same store (default 600)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([o, &exit_code] { exit_code = merge_command(*o); });
}

}  // namespace rbench::cli
