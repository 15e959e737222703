// The CPU forward pass: decoding through the latent cache gives the logits of a full re-run,
// batching does not change results, routing follows the published gate rules, YaRN's numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "engines/moe/cpu/sampler.h"
#include "engines/moe/model/memory.h"
#include "engines/moe/model/model.h"
#include "engines/moe/model/rope.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

std::shared_ptr<const Model> tiny_model(const std::string& variant, DType dtype = DType::f32) {
  ModelConfig c = tiny_config(variant, 300);
  if (dtype == DType::f8_e4m3) c.quantization = Fp8Quantization{.block_rows = 32, .block_cols = 32};
  return std::make_shared<const Model>(c, random_weights(c, {.dtype = dtype, .seed = 7}));
}

std::vector<std::int32_t> some_tokens(int n, int vocab) {
  std::vector<std::int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back((i * 37 + 11) % vocab);
  return t;
}

double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return diff / scale;
}

class Variants : public testing::TestWithParam<std::string> {};

TEST_P(Variants, DecodingThroughTheCacheMatchesAFullRerun) {
  const auto model = tiny_model(GetParam());
  const int vocab = model->config().vocab_size;
  const auto tokens = some_tokens(24, vocab);
  for (int split : {1, 7, 23}) {
    KvCache full = model->new_cache();
    const ForwardInput all{&full, tokens, true};
    const auto reference = model->forward(std::span(&all, 1)).front();

    KvCache cache = model->new_cache();
    const ForwardInput prefix{&cache, std::span(tokens).first(split), true};
    auto logits = model->forward(std::span(&prefix, 1)).front();
    for (int i = split; i < 24; ++i) {
      const ForwardInput step{&cache, std::span(tokens).subspan(i, 1), false};
      const auto next = model->forward(std::span(&step, 1)).front();
      logits.insert(logits.end(), next.begin(), next.end());
    }
    ASSERT_EQ(logits.size(), reference.size());
    EXPECT_LT(max_rel_diff(logits, reference), 1e-5) << "split at " << split;
    EXPECT_EQ(cache.length(), 24);
  }
}

TEST_P(Variants, BatchedSequencesGiveTheSameLogitsAsAlone) {
  const auto model = tiny_model(GetParam());
  const int vocab = model->config().vocab_size;
  const auto a = some_tokens(9, vocab);
  const auto b = some_tokens(4, vocab - 3);
  KvCache ca = model->new_cache(), cb = model->new_cache();
  const ForwardInput both[] = {{&ca, a, false}, {&cb, b, false}};
  const auto together = model->forward(both);
  KvCache sa = model->new_cache(), sb = model->new_cache();
  const ForwardInput one_a{&sa, a, false}, one_b{&sb, b, false};
  // Every row is computed the same way in a batch, so results are bit-identical.
  EXPECT_EQ(together[0], model->forward(std::span(&one_a, 1)).front());
  EXPECT_EQ(together[1], model->forward(std::span(&one_b, 1)).front());
}

