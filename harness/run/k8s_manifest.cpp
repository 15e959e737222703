// The Kubernetes manifest of `rbench k8s job`: an Indexed Job running one shard per index into the
// PVC, and a Job that waits for every shard and merges them. YAML written by hand: every string is
// a JSON-style double-quoted scalar, which YAML reads as it is, so no YAML library is needed.
#include <fmt/format.h>

#include <algorithm>

#include "harness/core/error.h"
#include "harness/run/launch_scripts.h"

namespace rbench::launch {
namespace {

constexpr std::size_t kMaxName = 50;  // the merge Job's "-merge" and the Pods' "-INDEX" must fit 63

// A double-quoted YAML scalar, escaped as JSON escapes it (YAML's double-quoted style is a
// superset); DEL and the C0 controls as \uXXXX, which YAML reads too.
std::string q(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// The kubelet expands $(VAR) in a container's command and turns $$ into $: doubling every $ keeps
// each word as written.
std::string kubelet_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

std::string command_list(const std::vector<std::string>& words, std::string_view indent) {
  std::string out;
  for (const std::string& w : words) out += fmt::format("{}- {}\n", indent, q(kubelet_escape(w)));
  return out;
}

bool dns_label(std::string_view s) {
  if (s.empty() || s.size() > kMaxName || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The shard's Pod: `sh -c SCRIPT RBENCH RUN_ARGS...`, so the run's arguments travel as words of
// their own and never through the shell's parser. The .done file tells the merge Job the shard
// finished; a retried index first removes its own.
constexpr std::string_view kShardScript =
    "set -e\n"
    "dir=\"/out/$RBENCH_JOB\"\n"
    "mkdir -p \"$dir/shards\"\n"
    "rm -f \"$dir/shards/shard-$JOB_COMPLETION_INDEX.done\"\n"
    "\"$0\" run \"$@\" --shard auto --db \"$dir/shards/shard-$JOB_COMPLETION_INDEX.db\" --quiet\n"
    "touch \"$dir/shards/shard-$JOB_COMPLETION_INDEX.done\"\n";

// The merge Pod: waits until every shard's .done exists (or the timeout has passed: then it merges
// what there is, and merge names what is missing), merges, then writes both reports. Its exit
// status is merge's: non-zero when items are missing.
constexpr std::string_view kMergeScript =
    "set -u\n"
    "dir=\"/out/$RBENCH_JOB\"\n"
    "waited=0\n"
    "while :; do\n"
    "  finished=0\n"
    "  i=0\n"
    "  while [ \"$i\" -lt \"$RBENCH_SHARD_COUNT\" ]; do\n"
    "    if [ -f \"$dir/shards/shard-$i.done\" ]; then finished=$((finished + 1)); fi\n"
    "    i=$((i + 1))\n"
    "  done\n"
    "  if [ \"$finished\" -ge \"$RBENCH_SHARD_COUNT\" ]; then break; fi\n"
    "  if [ \"$waited\" -ge \"$RBENCH_MERGE_TIMEOUT\" ]; then\n"
    "    echo \"rbench k8s merge: $finished of $RBENCH_SHARD_COUNT shards done after "
    "${waited}s; merging what there is\" >&2\n"
    "    break\n"
    "  fi\n"
    "  sleep 10\n"
    "  waited=$((waited + 10))\n"
    "done\n"
    "status=0\n"
    "\"$0\" merge --db \"$dir/merged.db\" \"$dir/shards/*.db\" || status=$?\n"
    "if [ -f \"$dir/merged.db\" ]; then\n"
    "  \"$0\" report --db \"$dir/merged.db\" -o \"$dir/leaderboard.html\" || status=$?\n"
    "  \"$0\" report --db \"$dir/merged.db\" --format json -o \"$dir/report.json\" || "
    "status=$?\n"
    "fi\n"
    "exit \"$status\"\n";

struct Env {
  std::string name;
  std::string value;
};

std::string pod_spec(const K8sOptions& o, std::string_view container,
                     const std::vector<std::string>& command, const std::vector<Env>& env,
                     int gpus) {
  std::string y;
  y += "  template:\n";
  y += "    metadata:\n";
  y += "      labels:\n";
  y += fmt::format("        app.kubernetes.io/name: {}\n", q("rbench"));
  y += "    spec:\n";
  y += "      restartPolicy: Never\n";
  y += "      containers:\n";
  y += fmt::format("        - name: {}\n", q(container));
  y += fmt::format("          image: {}\n", q(o.image));
  y += "          command:\n";
  y += command_list(command, "            ");
  y += "          env:\n";
  for (const Env& e : env) {
    y += fmt::format("            - name: {}\n", q(e.name));
    y += fmt::format("              value: {}\n", q(e.value));
  }
  if (gpus > 0) {
    y += "          resources:\n";
    y += "            limits:\n";
    y += fmt::format("              nvidia.com/gpu: {}\n", gpus);
  }
  y += "          volumeMounts:\n";
  y += fmt::format("            - name: {}\n", q("out"));
  y += fmt::format("              mountPath: {}\n", q("/out"));
  y += "      volumes:\n";
  y += fmt::format("        - name: {}\n", q("out"));
  y += "          persistentVolumeClaim:\n";
  y += fmt::format("            claimName: {}\n", q(o.pvc));
  return y;
}

std::string job_header(std::string_view name) {
  std::string y;
  y += "apiVersion: batch/v1\n";
  y += "kind: Job\n";
  y += "metadata:\n";
  y += fmt::format("  name: {}\n", q(name));
  y += "  labels:\n";
  y += fmt::format("    app.kubernetes.io/name: {}\n", q("rbench"));
  y += "spec:\n";
  return y;
}

}  // namespace

void check_k8s_options(const K8sOptions& o) {
  if (o.shards < 1) {
    throw UsageError(fmt::format("k8s job: --shards {} must be at least 1", o.shards));
  }
  if (o.parallelism < 0 || o.parallelism > o.shards) {
    throw UsageError(fmt::format("k8s job: --parallelism {} must be between 1 and --shards ({})",
                                 o.parallelism, o.shards));
  }
  if (!dns_label(o.name)) {
    throw UsageError(fmt::format(
        "k8s job: --name '{}' must be at most {} characters of a-z, 0-9 and '-', starting and "
        "ending with a letter or digit (a Kubernetes name, with room for \"-merge\")",
        o.name, kMaxName));
  }
  if (o.image.empty()) throw UsageError("k8s job: --image must not be empty");
  if (o.pvc.empty()) throw UsageError("k8s job: --pvc must not be empty");
  if (o.gpus < 0) throw UsageError(fmt::format("k8s job: --gpus {} must be >= 0", o.gpus));
  check_run_args(o.run_args, "k8s job");
}

std::string k8s_manifest(const K8sOptions& o) {
  check_k8s_options(o);
  const std::string count = std::to_string(o.shards);
  std::vector<std::string> shard_command = {"sh", "-c", std::string(kShardScript), o.rbench};
  shard_command.insert(shard_command.end(), o.run_args.begin(), o.run_args.end());
  std::string y;
  y += fmt::format(
      "# The shards of one `rbench run` as an Indexed Job, and the Job that merges them: written\n"
      "# by `rbench k8s job`. Index I runs shard I of {} into shards/shard-I.db, and the merge\n"
      "# Job writes merged.db, leaderboard.html and report.json, in /out/{} on the PVC {}.\n"
      "# Apply with `kubectl apply -f FILE`; a PVC that several nodes share must be\n"
      "# ReadWriteMany.\n",
      o.shards, o.name, o.pvc);
  y += job_header(o.name);
  y += "  completionMode: Indexed\n";
  y += fmt::format("  completions: {}\n", o.shards);
  y += fmt::format("  parallelism: {}\n", o.parallelism > 0 ? o.parallelism : o.shards);
  // Retries count per shard (Kubernetes 1.29+), so one unlucky shard does not fail the others.
  y += fmt::format("  backoffLimitPerIndex: {}\n", o.backoff_per_index);
  y += pod_spec(o, "shard", shard_command, {{"RBENCH_SHARD_COUNT", count}, {"RBENCH_JOB", o.name}},
                o.gpus);
  y += "---\n";
  y += job_header(o.name + "-merge");
  y += "  backoffLimit: 1\n";
  y += pod_spec(o, "merge", {"sh", "-c", std::string(kMergeScript), o.rbench},
                {{"RBENCH_SHARD_COUNT", count},
                 {"RBENCH_JOB", o.name},
                 {"RBENCH_MERGE_TIMEOUT", std::to_string(o.merge_timeout_s)}},
                0);
  return y;
}

}  // namespace rbench::launch
