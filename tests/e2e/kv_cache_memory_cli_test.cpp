// --kv-cache-memory through the command line on the bundled model: `engine generate` within a
// one-block cache gives the tokens of an unbounded run and reports its preemptions; a run of
// concurrent requests in a cache too small for all of them stores the same answers as one
// without a bound; bad sizes are usage errors that say what is wrong.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>

#include "common/temp_dir.h"
#include "e2e/subprocess.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

const std::string kModel = std::string(RBENCH_SOURCE_DIR) + "/data/checkpoints/tiny-r1-arith";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(KvCacheMemoryCli, GenerateWithinABoundGivesTheSameTokens) {
  const std::vector<std::string> args = {"engine", "generate", "--model",         kModel,
                                         "--chat", "--greedy", "--json",          "--max-tokens",
                                         "24",     "--prompt", "What is 12 + 30?"};
  std::string plain;
  ASSERT_EQ(run_rbench(args, plain), 0) << plain;
  auto bounded_args = args;
  bounded_args.insert(bounded_args.end(), {"--kv-cache-memory", "64KiB"});
  std::string bounded;
  ASSERT_EQ(run_rbench(bounded_args, bounded), 0) << bounded;
  const rapidjson::Document a = json_in_output(plain);
  const rapidjson::Document b = json_in_output(bounded);
  EXPECT_TRUE(a["tokens"] == b["tokens"]) << plain << "\n" << bounded;
  EXPECT_FALSE(a.HasMember("preemptions")) << "the output without a bound is unchanged";
  ASSERT_TRUE(b.HasMember("preemptions")) << bounded;
  EXPECT_EQ(b["preemptions"].GetInt(), 0);
}

TEST(KvCacheMemoryCli, BadSizesAreUsageErrors) {
  for (const std::string bad : {"12XB", "0", "lots"}) {
    std::string out;
    EXPECT_EQ(run_rbench({"engine", "generate", "--model", kModel, "--prompt", "1+1",
                          "--kv-cache-memory", bad},
                         out),
              2)
        << out;
    EXPECT_TRUE(contains(out, "engine generate: --kv-cache-memory '" + bad + "' is not a size"))
        << out;
  }
  std::string out;
  EXPECT_EQ(run_rbench({"run", "--model", "gpt-4o", "--suite", "demo-math", "--kv-cache-memory",
                        "1GiB", "--db", "/nonexistent/x.db"},
                       out),
            2)
      << out;
  EXPECT_TRUE(contains(out, "--kv-cache-memory applies to --engine builtin")) << out;
}

// Six requests at once, each needing two or three blocks, in a cache of four: admission waits,
// growth preempts, and the stored answers are those of a run without a bound.
TEST(KvCacheMemoryCli, ConcurrentRunInATightCacheStoresTheSameAnswers) {
  rbench::testing::TempDir dir;
  std::map<std::string, std::string> answers[2];
  for (int bounded = 0; bounded < 2; ++bounded) {
    const auto db = (dir.path() / ("r" + std::to_string(bounded) + ".db")).string();
    std::vector<std::string> args = {
        "run", "--engine",    "builtin", "--model",      kModel, "--suite", "demo-math", "--limit",
        "6",   "--max-batch", "6",       "--max-tokens", "100",  "--db",    db,          "--quiet"};
    if (bounded) args.insert(args.end(), {"--kv-cache-memory", "170KiB"});
    std::string out;
    ASSERT_EQ(run_rbench(args, out), 0) << out;
    Store store(db);
    for (const auto& s : store.samples()) {
      EXPECT_TRUE(s.completion.ok()) << s.completion.error;
      answers[bounded][s.key.item_id] = s.completion.reasoning + "|" + s.completion.answer;
    }
  }
  EXPECT_EQ(answers[0].size(), 6u);
  EXPECT_EQ(answers[1], answers[0]);
}

}  // namespace
}  // namespace rbench::test