TEST(Model, LogitsOfATokenDoNotDependOnWhatElseIsInTheCall) {
  // Self-speculative decoding compares a token's logits fed alone with those it gets in a
  // 2-token chunk or beside other sequences: they must be the same bits, in every dtype.
  for (const DType dtype : {DType::f32, DType::bf16, DType::f8_e4m3}) {
    const auto model = tiny_model("v3", dtype);
    const auto tokens = some_tokens(10, 300);
    const auto other = some_tokens(5, 290);
    KvCache alone = model->new_cache();
    const ForwardInput prefix{&alone, std::span(tokens).first(8), false};
    model->forward(std::span(&prefix, 1));
    KvCache pair = alone, crowd = alone;
    const ForwardInput one{&alone, std::span(tokens).subspan(8, 1), false};
    const auto expected = model->forward(std::span(&one, 1)).front();
    const ForwardInput two{&pair, std::span(tokens).subspan(8, 2), true};
    const auto in_pair = model->forward(std::span(&two, 1)).front();
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), in_pair.begin()))
        << to_string(dtype) << ": in a 2-token chunk";
    KvCache other_cache = model->new_cache();
    const ForwardInput batch[] = {{&other_cache, other, false},
                                  {&crowd, std::span(tokens).subspan(8, 1), false}};
    EXPECT_EQ(model->forward(batch)[1], expected) << to_string(dtype) << ": beside a prompt";
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, Variants, testing::Values("v3", "v2-lite", "v2", "dense"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Model, Fp8WeightsStayCloseToTheirF32Originals) {
  // Dense: in MoE layers quantisation noise can flip a routing choice, which is a real effect of
  // fp8 but not a measure of the dequantisation.
  const auto f32 = tiny_model("dense", DType::f32);
  const auto f8 = tiny_model("dense", DType::f8_e4m3);
  const auto tokens = some_tokens(8, 300);
  KvCache c1 = f32->new_cache(), c2 = f8->new_cache();
  const ForwardInput i1{&c1, tokens, false}, i2{&c2, tokens, false};
  const auto a = f32->forward(std::span(&i1, 1)).front();
  const auto b = f8->forward(std::span(&i2, 1)).front();
  const double rel = max_rel_diff(b, a);
  // e4m3 keeps 3 mantissa bits (relative step 1/16): a few percent, not more.
  EXPECT_GT(rel, 1e-4);  // it really is quantised
  EXPECT_LT(rel, 0.25);
  EXPECT_LT(f8->weights().bytes(), f32->weights().bytes() / 2);
}

TEST(Model, TokenOutsideTheVocabularyIsRefused) {
  const auto model = tiny_model("dense");
  KvCache c = model->new_cache();
  const std::int32_t bad[] = {1, 300};
  const ForwardInput in{&c, bad, false};
  EXPECT_THROW(model->forward(std::span(&in, 1)), std::out_of_range);
}

// A token chosen in the forward pass (TokenChoice) is the one pick_token chooses from the logits
// the call returns, greedy or sampled, for each input of a batch on its own last row.
TEST(Model, ChosenTokenIsPickTokenOnTheLastRow) {
  const auto model = tiny_model("v3");
  const int vocab = model->config().vocab_size;
  KvCache a = model->new_cache();
  KvCache b = model->new_cache();
  const auto ta = some_tokens(5, vocab);
  const auto tb = some_tokens(3, vocab);
  TokenChoice greedy;
  TokenChoice sampled{.temperature = 0.8, .top_k = 20, .top_p = 0.9, .uniform = 0.37};
  const ForwardInput inputs[] = {{&a, ta, true, nullptr, &greedy},
                                 {&b, tb, false, nullptr, &sampled}};
  const auto logits = model->forward(inputs);
  const auto last_a = std::span<const float>(logits[0]).last(vocab);
  EXPECT_EQ(greedy.token, argmax(last_a));
  EXPECT_EQ(sampled.token,
            pick_token(logits[1], {.temperature = 0.8, .top_k = 20, .top_p = 0.9}, 0.37));
  // Forgetting the choice would leave -1.
  EXPECT_GE(sampled.token, 0);
}

ModelConfig gate_config(TopkMethod method, ScoringFunc scoring, int groups, int topk_groups) {
  ModelConfig c = tiny_config("v3", 300);
  c.n_routed_experts = 8;
  c.num_experts_per_tok = 2;
  c.topk_method = method;
  c.scoring_func = scoring;
  c.n_group = groups;
  c.topk_group = topk_groups;
  return c;
}

TEST(Routing, NoauxBiasChoosesButDoesNotWeigh) {
  ModelConfig c = gate_config(TopkMethod::noaux_tc, ScoringFunc::sigmoid, 1, 1);
  c.norm_topk_prob = false;
  c.routed_scaling_factor = 1.0;
  const float logits[8] = {3, 2, 1, 0, 0, 0, 0, 0};
  std::vector<float> bias(8, 0.0f);
  bias[2] = 10.0f;  // expert 2 is chosen for balance despite a lower score
  const auto r = route_token(c, logits, bias);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].first, 2);
  EXPECT_EQ(r[1].first, 0);
  EXPECT_FLOAT_EQ(r[0].second, 1.0f / (1.0f + std::exp(-1.0f)));  // its own sigmoid score
  EXPECT_FLOAT_EQ(r[1].second, 1.0f / (1.0f + std::exp(-3.0f)));
}

