// `rbench merge`: the shard stores of one run (rbench run --shard I/N, each on its own machine and
// its own SQLite file) merged into one store, and `rbench merge --status`: what is missing and the
// commands that redo it. The reports then read the merged store, so statistics are computed over
// all samples at once, never averaged per shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "harness/store/store.h"

namespace rbench {

// Each argument as a path, or a glob(3) pattern (quoted on the command line, so that rbench
// expands it itself: a Slurm job's argument list stays short). Sorted matches, duplicates
// dropped. Throws UsageError naming a pattern that matches nothing.
std::vector<std::filesystem::path> expand_shard_paths(const std::vector<std::string>& patterns);

// One run as one shard file holds it.
struct ShardRun {
  std::string name;
  std::string config_json;  // as stored, with its "shard" object
  std::string rbench_version;
  std::string git_sha;
  std::string started_at;
  std::string finished_at;  // "" when the shard did not finish
  bool sharded = false;     // false: a store of an unsharded run, treated as shard 0 of 1
  int index = 0;
  int count = 1;
  std::string host;
  std::vector<std::string> argv;  // the `rbench run` arguments that made the shard
  std::int64_t samples = 0;       // rows stored
  std::int64_t errors = 0;        // of which errored
};

struct ShardFile {
  std::filesystem::path path;
  std::vector<ShardRun> runs;  // by name
};

// Expected against present samples of one run, after the merge (or across the shards, for
// --status).
struct RunCoverage {
  std::string run;
  int shard_count = 1;
  std::int64_t expected = 0;
  std::int64_t present = 0;
  std::map<int, std::int64_t> expected_by_shard;
  std::vector<int> shards_without_file;
  // Missing samples by the shard that should have held them (shard_of), files or not.
  std::map<int, std::vector<SampleKey>> missing_by_shard;
  std::int64_t missing() const { return expected - present; }
};

struct MergeOptions {
  double lock_timeout_s = 600;  // how long to wait for another writer of OUT
  // Called once when OUT is locked by another merge, before waiting for it.
  std::function<void()> on_wait;
};

struct MergeResult {
  std::vector<ShardFile> shards;
  std::vector<RunCoverage> coverage;
  std::int64_t duplicates = 0;  // sample keys found in more than one shard file
  std::int64_t inserted = 0;    // samples new in OUT
  std::int64_t replaced = 0;    // samples of OUT replaced by a scored or newer row
  std::int64_t unchanged = 0;   // samples OUT already held as well or better
  std::int64_t judgments = 0;   // judgments written (new or better)
  std::int64_t probes = 0;      // probes new in OUT
  bool complete() const;
};

// Merges the shard files into OUT (created if new) in one write transaction. Throws UsageError
// (the two files and the difference) when the shards are not of one run, DataError naming a
// file that is not an rbench store; in both cases OUT is untouched. Opening a shard through
// Store recovers a WAL left by a killed writer and migrates an older schema.
MergeResult merge_shards(const std::vector<std::filesystem::path>& shards,
                         const std::filesystem::path& out, const MergeOptions& options = {});

struct ShardStatus {
  std::vector<ShardFile> shards;
  std::vector<RunCoverage> coverage;
  bool complete() const;
};

// What the shard files hold and lack, read-only (a shard of an older schema is migrated first,
// which writes to it). Same checks as merge_shards.
ShardStatus shard_status(const std::vector<std::filesystem::path>& shards);

// The command that redoes shard `index` of `count` into `file`: the stored arguments with
// --shard and --db replaced, shell-quoted.
std::string redo_command(const std::vector<std::string>& argv, int index, int count,
                         const std::filesystem::path& file);

// The texts the command prints on stderr: per shard, what is missing, duplicates, a summary
// line at the end.
std::string describe_merge(const MergeResult& result, const std::filesystem::path& out);
std::string describe_status(const ShardStatus& status);

}  // namespace rbench
