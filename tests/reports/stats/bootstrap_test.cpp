// Bootstrap statistics: mean, numpy-compatible linear quantiles, seeded percentile CIs.
#include "reports/stats/bootstrap.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <vector>

namespace rbench::stats {
namespace {

TEST(Mean, OfValuesAndOfNothing) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(mean(v), 2.5);
  EXPECT_DOUBLE_EQ(mean(std::vector<double>{}), 0);
  EXPECT_DOUBLE_EQ(mean(std::vector<double>{-7}), -7);
}

TEST(Quantile, InterpolatesLinearlyBetweenClosestRanks) {
  // numpy.quantile([1, 2, 3, 4], q) with the default "linear" method.
  const std::vector<double> v = {4, 1, 3, 2};  // unsorted on purpose
  EXPECT_DOUBLE_EQ(quantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(v, 0.9), 3.7);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 4.0);
}

TEST(Quantile, EdgeCases) {
  EXPECT_DOUBLE_EQ(quantile(std::vector<double>{}, 0.5), 0);
  EXPECT_DOUBLE_EQ(quantile(std::vector<double>{5}, 0.3), 5);
  const std::vector<double> v = {1, 2};
  EXPECT_DOUBLE_EQ(quantile(v, -1), 1);  // clamped to [0, 1]
  EXPECT_DOUBLE_EQ(quantile(v, 2), 2);
}

std::vector<double> bernoulli_sample() {
  std::vector<double> v;
  for (int i = 0; i < 200; ++i) v.push_back(i % 10 < 7 ? 1.0 : 0.0);  // mean 0.7
  return v;
}

TEST(BootstrapMeanCi, ContainsTheMeanWithAPlausibleWidth) {
  const auto v = bernoulli_sample();
  const Interval ci = bootstrap_mean_ci(v, 0.95, 2000, 42);
  EXPECT_LT(ci.lo, 0.7);
  EXPECT_GT(ci.hi, 0.7);
  // Normal approximation: 1.96 * sqrt(0.7 * 0.3 / 200) = 0.0635 on each side.
  EXPECT_NEAR(ci.hi - ci.lo, 2 * 0.0635, 0.03);
  EXPECT_GE(ci.lo, 0.0);
  EXPECT_LE(ci.hi, 1.0);
}

TEST(BootstrapMeanCi, HigherConfidenceIsWider) {
  const auto v = bernoulli_sample();
  const Interval narrow = bootstrap_mean_ci(v, 0.5, 2000, 1);
  const Interval wide = bootstrap_mean_ci(v, 0.99, 2000, 1);
  EXPECT_LT(wide.lo, narrow.lo);
  EXPECT_GT(wide.hi, narrow.hi);
}

TEST(BootstrapMeanCi, DeterministicForASeed) {
  const auto v = bernoulli_sample();
  const Interval a = bootstrap_mean_ci(v, 0.95, 500, 7);
  const Interval b = bootstrap_mean_ci(v, 0.95, 500, 7);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  std::vector<double> varied;
  for (int i = 0; i < 50; ++i) varied.push_back(std::sin(i) * 10);
  const Interval c = bootstrap_mean_ci(varied, 0.95, 500, 7);
  const Interval d = bootstrap_mean_ci(varied, 0.95, 500, 8);
  EXPECT_TRUE(c.lo != d.lo || c.hi != d.hi) << "different seeds should resample differently";
}

TEST(BootstrapMeanCi, EdgeCases) {
  const Interval empty = bootstrap_mean_ci(std::vector<double>{});
  EXPECT_DOUBLE_EQ(empty.lo, 0);
  EXPECT_DOUBLE_EQ(empty.hi, 0);
  const Interval single = bootstrap_mean_ci(std::vector<double>{0.25});
  EXPECT_DOUBLE_EQ(single.lo, 0.25);
  EXPECT_DOUBLE_EQ(single.hi, 0.25);
  const std::vector<double> v = {1, 0, 1};
  const Interval no_rounds = bootstrap_mean_ci(v, 0.95, 0);
  EXPECT_DOUBLE_EQ(no_rounds.lo, 2.0 / 3);
  EXPECT_DOUBLE_EQ(no_rounds.hi, 2.0 / 3);
  const Interval constant = bootstrap_mean_ci(std::vector<double>{3, 3, 3, 3}, 0.95, 100, 5);
  EXPECT_DOUBLE_EQ(constant.lo, 3);
  EXPECT_DOUBLE_EQ(constant.hi, 3);
}

// Large samples of few distinct values are resampled as multinomial counts, others by index:
// both are the same bootstrap, so their intervals agree (to the Monte Carlo error of 4,000
// rounds) with each other and with the normal approximation.
TEST(BootstrapMeanCi, MultinomialDrawsMatchIndexDraws) {
  std::vector<double> many;  // 20,000 values of 0 and 1: drawn as counts
  for (int i = 0; i < 20000; ++i) many.push_back(i % 10 < 3 ? 1.0 : 0.0);
  std::vector<double> jittered = many;  // every value distinct: drawn by index
  for (std::size_t i = 0; i < jittered.size(); ++i) jittered[i] += 1e-12 * double(i);
  const Interval counts = bootstrap_mean_ci(many, 0.95, 4000, 11);
  const Interval indices = bootstrap_mean_ci(jittered, 0.95, 4000, 11);
  const double half = 1.96 * std::sqrt(0.3 * 0.7 / 20000);  // 0.00635
  EXPECT_NEAR(counts.lo, 0.3 - half, 0.0008);
  EXPECT_NEAR(counts.hi, 0.3 + half, 0.0008);
  EXPECT_NEAR(indices.lo, 0.3 - half, 0.0008);
  EXPECT_NEAR(indices.hi, 0.3 + half, 0.0008);
}

// Rounds are drawn in blocks from streams of the seed: the same figures on one thread or many.
TEST(BootstrapMeans, SameOnOneThreadAndMany) {
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) v.push_back(std::sin(i));
  const std::vector<double> many = bootstrap_means(v, 1000, 3);
  std::vector<double> one;
  tbb::task_arena arena(1);
  arena.execute([&] { one = bootstrap_means(v, 1000, 3); });
  EXPECT_EQ(many, one);
  const auto ratio_many = bootstrap_ratio_ci(v, std::vector<double>(v.size(), 1.0), 0.95, 1000, 3);
  std::optional<RatioEstimate> ratio_one;
  arena.execute([&] {
    ratio_one = bootstrap_ratio_ci(v, std::vector<double>(v.size(), 1.0), 0.95, 1000, 3);
  });
  ASSERT_TRUE(ratio_many && ratio_one);
  EXPECT_EQ(ratio_many->ci.lo, ratio_one->ci.lo);
  EXPECT_EQ(ratio_many->ci.hi, ratio_one->ci.hi);
}

}  // namespace
}  // namespace rbench::stats
