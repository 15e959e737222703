// The sampler: greedy is the argmax (lowest id among ties), top-k 1 is greedy whatever the
// temperature, and the same seed draws the same tokens.
#include "engines/moe/cpu/sampler.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rbench::moe
