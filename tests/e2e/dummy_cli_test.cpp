// `--load-format dummy` on the command line: a model of a published shape with random weights
// and no checkpoint, cut to one layer so that it runs in seconds on the CPU. The same seed gives
// the same tokens, another seed other logits; the flags that do not belong together are usage
// errors that say which flag to drop.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "e2e/subprocess.h"
#if RBENCH_HAVE_CUDA
#include "engines/moe/cuda/device.h"
#endif

namespace rbench::test {
namespace {

const std::vector<std::string> kDummy = {"--load-format",    "dummy",    "--shape",
                                         "deepseek-v2-lite", "--layers", "1",
                                         "--dummy-dtype",    "bf16"};

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::vector<int> tokens_of(const rapidjson::Document& d) {
  std::vector<int> out;
  for (const auto& t : d["tokens"].GetArray()) out.push_back(t.GetInt());
  return out;
}

TEST(DummyCli, GeneratesOnTheCpuAndTheSameSeedGivesTheSameTokens) {
  const auto args = with({"engine", "generate"}, kDummy);
  std::string a;
  ASSERT_EQ(
      run_rbench(with(args, {"--prompt", "hi", "--max-tokens", "3", "--greedy", "--json"}), a), 0)
      << a;
  const rapidjson::Document da = json_in_output(a);
  ASSERT_FALSE(da.HasParseError()) << a;
  EXPECT_EQ(da["tokens"].Size(), 3u) << a;
  EXPECT_TRUE(da["text"].IsString());
  std::string b;
  ASSERT_EQ(
      run_rbench(with(args, {"--prompt", "hi", "--max-tokens", "3", "--greedy", "--json"}), b), 0)
      << b;
  const rapidjson::Document db = json_in_output(b);
  ASSERT_FALSE(db.HasParseError()) << b;
  EXPECT_EQ(tokens_of(da), tokens_of(db));
  // The chat template renders with the byte tokenizer's special tokens.
  std::string chat;
  ASSERT_EQ(run_rbench(
                with(args, {"--prompt", "hi", "--chat", "--max-tokens", "2", "--greedy", "--json"}),
                chat),
            0)
      << chat;
}

TEST(DummyCli, TakesATokenizerJsonWhoseVocabularyIsSmaller) {
  // tiny-r1-arith's tokenizer has ~500 ids; the model chooses among 102400, printed as <tok_ID>.
  std::string out;
  ASSERT_EQ(
      run_rbench(
          with(with({"engine", "generate"}, kDummy),
               {"--tokenizer", RBENCH_SOURCE_DIR "/data/checkpoints/tiny-r1-arith/tokenizer.json",
                "--prompt", "1+1", "--chat", "--max-tokens", "2", "--greedy", "--json"}),
          out),
      0)
      << out;
  const rapidjson::Document d = json_in_output(out);
  ASSERT_FALSE(d.HasParseError()) << out;
  EXPECT_EQ(d["tokens"].Size(), 2u) << out;
}

TEST(DummyCli, AnotherSeedGivesOtherLogits) {
  const auto logits = [](const std::string& seed) {
    std::string out;
    EXPECT_EQ(run_rbench(with(with({"engine", "logits"}, kDummy),
                              {"--dummy-seed", seed, "--tokens", "100000,104,105"}),
                         out),
              0)
        << out;
    return out.substr(out.find('{'));
  };
  // (The same seed's sameness is the generate test's: each run here takes seconds.)
  EXPECT_NE(logits("0"), logits("1"));
}

TEST(DummyCli, BadCombinationsAreUsageErrors) {
  const std::string model = RBENCH_SOURCE_DIR "/data/checkpoints/tiny-r1-arith";
  struct Case {
    std::vector<std::string> args;
    std::string says;
    int exit_code = 2;  // UsageError
  };
  const std::vector<Case> cases = {
      {{"engine", "generate", "--model", model, "--shape", "deepseek-v3", "--prompt", "x"},
       "apply to --load-format dummy"},
      {{"engine", "generate", "--load-format", "dummy", "--prompt", "x"}, "needs --shape"},
      {{"engine", "generate", "--load-format", "dummy", "--shape", "llama", "--prompt", "x"},
       "--shape 'llama' is not one of"},
      {{"engine", "generate", "--load-format", "dummy", "--shape", "deepseek-v2-lite", "--layers",
        "99", "--prompt", "x"},
       "has 27 decoder layers"},
      {{"engine", "generate", "--load-format", "dummy", "--shape", "deepseek-v2-lite", "--model",
        model, "--prompt", "x"},
       "drop --model"},
      {{"engine", "generate", "--load-format", "safetensors", "--model", model, "--prompt", "x"},
       "--load-format 'safetensors' is not one of auto, dummy"},
      {{"engine", "generate", "--load-format", "dummy", "--shape", "deepseek-v3", "--dummy-dtype",
        "f32", "--prompt", "x"},
       "--dummy-dtype 'f32' is not one of bf16, fp8"},
      {{"run", "--engine", "openai", "--load-format", "dummy", "--shape", "deepseek-v3", "--suite",
        "arith-easy"},
       "--load-format dummy applies to --engine builtin"},
      // CLI11's own words and exit code, as before --load-format existed.
      {{"engine", "generate", "--prompt", "x"}, "--model is required", 106},
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_EQ(run_rbench(c.args, out), c.exit_code) << out;
    EXPECT_NE(out.find(c.says), std::string::npos) << "expected '" << c.says << "' in: " << out;
  }
}

TEST(DummyCli, CudaWithoutADeviceIsRefusedBeforeAnyWeightIsMade) {
#if RBENCH_HAVE_CUDA
  if (moe::cuda::cuda_device()) GTEST_SKIP() << "a CUDA device is present";
#endif
  std::string out;
  EXPECT_EQ(run_rbench(with(with({"engine", "generate"}, kDummy),
                            {"--device", "cuda", "--prompt", "hi", "--max-tokens", "1"}),
                       out),
            2)
      << out;
  EXPECT_NE(out.find("--device cuda:0"), std::string::npos) << out;
}

TEST(DummyCli, EveryCommandThatRunsAModelTakesTheFlags) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", "--help"}, std::vector<std::string>{"serve", "--help"},
        std::vector<std::string>{"probe", "latency", "--help"},
        std::vector<std::string>{"engine", "generate", "--help"},
        std::vector<std::string>{"engine", "logits", "--help"}}) {
    std::string out;
    ASSERT_EQ(run_rbench(args, out), 0) << out;
    for (const char* flag :
         {"--load-format", "--shape", "--layers", "--dummy-dtype", "--dummy-seed", "--tokenizer"}) {
      EXPECT_NE(out.find(flag), std::string::npos) << args[0] << " lacks " << flag << "\n" << out;
    }
  }
}

TEST(DummyCli, MakeRandomOffersAnMtpModule) {
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "make-random", "--help"}, out), 0) << out;
  EXPECT_NE(out.find("--mtp"), std::string::npos) << out;
}

}  // namespace
}  // namespace rbench::test
