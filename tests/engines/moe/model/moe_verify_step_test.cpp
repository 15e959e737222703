// The MTP verification step: two tokens in one forward pass (every weight read once for both)
// give bit for bit the logits, hidden states and cache entries of two 1-token steps, in every
// weight dtype and for a batch of such steps beside other sequences. The scheduler accepts a
// draft by comparing these logits, so a last-bit difference would change the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

std::shared_ptr<const Model> model_in(const std::string& variant, DType dtype, int fp8_block) {
  ModelConfig c = tiny_config(variant, 300);
  if (dtype == DType::f8_e4m3) {
    c.quantization = Fp8Quantization{.block_rows = fp8_block, .block_cols = fp8_block};
  }
  return std::make_shared<const Model>(c, random_weights(c, {.dtype = dtype, .seed = 11}));
}

std::vector<std::int32_t> tokens(int n, int salt) {
  std::vector<std::int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back((i * 53 + salt) % 300);
  return t;
}

struct Step {
  std::vector<float> logits;  // [tokens x vocab]
  std::vector<float> hidden;  // [tokens x hidden]
};

Step run(const Model& m, KvCache& cache, std::span<const std::int32_t> t) {
  Step s;
  const ForwardInput in{.cache = &cache, .tokens = t, .all_logits = true, .hidden = &s.hidden};
  s.logits = m.forward(std::span(&in, 1)).front();
  return s;
}

// Every layer's cached latent and rope key of positions [0, length), as one vector.
std::vector<float> cached(const Model& m, const KvCache& cache) {
  const ModelConfig& c = m.config();
  std::vector<float> all;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    for (int p = 0; p < cache.length(); ++p) {
      all.insert(all.end(), cache.latent(l, p), cache.latent(l, p) + c.kv_lora_rank);
      all.insert(all.end(), cache.rope_key(l, p), cache.rope_key(l, p) + c.qk_rope_head_dim);
    }
  }
  return all;
}

struct Case {
  std::string variant;
  DType dtype;
  int fp8_block;  // 64: the register fp8 kernel where a matrix's width allows; 32: never
};

class VerifyStep : public testing::TestWithParam<Case> {};

TEST_P(VerifyStep, TwoTokensAtOnceAreTwoOneTokenStepsBitForBit) {
  const Case& k = GetParam();
  const auto model = model_in(k.variant, k.dtype, k.fp8_block);
  const auto prompt = tokens(9, 5);
  const auto pair = tokens(2, 17);  // the last token and a draft

  KvCache stepwise = model->new_cache();
  run(*model, stepwise, prompt);
  KvCache verified = stepwise;
  KvCache crowded = stepwise;
  Step first = run(*model, stepwise, std::span(pair).first(1));
  const Step second = run(*model, stepwise, std::span(pair).subspan(1, 1));
  first.logits.insert(first.logits.end(), second.logits.begin(), second.logits.end());
  first.hidden.insert(first.hidden.end(), second.hidden.begin(), second.hidden.end());

  const Step both = run(*model, verified, pair);
  EXPECT_EQ(both.logits, first.logits) << "logits";
  EXPECT_EQ(both.hidden, first.hidden) << "hidden states";
  EXPECT_EQ(cached(*model, verified), cached(*model, stepwise)) << "cache entries";

  // A batched step: other sequences' verification steps and a prompt chunk beside this one.
  KvCache other = model->new_cache(), chunk = model->new_cache();
  run(*model, other, tokens(4, 29));
  const auto other_pair = tokens(2, 41);
  const auto chunk_tokens = tokens(6, 3);
  std::vector<float> hidden;
  const ForwardInput batch[] = {
      {.cache = &other, .tokens = other_pair, .all_logits = true},
      {.cache = &crowded, .tokens = pair, .all_logits = true, .hidden = &hidden},
      {.cache = &chunk, .tokens = chunk_tokens}};
  EXPECT_EQ(model->forward(batch)[1], first.logits) << "in a batch";
  EXPECT_EQ(hidden, first.hidden) << "hidden states in a batch";
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, VerifyStep,
    testing::Values(Case{"v3", DType::f32, 0}, Case{"v3", DType::bf16, 0},
                    Case{"v3", DType::f8_e4m3, 64}, Case{"v3", DType::f8_e4m3, 32},
                    Case{"v2-lite", DType::bf16, 0}, Case{"v2-lite", DType::f8_e4m3, 64},
                    Case{"dense", DType::f8_e4m3, 64}),
    [](const auto& info) {
      std::string n = info.param.variant + "_" + std::string(to_string(info.param.dtype)) +
                      (info.param.fp8_block ? "_" + std::to_string(info.param.fp8_block) : "");
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

}  // namespace
}  // namespace rbench::moe
