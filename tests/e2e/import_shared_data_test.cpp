// The real outputs in ../shared/data/seed-outputs (see its SOURCES.md) imported through the CLI:
// o1-mini's ZeroEval GSM8K answers graded by rbench against the gsm8k suite, both LiveCodeBench
// submissions with their own verdicts, and both Arena-Hard v0.1 answer files. The counts are
// pinned: a change in extraction or matching shows here first. Skips without the shared data
// (RBENCH_SHARED_DATA, else ../shared/data beside the checkout).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;

fs::path shared_data() {
  const char* env = std::getenv("RBENCH_SHARED_DATA");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(RBENCH_SHARED_DATA_DIR);
  return fs::is_directory(dir / "seed-outputs") ? dir : fs::path();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

#define SKIP_WITHOUT_SHARED_DATA(data)                                          \
  if ((data).empty())                                                           \
  GTEST_SKIP() << "no shared data (seed-outputs) at " << RBENCH_SHARED_DATA_DIR \
               << " or $RBENCH_SHARED_DATA"

TEST(ImportSharedData, ZeroEvalO1MiniGsm8k) {
  const fs::path data = shared_data();
  SKIP_WITHOUT_SHARED_DATA(data);
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_rbench({"import", "--format", "zeroeval", "--suite", "gsm8k", "--data-dir",
                        data.string(), "--db", (dir.path() / "r.db").string(),
                        (data / "seed-outputs/zeroeval/gsm/o1-mini-2024-09-12.json").string()},
                       out),
            0)
      << out;
  // Published by ZeroEval: 96.06 (gsm.summary.json); see README.md for the items that differ.
  EXPECT_TRUE(contains(out, "o1-mini-2024-09-12 on gsm8k: 1266/1319 correct (95.98%)")) << out;
}

TEST(ImportSharedData, LiveCodeBenchVerdictsOfO1MiniAndO1Preview) {
  const fs::path data = shared_data();
  SKIP_WITHOUT_SHARED_DATA(data);
  TempDir dir;
  const fs::path root = data / "seed-outputs/livecodebench-submissions";
  std::string out;
  ASSERT_EQ(
      run_rbench(
          {"import", "--format", "livecodebench", "--db", (dir.path() / "r.db").string(),
           (root / "O1-Mini-2024-09-12_N1/Scenario.codegeneration_1_0.2_eval_all.json").string(),
           (root / "O1-Preview-2024-09-12_N1/Scenario.codegeneration_1_0.2_eval_all.json")
               .string()},
          out),
      0)
      << out;
  // The files' own mean pass@1: 68.41% and 55.57%.
  EXPECT_TRUE(contains(out,
                       "o1-mini-2024-09-12 on livecodebench: 602/880 correct (68.41%), 880 "
                       "verdicts imported, not re-executed"))
      << out;
  EXPECT_TRUE(contains(out,
                       "o1-preview-2024-09-12 on livecodebench: 489/880 correct (55.57%), "
                       "880 verdicts imported, not re-executed"))
      << out;
}

TEST(ImportSharedData, ArenaHardAnswersOfO1MiniAndO1Preview) {
  const fs::path data = shared_data();
  SKIP_WITHOUT_SHARED_DATA(data);
  TempDir dir;
  const fs::path root = data / "seed-outputs/arena-hard-v0.1/model_answer";
  std::string out;
  ASSERT_EQ(
      run_rbench({"import", "--format", "arena-hard", "--data-dir", data.string(), "--db",
                  (dir.path() / "r.db").string(), (root / "o1-mini-2024-09-12.jsonl").string(),
                  (root / "o1-preview-2024-09-12.jsonl").string()},
                 out),
      0)
      << out;
  EXPECT_TRUE(contains(out, "1000 answers, 0 judgments")) << out;
  EXPECT_TRUE(contains(out,
                       "o1-mini-2024-09-12 (500 answers), o1-preview-2024-09-12 (500 "
                       "answers)"))
      << out;
}

}  // namespace
}  // namespace rbench::test
