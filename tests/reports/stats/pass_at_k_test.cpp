// The unbiased pass@k estimator against closed forms worked out by hand.
#include "reports/stats/pass_at_k.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace rbench::stats {
namespace {

TEST(PassAtK, PassAtOneIsTheFractionCorrect) {
  EXPECT_DOUBLE_EQ(pass_at_k(10, 3, 1), 0.3);
  EXPECT_DOUBLE_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(1, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(200, 37, 1), 37.0 / 200.0);
}

TEST(PassAtK, MatchesTheBinomialClosedForm) {
  // n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10.
  EXPECT_NEAR(pass_at_k(5, 2, 2), 0.7, 1e-15);
  // n=10, c=3, k=5: 1 - C(7,5)/C(10,5) = 1 - 21/252 = 11/12.
  EXPECT_NEAR(pass_at_k(10, 3, 5), 11.0 / 12.0, 1e-15);
  // n=4, c=1, k=3: 1 - C(3,3)/C(4,3) = 3/4.
  EXPECT_NEAR(pass_at_k(4, 1, 3), 0.75, 1e-15);
  // n=20, c=2, k=10: 1 - C(18,10)/C(20,10) = 1 - 43758/184756.
  EXPECT_NEAR(pass_at_k(20, 2, 10), 1.0 - 43758.0 / 184756.0, 1e-14);
}

TEST(PassAtK, CertainWhenFewerThanKAreWrong) {
  EXPECT_DOUBLE_EQ(pass_at_k(10, 6, 5), 1.0);  // 4 wrong < 5 drawn
  EXPECT_DOUBLE_EQ(pass_at_k(3, 3, 3), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(10, 0, 10), 0.0);
}

TEST(PassAtK, LargeNStaysFinite) {
  // C(1000, 500) overflows doubles; the product form does not.
  const double v = pass_at_k(1000, 1, 500);
  EXPECT_NEAR(v, 0.5, 1e-12);  // one correct sample among 1000, half of them drawn
}

TEST(PassAtK, RejectsImpossibleCounts) {
  EXPECT_THROW(pass_at_k(5, 6, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(5, 1, 6), std::invalid_argument);
  EXPECT_THROW(pass_at_k(5, 1, 0), std::invalid_argument);
  EXPECT_THROW(pass_at_k(5, -1, 1), std::invalid_argument);
}

TEST(AggregatePassAtK, AveragesItemsAndSkipsThoseWithTooFewSamples) {
  const std::vector<ItemCounts> items = {{5, 2}, {5, 0}, {5, 5}, {3, 1}};
  const PassAtK p2 = aggregate_pass_at_k(items, 2, 0.95, 200, 7);
  EXPECT_EQ(p2.items, 4);
  EXPECT_EQ(p2.skipped, 0);
  EXPECT_NEAR(p2.value, (0.7 + 0.0 + 1.0 + (1.0 - 1.0 / 3.0)) / 4.0, 1e-12);
  EXPECT_LE(p2.ci.lo, p2.value);
  EXPECT_GE(p2.ci.hi, p2.value);

  const PassAtK p5 = aggregate_pass_at_k(items, 5, 0.95, 200, 7);
  EXPECT_EQ(p5.items, 3);
  EXPECT_EQ(p5.skipped, 1);
  EXPECT_NEAR(p5.value, (1.0 + 0.0 + 1.0) / 3.0, 1e-12);
}

TEST(AggregatePassAtK, IsSeededAndReproducible) {
  std::vector<ItemCounts> items;
  for (int i = 0; i < 50; ++i) items.push_back({10, i % 11});
  const PassAtK a = aggregate_pass_at_k(items, 5, 0.95, 500, 3);
  const PassAtK b = aggregate_pass_at_k(items, 5, 0.95, 500, 3);
  EXPECT_EQ(a.ci.lo, b.ci.lo);
  EXPECT_EQ(a.ci.hi, b.ci.hi);
  EXPECT_LT(a.ci.lo, a.value);
  EXPECT_GT(a.ci.hi, a.value);
}

TEST(ReportedKs, FollowsTheConvention) {
  EXPECT_EQ(reported_ks(1), (std::vector<int>{1}));
  EXPECT_EQ(reported_ks(3), (std::vector<int>{1, 3}));
  EXPECT_EQ(reported_ks(5), (std::vector<int>{1, 5}));
  EXPECT_EQ(reported_ks(10), (std::vector<int>{1, 5, 10}));
  EXPECT_EQ(reported_ks(20), (std::vector<int>{1, 5, 10, 20}));
}

}  // namespace
}  // namespace rbench::stats
