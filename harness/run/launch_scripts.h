// The text `rbench slurm submit` and `rbench k8s job` write: an sbatch array script and its merge
// script, a Kubernetes Indexed Job and its merge Job, each running one shard of an `rbench run`
// into a store of its own. Pure functions from options to text, so tests check the text itself.
//
// Judging of pairwise suites runs in the shards: the run's arguments go to every shard as given,
// --judge included. A pairwise game needs only the sample's answer and the item's baseline answer,
// which comes with the suite's data, so a shard has all it needs; the judge calls, twice as many
// as the samples, are then spread over the shards as the generation is, the judgments come along
// in the merge, and the merge job stays a short CPU job that needs no engine, key or GPU. A shard
// that is redone judges its own samples again with the run's command, as any resumed run does.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::launch {

// `arg` as one word of a POSIX shell command: unchanged when it holds only characters the shell
// leaves alone, else in single quotes (a quote inside as '\'').
std::string shell_quote(std::string_view arg);
// The words quoted and joined by spaces.
std::string shell_join(const std::vector<std::string>& words);

// Refuses (UsageError naming `command` and the argument) the run arguments the launcher sets for
// each shard itself: --db, --shard, --shard-count.
void check_run_args(const std::vector<std::string>& run_args, std::string_view command);

// The value of --run NAME (or --run=NAME) among the run arguments, if given.
std::optional<std::string> run_name_in(const std::vector<std::string>& run_args);

struct SlurmOptions {
  int shards = 0;                    // array tasks, one shard each
  std::optional<int> throttle;       // tasks running at once (--array=...%K)
  std::string partition;             // empty: the cluster's default
  std::string gres;                  // e.g. gpu:1, per array task
  std::string time;                  // the array tasks' time limit, sbatch's syntax
  std::optional<int> cpus_per_task;  // per array task
  std::string job_name;              // the array's; the merge job's gets "-merge"
  std::filesystem::path out_dir;     // absolute: scripts, logs/, shards/, merged.db, reports
  std::filesystem::path workdir;     // absolute: where the jobs start (relative run paths)
  std::filesystem::path rbench;      // absolute path of the rbench binary the jobs run
  std::vector<std::string> run_args;
};

// Refuses (UsageError) options the scripts cannot carry: shards < 1, a throttle outside 1..shards,
// paths that are not absolute, characters sbatch's #SBATCH lines or rbench's glob would misread.
void check_slurm_options(const SlurmOptions& o);

// Where the shard of array task I writes: out_dir/shards/shard-I.db.
std::filesystem::path shard_store(const std::filesystem::path& out_dir, int index);

// out_dir/array.sbatch: task $SLURM_ARRAY_TASK_ID runs `rbench run ARGS --shard auto --db
// out_dir/shards/shard-$SLURM_ARRAY_TASK_ID.db --quiet`.
std::string slurm_array_script(const SlurmOptions& o);
// out_dir/merge.sbatch: `rbench merge` of the shards into out_dir/merged.db, then the HTML
// leaderboard and the JSON report next to it. Exits with merge's status (non-zero when items are
// missing), after writing the reports of what was merged, and "JOB_ID STATUS" to
// merge_status_file(): `sbatch --wait` passes on the job's exit code, which for a job cancelled
// before it ran (afterok never met) need not be non-zero, so the file tells that the merge ran.
std::string slurm_merge_script(const SlurmOptions& o);
std::filesystem::path merge_status_file(const std::filesystem::path& out_dir);

// The submissions: the array, then the merge once every task has succeeded (afterok; a failed task
// cancels the merge instead of leaving it pending for ever). `wait`: sbatch returns when the merge
// job has ended, with its exit status.
std::vector<std::string> sbatch_array_command(const std::filesystem::path& script);
std::vector<std::string> sbatch_merge_command(const std::filesystem::path& script,
                                              std::string_view array_job_id, bool wait);

struct K8sOptions {
  int shards = 0;       // completions: one Pod index per shard
  int parallelism = 0;  // Pods at once; 0: as many as shards
  std::string name;     // the shard Job's; the merge Job's gets "-merge"
  std::string image;    // holds rbench in its PATH (or at `rbench`)
  std::string rbench = "rbench";
  std::string pvc;              // mounted at /out in every Pod
  int gpus = 0;                 // nvidia.com/gpu per shard Pod
  int backoff_per_index = 2;    // retries of one shard (backoffLimitPerIndex)
  int merge_timeout_s = 86400;  // how long the merge Job waits for every shard
  std::vector<std::string> run_args;
};

// Refuses (UsageError) a name that is not a DNS label Kubernetes accepts for an Indexed Job,
// shards < 1, parallelism outside 0..shards, an empty image or PVC.
void check_k8s_options(const K8sOptions& o);

// Two YAML documents separated by `---`: the Indexed Job of the shards and the merge Job. Strings
// are JSON-style double-quoted scalars (valid YAML), and every `$` in a command is written `$$`,
// which the kubelet turns back into `$` (a run argument holding `$(VAR)` stays as it is).
std::string k8s_manifest(const K8sOptions& o);

}  // namespace rbench::launch
