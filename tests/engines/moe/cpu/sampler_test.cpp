// The sampler: greedy is the argmax (lowest id among ties), top-k 1 is greedy whatever the
// temperature, and the same seed draws the same tokens.
#include "engines/moe/cpu/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace rbench::moe {
namespace {

TEST(Sampler, GreedyIsTheArgmaxWithTheLowestIdAmongTies) {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(argmax(logits), 1);
  Sampler greedy({});
  EXPECT_TRUE(greedy.greedy());
  EXPECT_EQ(greedy.sample(logits), 1);
}

TEST(Sampler, TopKOneIsGreedy) {
  const std::vector<float> logits = {0.1f, 0.2f, 3.0f, 0.3f};
  Sampler s({.temperature = 5.0, .top_k = 1, .seed = 7});
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits), 2);
}

TEST(Sampler, SameSeedSameDrawsAndSamplingExploresTheVocabulary) {
  const std::vector<float> logits(16, 0.0f);  // uniform
  Sampler a({.temperature = 1.0, .seed = 42});
  Sampler b({.temperature = 1.0, .seed = 42});
  std::vector<int> seen(16, 0);
  for (int i = 0; i < 400; ++i) {
    const std::int32_t t = a.sample(logits);
    ASSERT_EQ(t, b.sample(logits));
    ASSERT_GE(t, 0);
    ASSERT_LT(t, 16);
    ++seen[t];
  }
  for (int n : seen) EXPECT_GT(n, 0) << "uniform logits must reach every token";
}

TEST(Sampler, TopPKeepsOnlyTheNucleus) {
  // One token holds almost all the mass: a nucleus of 0.5 is that token alone.
  const std::vector<float> logits = {10.0f, 0.0f, 0.0f, 0.0f};
  Sampler s({.temperature = 1.0, .top_p = 0.5, .seed = 3});
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits), 0);
}

// A device picks with the draw the request's Sampler makes (draw(), then pick_token): the tokens
// must be sample()'s, and sample()'s must stay what uniform_real_distribution(0, total) over the
// same generator picks, so a seeded run's text does not change with the refactoring or the device.
TEST(Sampler, DrawThenPickIsSampleAndTheDistributionsDraw) {
  std::vector<float> logits(40);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>((i * 7) % 13) / 5;
  for (const SamplerOptions o : {SamplerOptions{.temperature = 0.7, .seed = 1},
                                 SamplerOptions{.temperature = 1.3, .top_k = 5, .seed = 2},
                                 SamplerOptions{.temperature = 0.6, .top_p = 0.9, .seed = 3}}) {
    Sampler whole(o);
    Sampler split(o);
    std::mt19937_64 rng(o.seed);
    for (int i = 0; i < 200; ++i) {
      const std::int32_t t = whole.sample(logits);
      ASSERT_EQ(pick_token(logits, o, split.draw()), t) << "draw " << i;
      // The reference: candidates by descending logit, ties by id, the same cuts, and one draw
      // from std::uniform_real_distribution<double>(0, total).
      std::vector<int> order(logits.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return logits[a] > logits[b]; });
      const int k = o.top_k > 0 ? o.top_k : static_cast<int>(logits.size());
      std::vector<double> p;
      double total = 0;
      for (int j = 0; j < k; ++j) {
        p.push_back(std::exp((logits[order[j]] - logits[order[0]]) / o.temperature));
        total += p.back();
      }
      int keep = k;
      if (o.top_p < 1.0) {
        double cumulative = 0;
        for (int j = 0; j < k; ++j) {
          cumulative += p[j] / total;
          if (cumulative >= o.top_p) {
            keep = j + 1;
            break;
          }
        }
        total = std::accumulate(p.begin(), p.begin() + keep, 0.0);
      }
      const double u = std::uniform_real_distribution<double>(0.0, total)(rng);
      double acc = 0;
      int expected = order[keep - 1];
      for (int j = 0; j < keep; ++j) {
        acc += p[j];
        if (u < acc) {
          expected = order[j];
          break;
        }
      }
      ASSERT_EQ(t, expected) << "draw " << i;
    }
  }
}

TEST(Sampler, PickTokenIsTheArgmaxWhenGreedy) {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(pick_token(logits, {}, 0.99), 1);
}

}  // namespace
}  // namespace rbench::moe
