// The bounded latent cache on --device cuda: the CUDA model reports its blocks and a default
// bound below the free memory, and concurrent greedy requests preempted in a tight cache give the
// tokens of an unbounded run on the same device. Every product stays within the batch-invariant
// gemv (at most 4 sequences x 16 prompt tokens a step), so a recomputed cache holds the same bits.
// Skips without a CUDA device; RBENCH_CUDA_GRID=reduced (compute-sanitizer) runs fewer tokens.
#include <gtest/gtest.h>

#include <cstdlib>
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

bool reduced_grid() {
  const char* grid = std::getenv("RBENCH_CUDA_GRID");
  return grid != nullptr && std::string(grid) == "reduced";
}

class CudaScheduler : public testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  }
};

TEST_F(CudaScheduler, TheModelReportsBlocksAndADefaultBoundBelowFreeMemory) {
  BuiltinEngineOptions options;
  options.device = "cuda";
  const auto engine = BuiltinEngine::open(kModel, options);
  const ForwardModel& m = engine->model();
  EXPECT_EQ(m.cache_block_size(), 64);
  EXPECT_EQ(m.cache_block_bytes(), m.make_cache()->bytes_per_token() * 64);
  const std::optional<cuda::DeviceInfo> info = cuda::cuda_device();
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(m.default_cache_bytes(), std::size_t{1} << 20);
  EXPECT_LT(m.default_cache_bytes(), info->total_bytes);
}

TEST_F(CudaScheduler, PreemptedGreedySequencesGiveTheTokensOfAnUnboundedRun) {
  const int count = reduced_grid() ? 3 : 6;
  BuiltinEngineOptions options = BuiltinEngineOptions::with_max_batch(4);
  options.device = "cuda";
  options.prefill_chunk = 16;
  const auto unbounded = BuiltinEngine::open(kModel, options);
  options.kv_cache_bytes = 3 * unbounded->model().cache_block_bytes();
  const auto tight = BuiltinEngine::open(kModel, options);
  std::vector<GenerateRequest> requests;
  for (int i = 0; i < count; ++i) {
    GenerateRequest r;
    r.prompt = unbounded->chat_prompt(
        {{"user", "What is " + std::to_string(12 + i * 7) + " + " + std::to_string(30 + i) + "?"}});
    r.max_tokens = reduced_grid() ? 60 : 80;  // no stop tokens: past a block boundary
    requests.push_back(std::move(r));
  }
  const auto concurrently = [&](BuiltinEngine& e) {
    std::vector<std::future<GenerateResult>> futures;
    for (const auto& r : requests) {
      futures.push_back(std::async(std::launch::async, [&e, r] {
        return e.generate(r, [](std::int32_t) { return true; });
      }));
    }
    std::vector<GenerateResult> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  };
  const auto reference = concurrently(*unbounded);
  const auto bounded = concurrently(*tight);
  int preemptions = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_TRUE(bounded[i].error.empty()) << bounded[i].error;
    EXPECT_EQ(bounded[i].tokens, reference[i].tokens) << "request " << i;
    preemptions += bounded[i].preemptions;
  }
  EXPECT_GT(preemptions, 0) << "the bound must have forced preemptions";
}

}  // namespace
}  // namespace rbench::moe
