// `rbench k8s job`: the manifest of one run cut into shards as a Kubernetes Indexed Job, and of the
// Job that merges them, printed for `kubectl apply -f -`.
#include <fmt/format.h>

#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/run/launch_scripts.h"

namespace rbench::cli {
namespace {

struct K8sCommandOptions {
  launch::K8sOptions job;
};

// A Kubernetes name from a run name: lower case, runs of other characters as one '-'.
std::string k8s_name(std::string_view run_name) {
  std::string out = "rbench-";
  for (const char c : run_name) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (keep) {
      out += lower;
    } else if (out.back() != '-') {
      out += '-';
    }
  }
  out.resize(std::min<std::size_t>(out.size(), 50));
  while (out.back() == '-') out.pop_back();
  return out;
}

int print_job(const K8sCommandOptions& o) {
  launch::K8sOptions job = o.job;
  if (job.run_args.empty()) {
    throw UsageError(
        "k8s job: give the run's arguments after `--` (rbench k8s job --shards N -- --model ... "
        "--suite ...)");
  }
  if (job.name.empty()) {
    const auto run = launch::run_name_in(job.run_args);
    job.name = run ? k8s_name(*run) : "rbench-run";
  }
  fmt::print("{}", launch::k8s_manifest(job));
  return kExitOk;
}

}  // namespace

void add_k8s_command(CLI::App& app, int& exit_code) {
  CLI::App* k8s = app.add_subcommand("k8s", "Run one evaluation as Kubernetes Jobs");
  k8s->require_subcommand(1);
  auto o = std::make_shared<K8sCommandOptions>();
  o->job.image = "rbench:latest";
  o->job.pvc = "rbench-results";
  CLI::App* cmd = k8s->add_subcommand(
      "job",
      "Print an Indexed Job of shards of one `rbench run`, and a Job that merges them (YAML)");
  cmd->footer(
      "The arguments after `--` are those of `rbench run`, without --db or --shard. Index I runs\n"
      "shard I (--shard auto reads JOB_COMPLETION_INDEX, and RBENCH_SHARD_COUNT which the Job\n"
      "sets to --shards) into /out/NAME/shards/shard-I.db on the PVC; the merge Job waits for\n"
      "every shard, then writes /out/NAME/merged.db, leaderboard.html and report.json. The image\n"
      "must hold rbench (and its data: --data-dir, or RBENCH_DATA_DIR baked in). Pairwise suites\n"
      "are judged in the shards. Apply with `rbench k8s job ... | kubectl apply -f -`.\n\n"
      "Cut 4-8 times more shards than --parallelism: reasoning answers run from 500 to 30,000\n"
      "tokens, so equal shards take very unequal times, and with one shard per Pod the run waits\n"
      "on the slowest. Small shards let a Pod that finished early take the next index.");
  cmd->add_option("--shards", o->job.shards, "Completions of the Indexed Job, one shard each")
      ->required();
  cmd->add_option("--parallelism", o->job.parallelism, "Pods at once (default: --shards)");
  cmd->add_option("--image", o->job.image, "Container image holding rbench")->capture_default_str();
  cmd->add_option("--rbench", o->job.rbench, "The rbench binary in the image")
      ->capture_default_str();
  cmd->add_option("--pvc", o->job.pvc, "PersistentVolumeClaim mounted at /out")
      ->capture_default_str();
  cmd->add_option("--name", o->job.name,
                  "The Job's name (default: rbench-RUN, RUN from --run, else rbench-run); the "
                  "merge Job's is NAME-merge, and results go to /out/NAME");
  cmd->add_option("--gpus", o->job.gpus, "nvidia.com/gpu per shard Pod (the built-in engine)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--backoff-limit-per-index", o->job.backoff_per_index,
                  "Retries of one shard before it counts as failed")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--merge-timeout", o->job.merge_timeout_s,
                  "Seconds the merge Job waits for every shard before merging what there is")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("run_args", o->job.run_args, "`rbench run` arguments, after --");
  cmd->callback([o, &exit_code] { exit_code = print_job(*o); });
}

}  // namespace rbench::cli