TEST(Routing, GroupLimitedTopkOnlyLooksInTheBestGroups) {
  // 4 groups of 2. V3 ranks groups by the sum of their top two: group 1 (experts 2,3) has the
  // best single expert but group 0 and group 3 have the best pairs.
  ModelConfig c = gate_config(TopkMethod::noaux_tc, ScoringFunc::sigmoid, 4, 2);
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 2.5;
  const float logits[8] = {2.0f, 2.0f, 4.0f, -4.0f, 0.0f, 0.0f, 1.9f, 1.9f};
  const std::vector<float> bias(8, 0.0f);
  const auto r = route_token(c, logits, bias);
  EXPECT_EQ(r[0].first, 0);
  EXPECT_EQ(r[1].first, 1);
  // Normalised then scaled (V3): two equal scores give 1.25 each.
  EXPECT_FLOAT_EQ(r[0].second, 1.25f);
  EXPECT_FLOAT_EQ(r[1].second, 1.25f);

  // V2 ranks groups by their best expert: group 1 wins with expert 2.
  ModelConfig v2 = gate_config(TopkMethod::group_limited_greedy, ScoringFunc::softmax, 4, 2);
  v2.model_type = "deepseek_v2";
  v2.norm_topk_prob = false;
  v2.routed_scaling_factor = 16.0;
  const auto r2 = route_token(v2, logits, bias);
  EXPECT_EQ(r2[0].first, 2);
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(r2[0].second, 16.0 * std::exp(4.0) / z, 1e-5);  // not normalised, so scaled
}

TEST(Routing, V2NormalisedWeightsAreNotScaled) {
  ModelConfig c = gate_config(TopkMethod::greedy, ScoringFunc::softmax, 1, 1);
  c.model_type = "deepseek_v2";
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 16.0;
  const float logits[8] = {1, 1, 0, 0, 0, 0, 0, 0};
  const auto r = route_token(c, logits, std::vector<float>(8, 0.0f));
  EXPECT_FLOAT_EQ(r[0].second + r[1].second, 1.0f);
}

TEST(Rope, YarnFrequenciesOfDeepSeekV3) {
  // DeepSeek-V3: rope dim 64, theta 10000, factor 40 over 4096 positions, beta 32/1.
  // Correction range: floor(64 ln(4096 / (32 * 2 pi)) / (2 ln 10000)) = 10 and
  // ceil(64 ln(4096 / (2 pi)) / (2 ln 10000)) = 23.
  const ModelConfig c = shape_config("deepseek-v3");
  const Rope rope(c);
  const auto& f = rope.inv_freq();
  ASSERT_EQ(f.size(), 32u);
  for (int i = 0; i < 32; ++i) {
    const double original = std::pow(10000.0, -2.0 * i / 64);
    if (i <= 10) {
      EXPECT_DOUBLE_EQ(f[i], original) << i;
    }
    if (i >= 23) {
      EXPECT_DOUBLE_EQ(f[i], original / 40) << i;
    }
  }
  const double original16 = std::pow(10000.0, -32.0 / 64);
  const double ramp = (16 - 10) / 13.0;  // linear between the correction dims
  EXPECT_NEAR(f[16], original16 / 40 * ramp + original16 * (1 - ramp), 1e-15);
  EXPECT_DOUBLE_EQ(rope.cos_sin_scale(), 1.0);  // mscale == mscale_all_dim
  const double m = 0.1 * std::log(40.0) + 1.0;
  EXPECT_NEAR(rope.softmax_scale(), m * m / std::sqrt(192.0), 1e-7);
}

}  // namespace
}  // namespace rbench::moe
