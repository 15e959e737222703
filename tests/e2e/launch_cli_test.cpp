// `rbench slurm submit` and `rbench k8s job` from the command line: --dry-run writes nothing, the
// refusals are usage errors, a missing sbatch is named, and a fake sbatch in PATH sees the array
// submitted, then the merge chained on its job id, with the caller's environment (SLURM_CONF).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Sets an environment variable for one scope (the rbench child inherits it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A stand-in sbatch: logs its arguments and SLURM_CONF, prints a job id as --parsable does, and
// with --wait exits with $FAKE_SBATCH_WAIT_STATUS (the merge job's status).
fs::path fake_sbatch(const fs::path& bin) {
  fs::create_directories(bin);
  const fs::path path = bin / "sbatch";
  std::ofstream(path) << "#!/bin/sh\n"
                         "echo \"$* conf=$SLURM_CONF\" >> \"$FAKE_SBATCH_LOG\"\n"
                         "n=$(wc -l < \"$FAKE_SBATCH_LOG\")\n"
                         "for script; do :; done\n"
                         "case \"$*\" in *--wait*) echo \"$((1000 + n))\"\n"
                         "  [ -z \"$FAKE_SBATCH_RAN\" ] || echo \"$((1000 + n)) $FAKE_SBATCH_RAN\" "
                         "> \"$(dirname \"$script\")/merge.status\"\n"
                         "  exit \"${FAKE_SBATCH_WAIT_STATUS:-0}\";; esac\n"
                         "echo \"$((1000 + n));cluster\"\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

const std::vector<std::string> kRun = {"--",        "--model", "mock", "--suite",
                                       "demo-math", "--label", "a b's"};

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST(SlurmSubmitCli, DryRunPrintsBothScriptsAndWritesNothing) {
  TempDir dir;
  const fs::path out = dir.path() / "out";
  std::string output;
  ASSERT_EQ(run_rbench(with({"slurm", "submit", "--shards", "4", "--throttle", "2", "--out",
                             out.string(), "--dry-run"},
                            kRun),
                       output),
            0)
      << output;
  EXPECT_TRUE(contains(output, "#SBATCH --array=0-3%2")) << output;
  EXPECT_TRUE(contains(output,
                       " run --model mock --suite demo-math --label 'a b'\\''s' --shard "
                       "auto --db " +
                           (out / "shards" / "shard-").string() +
                           "\"$SLURM_ARRAY_TASK_ID\".db --quiet"))
      << output;
  EXPECT_TRUE(contains(output, "merge --db " + (out / "merged.db").string())) << output;
  EXPECT_TRUE(contains(output, "sbatch --parsable --dependency=afterok:ARRAY_JOB_ID")) << output;
  EXPECT_FALSE(fs::exists(out)) << "--dry-run wrote " << out;
}

TEST(SlurmSubmitCli, RefusesWhatTheShardsSetAndBadCounts) {
  TempDir dir;
  const std::string out = (dir.path() / "out").string();
  std::string output;
  EXPECT_EQ(run_rbench(with({"slurm", "submit", "--shards", "4", "--out", out, "--dry-run"},
                            with(kRun, {"--db", "x.db"})),
                       output),
            2);
  EXPECT_TRUE(contains(output, "--db")) << output;
  EXPECT_EQ(run_rbench(with({"slurm", "submit", "--shards", "4", "--out", out, "--dry-run"},
                            with(kRun, {"--shard", "1/4"})),
                       output),
            2);
  EXPECT_TRUE(contains(output, "--shard")) << output;
  EXPECT_EQ(run_rbench(with({"slurm", "submit", "--shards", "4", "--throttle", "5", "--out", out,
                             "--dry-run"},
                            kRun),
                       output),
            2);
  EXPECT_TRUE(contains(output, "--throttle 5")) << output;
  EXPECT_EQ(run_rbench(with({"slurm", "submit", "--shards", "0", "--out", out, "--dry-run"}, kRun),
                       output),
            2);
  EXPECT_EQ(run_rbench({"slurm", "submit", "--shards", "2", "--out", out, "--dry-run"}, output), 2);
  EXPECT_TRUE(contains(output, "after `--`")) << output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(SlurmSubmitCli, NoSbatchInPathIsNamed) {
  TempDir dir;
  const std::string out = (dir.path() / "out").string();
  ScopedEnv path("PATH", (dir.path() / "empty").string());
  std::string output;
  EXPECT_EQ(run_rbench(with({"slurm", "submit", "--shards", "2", "--out", out}, kRun), output), 2);
  EXPECT_TRUE(contains(output, "sbatch is not in PATH")) << output;
  EXPECT_FALSE(fs::exists(out)) << "nothing is written without sbatch";
}

TEST(SlurmSubmitCli, SubmitsTheArrayThenTheMergeAfterIt) {
  TempDir dir;
  const fs::path out = dir.path() / "out";
  const fs::path log = dir.path() / "sbatch.log";
  fake_sbatch(dir.path() / "bin");
  ScopedEnv path("PATH", (dir.path() / "bin").string() + ":" + std::getenv("PATH"));
  ScopedEnv log_env("FAKE_SBATCH_LOG", log.string());
  ScopedEnv conf("SLURM_CONF", "/private/slurm.conf");
  std::string output;
  ASSERT_EQ(
      run_rbench(with({"slurm", "submit", "--shards", "3", "--out", out.string()}, kRun), output),
      0)
      << output;
  EXPECT_TRUE(contains(output, "submitted array job 1001")) << output;
  EXPECT_TRUE(contains(output, "submitted merge job 1002")) << output;
  EXPECT_TRUE(fs::is_regular_file(out / "array.sbatch"));
  EXPECT_TRUE(fs::is_regular_file(out / "merge.sbatch"));
  EXPECT_TRUE(fs::is_directory(out / "logs"));
  EXPECT_TRUE(fs::is_directory(out / "shards"));
  const std::string calls = read_file(log);
  EXPECT_TRUE(contains(
      calls, "--parsable " + (out / "array.sbatch").string() + " conf=/private/slurm.conf\n"))
      << calls;
  EXPECT_TRUE(contains(calls, "--parsable --dependency=afterok:1001 --kill-on-invalid-dep=yes " +
                                  (out / "merge.sbatch").string()))
      << calls;
}

TEST(SlurmSubmitCli, WaitExitsNonZeroUnlessTheMergeJobRanAndSucceeded) {
  TempDir dir;
  const fs::path out = dir.path() / "out";
  fake_sbatch(dir.path() / "bin");
  ScopedEnv path("PATH", (dir.path() / "bin").string() + ":" + std::getenv("PATH"));
  ScopedEnv log_env("FAKE_SBATCH_LOG", (dir.path() / "sbatch.log").string());
  const auto submit = [&](const std::string& sbatch_status, const char* ran, std::string& output) {
    ScopedEnv status("FAKE_SBATCH_WAIT_STATUS", sbatch_status);
    std::optional<ScopedEnv> merge_ran;
    if (ran != nullptr) merge_ran.emplace("FAKE_SBATCH_RAN", ran);
    return run_rbench(
        with({"slurm", "submit", "--shards", "2", "--out", out.string(), "--wait"}, kRun), output);
  };
  std::string output;
  EXPECT_EQ(submit("0", "0", output), 0) << output;
  EXPECT_TRUE(contains(output, "finished merge job 1002")) << output;
  // sbatch --wait says the job failed.
  EXPECT_EQ(submit("1", "1", output), 1) << output;
  EXPECT_TRUE(contains(output, "ended with status 1")) << output;
  EXPECT_TRUE(contains(output, "rbench merge --status")) << output;
  // The merge ran and found items missing, whatever sbatch's own status.
  EXPECT_EQ(submit("0", "3", output), 1) << output;
  EXPECT_TRUE(contains(output, "ended with status 3")) << output;
  // Cancelled before it ran (a shard failed): sbatch may say 0, the status file says otherwise.
  EXPECT_EQ(submit("0", nullptr, output), 1) << output;
  EXPECT_TRUE(contains(output, "never ran")) << output;
}

TEST(K8sJobCli, PrintsTheManifestAndRefusesADb) {
  std::string output;
  ASSERT_EQ(run_rbench(with({"k8s", "job", "--shards", "8", "--parallelism", "2"},
                            with(kRun, {"--run", "Nightly R1"})),
                       output),
            0)
      << output;
  EXPECT_TRUE(contains(output, "completionMode: Indexed")) << output;
  EXPECT_TRUE(contains(output, "name: \"rbench-nightly-r1\"")) << output;
  EXPECT_TRUE(contains(output, "name: \"rbench-nightly-r1-merge\"")) << output;
  EXPECT_EQ(run_rbench(with({"k8s", "job", "--shards", "8"}, with(kRun, {"--db", "x.db"})), output),
            2);
  EXPECT_TRUE(contains(output, "--db")) << output;
}

}  // namespace
}  // namespace rbench::test
