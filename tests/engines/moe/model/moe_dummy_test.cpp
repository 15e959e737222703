// `--load-format dummy` below the command line: the shapes cut to N layers, the names and
// digests of dummy models, the counter-based form of splitmix64 that the device generator uses,
// and the shape-only weights a CUDA dummy model keeps on the host.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "engines/moe/model/random_weights.h"
#include "harness/core/error.h"
#include "harness/core/splitmix.h"

namespace rbench::moe {
namespace {

TEST(Splitmix, NthDrawEqualsTheSequentialOne) {
  for (std::uint64_t state0 : {0ULL, 1ULL, 0xDEADBEEFCAFEF00DULL, ~0ULL}) {
    std::uint64_t state = state0;
    for (std::uint64_t i = 0; i < 1000; ++i) {
      ASSERT_EQ(splitmix::next(state), splitmix::nth(state0, i)) << state0 << " draw " << i;
    }
  }
}

TEST(DummyConfig, CutsLayersAndKeepsTheDenseOnesWithin) {
  const ModelConfig v3 = dummy_config({.shape = "deepseek-v3", .layers = 2});
  EXPECT_EQ(v3.num_hidden_layers, 2);
  EXPECT_EQ(v3.first_k_dense_replace, 2);
  EXPECT_TRUE(v3.quantization.has_value());  // fp8 by default
  const ModelConfig v3_5 = dummy_config({.shape = "deepseek-v3", .layers = 5});
  EXPECT_EQ(v3_5.first_k_dense_replace, 3);
  const ModelConfig lite = dummy_config({.shape = "deepseek-v2-lite", .dtype = DType::bf16});
  EXPECT_EQ(lite.num_hidden_layers, 27);
  EXPECT_FALSE(lite.quantization.has_value());
  EXPECT_EQ(lite.num_nextn_predict_layers, 0);
  EXPECT_EQ(dummy_config({.shape = "deepseek-v2-lite", .mtp = true}).num_nextn_predict_layers, 1);
}

TEST(DummyConfig, RefusesWhatCannotBe) {
  EXPECT_THROW(dummy_config({.shape = "llama"}), UsageError);
  EXPECT_THROW(dummy_config({.shape = "deepseek-v2-lite-4l"}), UsageError);
  EXPECT_THROW(dummy_config({.shape = "deepseek-v2-lite", .layers = 28}), UsageError);
  EXPECT_THROW(dummy_config({.shape = "deepseek-v2-lite", .layers = -1}), UsageError);
  EXPECT_THROW(dummy_config({.shape = "deepseek-v3", .dtype = DType::f32}), UsageError);
  try {
    dummy_config({.shape = "deepseek-v2-lite", .layers = 40});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("27"), std::string::npos) << e.what();
  }
}

TEST(DummyName, SaysShapeLayersDtypeAndMtp) {
  EXPECT_EQ(dummy_name({.shape = "deepseek-v3"}), "dummy-deepseek-v3-fp8");
  EXPECT_EQ(
      dummy_name({.shape = "deepseek-v2-lite", .layers = 2, .dtype = DType::bf16, .mtp = true}),
      "dummy-deepseek-v2-lite-2l-bf16+mtp");
}

TEST(DummyDigest, DiffersWithEveryField) {
  const DummySpec base{.shape = "deepseek-v2-lite", .layers = 1};
  std::set<std::string> digests;
  for (DummySpec s : {base, DummySpec{.shape = "deepseek-v3", .layers = 1},
                      DummySpec{.shape = "deepseek-v2-lite", .layers = 2},
                      DummySpec{.shape = "deepseek-v2-lite", .layers = 1, .dtype = DType::bf16},
                      DummySpec{.shape = "deepseek-v2-lite", .layers = 1, .seed = 1},
                      DummySpec{.shape = "deepseek-v2-lite", .layers = 1, .mtp = true}}) {
    digests.insert(dummy_digest(s));
  }
  EXPECT_EQ(digests.size(), 6u);
  EXPECT_EQ(dummy_digest(base), dummy_digest(base));
  EXPECT_EQ(dummy_digest(base).size(), 16u);
}

TEST(RandomWeights, ShapesOnlyHoldNoMatrixValuesAndCountTheSameBytes) {
  const DummySpec spec{.shape = "deepseek-v2-lite", .layers = 1, .mtp = true};
  const ModelConfig c = dummy_config(spec);
  RandomWeightsOptions shapes = dummy_weights_options(spec);
  shapes.shapes_only = true;
  const ModelWeights s = random_weights(c, shapes);
  EXPECT_TRUE(s.embed_tokens.bf16.empty());
  EXPECT_TRUE(s.layers[0].attn.kv_b_f32.empty());
  EXPECT_TRUE(s.mtp->layer.moe->experts[0].up_proj.f8.empty());
  EXPECT_EQ(s.mtp->layer.moe->experts[0].up_proj.dtype, DType::f8_e4m3);
  EXPECT_EQ(s.layers[0].input_layernorm.size(), 2048u);  // vectors are generated
  // 1 dense layer + the MTP module's MoE layer + embeddings: the byte count of the real thing
  // from the shapes alone (ModelConfig-level figures are checked in moe_memory_test).
  const std::size_t embed = 102400ull * 2048 * 2;
  EXPECT_GT(s.bytes(), 2 * embed);
  EXPECT_EQ(s.bytes_by_dtype().at("BF16"),
            2 * embed + 2048ull * 2048 * 2 * 2 /* eh_proj */ + 64ull * 2048 * 2 /* router */);
}

TEST(RandomMatrix, IsTheTensorRandomWeightsMakes) {
  const ModelConfig c =
      dummy_config({.shape = "deepseek-v2-lite", .layers = 1, .dtype = DType::bf16});
  ModelConfig small = c;
  // Small embedding and dense MLP: the values of a tensor depend on its name and row only.
  small.vocab_size = 64;
  small.intermediate_size = 64;
  const ModelWeights w = random_weights(small, {.dtype = DType::bf16, .seed = 3});
  const WeightMatrix o =
      random_matrix("model.layers.0.self_attn.o_proj.weight", 2048, 16 * 128, DType::bf16, 3);
  EXPECT_EQ(o.bf16, w.layers[0].attn.o_proj.bf16);
  const WeightMatrix e = random_matrix("model.embed_tokens.weight", 64, 2048, DType::bf16, 3, 1.0f);
  EXPECT_EQ(e.bf16, w.embed_tokens.bf16);
}

}  // namespace
}  // namespace rbench::moe
