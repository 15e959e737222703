// The bootstrap's generator: split streams reproduce, uniform indices stay in range, and the
// binomial draw has the binomial's mean and variance at every size it takes a different path.
#include "reports/stats/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace rbench::stats {
namespace {

TEST(Xoshiro256, StreamsOfASeedReproduceAndDiffer) {
  Xoshiro256 a(7, 3), b(7, 3), c(7, 4), d(8, 3);
  const std::uint64_t first = a();
  EXPECT_EQ(first, b());
  EXPECT_NE(first, c());
  EXPECT_NE(first, d());
}

TEST(UniformBelow, StaysInRangeAndCoversIt) {
  Xoshiro256 rng(1);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const std::uint64_t r = uniform_below(rng, 7);
    ASSERT_LT(r, 7u);
    ++seen[r];
  }
  for (int count : seen) EXPECT_NEAR(count, 1000, 150);
  EXPECT_EQ(uniform_below(rng, 1), 0u);
}

// Mean n p and variance n p (1 - p), within 5 standard errors of each, over sizes below and
// above the direct-draw threshold and p on both sides of 1/2.
TEST(Binomial, MeanAndVarianceMatch) {
  constexpr int kDraws = 20000;
  for (const std::int64_t n : {1, 5, 16, 17, 100, 12345, 1000000}) {
    for (const double p : {0.03, 0.5, 0.9}) {
      Xoshiro256 rng(42, static_cast<std::uint64_t>(n));
      double sum = 0, squares = 0;
      for (int i = 0; i < kDraws; ++i) {
        const std::int64_t k = binomial(rng, n, p);
        ASSERT_GE(k, 0);
        ASSERT_LE(k, n);
        sum += double(k);
        squares += double(k) * double(k);
      }
      const double mean = sum / kDraws;
      const double variance = squares / kDraws - mean * mean;
      const double want_var = double(n) * p * (1 - p);
      EXPECT_NEAR(mean, double(n) * p, 5 * std::sqrt(want_var / kDraws) + 1e-9)
          << "n " << n << " p " << p;
      // The sample variance's standard error is about var * sqrt(2 / draws) for a near-normal.
      EXPECT_NEAR(variance, want_var, 5 * want_var * std::sqrt(2.0 / kDraws) + 0.05)
          << "n " << n << " p " << p;
    }
  }
}

TEST(Binomial, EdgeProbabilities) {
  Xoshiro256 rng(3);
  EXPECT_EQ(binomial(rng, 100, 0), 0);
  EXPECT_EQ(binomial(rng, 100, 1), 100);
  EXPECT_EQ(binomial(rng, 0, 0.5), 0);
}

}  // namespace
}  // namespace rbench::stats
