// The launch helpers' text: shell quoting that gives back every argument as it was, the Slurm
// scripts run by bash against a fake rbench (the words it receives are the run's arguments
// exactly), the sbatch submissions, the refusals, and the Kubernetes manifest's fixed parts (its
// YAML is parsed back by tests/scripts/k8s_manifest_test.py).
#include "harness/run/launch_scripts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench::launch {
namespace {

namespace fs = std::filesystem;

// Words a shell would have to quote, and some it would expand.
const std::vector<std::string> kTrickyArgs = {
    "--model",   "mock",     "--suite",
    "demo-math", "--label",  "it's a \"label\" with $HOME, `date`, $(id) and \\ back",
    "--run",     "a b\tc",   "--api-model",
    "",          "--prompt", "two\nlines",
    "*",         "~user",    "a;b|c&d>e",
    "!x",
};

struct Result {
  int status = -1;
  std::string out;
};

Result shell(const std::string& command) {
  Result r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> words;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      words.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return words;
}

std::string slurp(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A stand-in rbench that records each call's words (NUL-separated) in calls-N beside it, and
// creates the store `merge --db X` names.
fs::path fake_rbench(const testing::TempDir& dir) {
  const fs::path path = dir.write("bin dir/rbench",
                                  "#!/bin/sh\n"
                                  "here=$(dirname \"$0\")\n"
                                  "n=$(ls \"$here\" | grep -c '^calls-')\n"
                                  "printf '%s\\0' \"$@\" > \"$here/calls-$n\"\n"
                                  "if [ \"$1\" = merge ]; then : > \"$3\"; fi\n");
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

SlurmOptions slurm_options(const testing::TempDir& dir) {
  SlurmOptions o;
  o.shards = 8;
  o.throttle = 2;
  o.partition = "gpu";
  o.gres = "gpu:1";
  o.time = "4:00:00";
  o.job_name = "rbench-test";
  o.out_dir = dir.path() / "out dir 'q' $x";
  o.workdir = dir.path();
  o.rbench = dir.path() / "bin dir" / "rbench";
  o.run_args = kTrickyArgs;
  return o;
}

TEST(ShellQuote, LeavesPlainWordsAndQuotesTheRest) {
  EXPECT_EQ(shell_quote("--model"), "--model");
  EXPECT_EQ(shell_quote("/a/b_c.d:e@f%g+h=i,j"), "/a/b_c.d:e@f%g+h=i,j");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
}

TEST(ShellQuote, BashGivesBackEveryWordExactly) {
  testing::TempDir dir;
  std::vector<std::string> words = kTrickyArgs;
  words.emplace_back("'");
  words.emplace_back("''\"\"");
  const fs::path script = dir.write("echo.sh", "printf '%s\\0' " + shell_join(words) + "\n");
  const Result r = shell("bash " + shell_quote(script.string()));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(split_nul(r.out), words);
}

TEST(SlurmScripts, ArrayScriptHasTheDirectivesAndPassesBashN) {
  testing::TempDir dir;
  const SlurmOptions o = slurm_options(dir);
  const std::string script = slurm_array_script(o);
  EXPECT_TRUE(script.starts_with("#!/bin/bash\n")) << script;
  for (const std::string line :
       {"#SBATCH --array=0-7%2\n", "#SBATCH --job-name=rbench-test\n", "#SBATCH --partition=gpu\n",
        "#SBATCH --gres=gpu:1\n", "#SBATCH --time=4:00:00\n"}) {
    EXPECT_NE(script.find(line), std::string::npos) << line << "in:\n" << script;
  }
  // The logs' paths hold a space: in double quotes, which sbatch reads as one value.
  EXPECT_NE(
      script.find("#SBATCH --output=\"" + (o.out_dir / "logs" / "shard-%a.out").string() + "\"\n"),
      std::string::npos)
      << script;
  const fs::path path = dir.write("array.sbatch", script);
  EXPECT_EQ(shell("bash -n " + shell_quote(path.string()) + " 2>&1").status, 0);
}

TEST(SlurmScripts, ArrayTaskRunsItsShardWithTheRunArgumentsIntact) {
  testing::TempDir dir;
  const SlurmOptions o = slurm_options(dir);
  fake_rbench(dir);
  const fs::path path = dir.write("array.sbatch", slurm_array_script(o));
  const Result r = shell("cd / && SLURM_ARRAY_TASK_ID=5 bash " + shell_quote(path.string()));
  ASSERT_EQ(r.status, 0) << r.out;
  std::vector<std::string> expected = {"run"};
  expected.insert(expected.end(), kTrickyArgs.begin(), kTrickyArgs.end());
  expected.insert(expected.end(), {"--shard", "auto", "--db",
                                   (o.out_dir / "shards" / "shard-5.db").string(), "--quiet"});
  EXPECT_EQ(split_nul(slurp(dir.path() / "bin dir" / "calls-0")), expected);
}

TEST(SlurmScripts, QuietIsNotAddedTwice) {
  testing::TempDir dir;
  SlurmOptions o = slurm_options(dir);
  o.run_args = {"--model", "mock", "--quiet"};
  const std::string script = slurm_array_script(o);
  EXPECT_EQ(script.find("--quiet"), script.rfind("--quiet")) << script;
}

TEST(SlurmScripts, MergeScriptMergesTheGlobThenWritesBothReports) {
  testing::TempDir dir;
  const SlurmOptions o = slurm_options(dir);
  fake_rbench(dir);
  const std::string script = slurm_merge_script(o);
  // The merge is a short CPU job: no GPU, no array, no shard time limit.
  EXPECT_EQ(script.find("--gres"), std::string::npos) << script;
  EXPECT_EQ(script.find("--array"), std::string::npos) << script;
  EXPECT_EQ(script.find("--time"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --job-name=rbench-test-merge\n"), std::string::npos) << script;
  const fs::path path = dir.write("merge.sbatch", script);
  fs::create_directories(o.out_dir);  // as `slurm submit` does
  const Result r = shell("cd / && SLURM_JOB_ID=42 bash " + shell_quote(path.string()));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(slurp(merge_status_file(o.out_dir)), "42 0\n");
  const fs::path merged = o.out_dir / "merged.db";
  const fs::path bin = dir.path() / "bin dir";
  EXPECT_EQ(split_nul(slurp(bin / "calls-0")),
            (std::vector<std::string>{"merge", "--db", merged.string(),
                                      (o.out_dir / "shards" / "*.db").string()}));
  EXPECT_EQ(split_nul(slurp(bin / "calls-1")),
            (std::vector<std::string>{"report", "--db", merged.string(), "-o",
                                      (o.out_dir / "leaderboard.html").string()}));
  EXPECT_EQ(split_nul(slurp(bin / "calls-2")),
            (std::vector<std::string>{"report", "--db", merged.string(), "--format", "json", "-o",
                                      (o.out_dir / "report.json").string()}));
}

TEST(SlurmScripts, SubmissionsChainTheMergeAfterTheArray) {
  EXPECT_EQ(sbatch_array_command("/o/array.sbatch"),
            (std::vector<std::string>{"sbatch", "--parsable", "/o/array.sbatch"}));
  EXPECT_EQ(sbatch_merge_command("/o/merge.sbatch", "123", false),
            (std::vector<std::string>{"sbatch", "--parsable", "--dependency=afterok:123",
                                      "--kill-on-invalid-dep=yes", "/o/merge.sbatch"}));
  const auto waiting = sbatch_merge_command("/o/merge.sbatch", "123", true);
  EXPECT_NE(std::ranges::find(waiting, "--wait"), waiting.end());
}

TEST(SlurmScripts, NoThrottleNoPercent) {
  testing::TempDir dir;
  SlurmOptions o = slurm_options(dir);
  o.throttle.reset();
  o.shards = 1;
  EXPECT_NE(slurm_array_script(o).find("#SBATCH --array=0-0\n"), std::string::npos);
}

TEST(SlurmScripts, Refusals) {
  testing::TempDir dir;
  const auto refused = [&](auto change, const std::string& says) {
    SlurmOptions o = slurm_options(dir);
    change(o);
    try {
      slurm_array_script(o);
      ADD_FAILURE() << "accepted; expected: " << says;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused([](SlurmOptions& o) { o.shards = 0; }, "--shards 0");
  refused([](SlurmOptions& o) { o.throttle = 0; }, "--throttle 0");
  refused([](SlurmOptions& o) { o.throttle = 9; }, "between 1 and --shards (8)");
  refused([](SlurmOptions& o) { o.run_args = {"--model", "m", "--db", "x.db"}; }, "--db");
  refused([](SlurmOptions& o) { o.run_args = {"--db=x.db"}; }, "--db");
  refused([](SlurmOptions& o) { o.run_args = {"--shard", "0/2"}; }, "--shard");
  refused([](SlurmOptions& o) { o.run_args = {"--shard-count", "2"}; }, "--shard-count");
  refused([](SlurmOptions& o) { o.out_dir = "relative"; }, "absolute");
  refused([](SlurmOptions& o) { o.out_dir = "/tmp/100%"; }, "'%'");
  refused([](SlurmOptions& o) { o.out_dir = "/tmp/a*"; }, "'*'");
  refused([](SlurmOptions& o) { o.partition = "a b"; }, "--partition");
}

TEST(RunArgs, RunNameFromEitherSpelling) {
  EXPECT_EQ(run_name_in({"--model", "m", "--run", "nightly"}), "nightly");
  EXPECT_EQ(run_name_in({"--run=nightly"}), "nightly");
  EXPECT_EQ(run_name_in({"--model", "m"}), std::nullopt);
}

K8sOptions k8s_options() {
  K8sOptions o;
  o.shards = 16;
  o.parallelism = 4;
  o.name = "rbench-nightly";
  o.image = "registry.example/rbench:1";
  o.pvc = "results";
  o.gpus = 1;
  o.run_args = kTrickyArgs;
  return o;
}

TEST(K8sManifest, IndexedJobThenMergeJob) {
  const std::string y = k8s_manifest(k8s_options());
  for (const std::string part :
       {"kind: Job\n", "completionMode: Indexed\n", "completions: 16\n", "parallelism: 4\n",
        "backoffLimitPerIndex: 2\n", "nvidia.com/gpu: 1\n", "claimName: \"results\"\n",
        "mountPath: \"/out\"\n", "name: \"RBENCH_SHARD_COUNT\"\n", "value: \"16\"\n", "\n---\n",
        "name: \"rbench-nightly-merge\"\n"}) {
    EXPECT_NE(y.find(part), std::string::npos) << part << "in:\n" << y;
  }
  // Each $ doubled for the kubelet; quotes, backslashes and newlines JSON-escaped.
  EXPECT_NE(y.find(R"(- "it's a \"label\" with $$HOME, `date`, $$(id) and \\ back")"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find(R"(- "two\nlines")"), std::string::npos) << y;
  // The GPU is the shards': the merge Job's half has none.
  EXPECT_EQ(y.substr(y.find("\n---\n")).find("nvidia.com/gpu"), std::string::npos) << y;
}

TEST(K8sManifest, Refusals) {
  const auto refused = [](auto change, const std::string& says) {
    K8sOptions o = k8s_options();
    change(o);
    try {
      k8s_manifest(o);
      ADD_FAILURE() << "accepted; expected: " << says;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused([](K8sOptions& o) { o.shards = 0; }, "--shards 0");
  refused([](K8sOptions& o) { o.parallelism = 17; }, "--parallelism 17");
  refused([](K8sOptions& o) { o.name = "Upper"; }, "--name 'Upper'");
  refused([](K8sOptions& o) { o.name = std::string(51, 'a'); }, "at most 50");
  refused([](K8sOptions& o) { o.run_args = {"--shard=1/2"}; }, "--shard");
  refused([](K8sOptions& o) { o.image.clear(); }, "--image");
}

}  // namespace
}  // namespace rbench::launch
