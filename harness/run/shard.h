// Runs cut into shards up front: each (item, sample) pair belongs to one shard of N by a stable
// hash of its content, so the same flags give the same split on every machine and a shard's
// resume works as any run's does. The cluster's own scheduler runs the shards (Slurm arrays,
// Kubernetes Indexed Jobs); `rbench merge` joins their stores.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench {

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  auto operator<=>(const Shard&) const = default;
};

// The shard of N that holds (suite, item, sample). Independent of the model, so every model of a
// run answers the same items in a shard (paired comparisons stay within one file), and of the
// item's position, so a suite file reordered keeps each item's shard.
int shard_of(std::string_view suite, std::string_view item_id, int sample_index, int count);

// Reads an environment variable; std::nullopt when unset. Injected so tests need no setenv.
using EnvLookup = std::function<std::optional<std::string>(const char*)>;
EnvLookup process_env();

// `--shard I/N` or `--shard auto` (with `--shard-count N`, 0 = none). Auto reads the scheduler:
// Slurm arrays (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or a
// Kubernetes Indexed Job (JOB_COMPLETION_INDEX of RBENCH_SHARD_COUNT or --shard-count).
// Throws UsageError saying what is wrong and which variable or flag to set.
Shard parse_shard(std::string_view text, int shard_count, const EnvLookup& env);

// The short host name ("" if unknown): stored with each sample, so latency measured from
// different client machines is never pooled blindly.
std::string short_host_name();

// This process's command-line arguments after the program name (from /proc/self/cmdline), for
// the command that redoes a shard; empty where they cannot be read.
std::vector<std::string> process_arguments();

}  // namespace rbench
