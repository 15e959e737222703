// The built-in engine with --device cuda: a greedy sequence gives the same text alone and in a
// batch of 16 (the scheduler mixes prompt chunks and decode steps), and the facts describe the
// device's cache. Skips without a CUDA device.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "engines/moe/cuda/device.h"
#include "engines/moe/engine/builtin_engine.h"

namespace rbench::moe {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "checkpoints" / "tiny-r1-arith";

class CudaEngine : public testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  }
};

TEST_F(CudaEngine, GreedyTextIsTheSameAloneAndInABatchOf16) {
  BuiltinEngineOptions options;
  options.device = "cuda";
  const auto engine = BuiltinEngine::open(kModel, options);
  EXPECT_EQ(engine->model().device(), "cuda:0");
  std::vector<GenerateRequest> requests;
  for (int i = 0; i < 16; ++i) {
    GenerateRequest r;
    r.prompt = engine->chat_prompt(
        {{"user", "What is " + std::to_string(12 + i * 7) + " + " + std::to_string(30 + i) +
                      "? Please reason step by step, and put your final answer within "
                      "\\boxed{}."}});
    r.max_tokens = 96;
    r.stop_ids = engine->stop_ids();
    requests.push_back(std::move(r));
  }
  std::vector<std::vector<std::int32_t>> alone;
  for (const auto& r : requests) {
    alone.push_back(engine->generate(r, [](std::int32_t) { return true; }).tokens);
  }
  std::vector<std::future<GenerateResult>> together;
  for (const auto& r : requests) {
    together.push_back(std::async(std::launch::async, [&engine, r] {
      return engine->generate(r, [](std::int32_t) { return true; });
    }));
  }
  for (std::size_t i = 0; i < together.size(); ++i) {
    const GenerateResult g = together[i].get();
    EXPECT_TRUE(g.error.empty()) << g.error;
    EXPECT_EQ(g.tokens, alone[i]) << "request " << i;
  }
  // The latent cache on the device is f32 for this f32 checkpoint.
  const EngineFacts f = engine->facts();
  const ModelConfig& c = engine->model().config();
  EXPECT_EQ(f.kv_bytes_per_token, static_cast<std::int64_t>(c.num_hidden_layers) *
                                      (c.kv_lora_rank + c.qk_rope_head_dim) * 4);
}

}  // namespace
}  // namespace rbench::moe
