// Memory figures checked against DeepSeek-V3's published numbers: 671B parameters with 37B
// active per token (plus a 14B multi-token-prediction module, 685B on the model card), and what
// MLA's latent cache saves against the equivalent multi-head cache.
#include <gtest/gtest.h>

#include "engines/moe/model/memory.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

TEST(Memory, DeepSeekV3ParameterCountsMatchThePublishedOnes) {
  const ModelConfig c = shape_config("deepseek-v3");
  const ParameterCounts p = count_parameters(c);
  EXPECT_NEAR(p.total / 1e9, 671.0, 1.0);
  EXPECT_NEAR(p.active_per_token / 1e9, 37.0, 1.0);
  EXPECT_NEAR((p.total + p.mtp) / 1e9, 685.0, 1.5);
}

TEST(Memory, DeepSeekV2LiteParameterCountsMatchThePublishedOnes) {
  // Model card: 15.7B total, 2.4B active.
  const ParameterCounts p = count_parameters(shape_config("deepseek-v2-lite"));
  EXPECT_NEAR(p.total / 1e9, 15.7, 0.1);
  EXPECT_NEAR(p.active_per_token / 1e9, 2.4, 0.1);
}

TEST(Memory, LatentCacheAgainstMultiHeadForDeepSeekV3) {
  const KvCacheFigures kv = kv_cache_figures(shape_config("deepseek-v3"), 2);
  EXPECT_EQ(kv.latent_per_token, 61 * (512 + 64) * 2);
  EXPECT_EQ(kv.mha_per_token, 61 * 128 * (192 + 128) * 2);
  EXPECT_NEAR(kv.reduction(), 1.0 - 576.0 / 40960.0, 1e-12);
}

TEST(Memory, Fp8WeightsAreAboutHalfOfBf16) {
  const WeightBytes b = weight_bytes(shape_config("deepseek-v3"));
  const double ratio = static_cast<double>(b.fp8) / b.bf16;
  EXPECT_GT(ratio, 0.50);  // embeddings, norms and routers stay bf16; scales cost a little
  EXPECT_LT(ratio, 0.52);
}

TEST(Memory, TinyModelCountsAgreeWithTheWeightsHeld) {
  const ModelConfig c = tiny_config("v3", 300);
  const ModelWeights w = random_weights(c, {.dtype = DType::f32, .seed = 1});
  EXPECT_EQ(static_cast<std::int64_t>(w.bytes()), count_parameters(c).total * 4);
}

}  // namespace
}  // namespace rbench::moe
