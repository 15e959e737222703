// Paired comparison: McNemar's exact p-values against references computed exactly (Python's
// fractions; the same values as scipy.stats.binomtest(b, b + c, 0.5).pvalue), Holm's adjustment
// against its definition (statsmodels' "holm"), and a paired bootstrap that separates a gap the
// per-model intervals cannot.
#include "reports/stats/paired.h"

#include <gtest/gtest.h>

#include <vector>

namespace rbench::stats {
namespace {

TEST(Paired, McNemarExactMatchesTheBinomialReference) {
  struct Case {
    int b, c;
    double p;
  };
  const Case cases[] = {{5, 0, 0.0625},
                        {10, 3, 0.09228515625},
                        {3, 10, 0.09228515625},
                        {7, 7, 1.0},
                        {0, 0, 1.0},
                        {1, 0, 1.0},
                        {25, 12, 0.04703102743951604},
                        {60, 40, 0.05688793364098079},
                        {520, 480, 0.21744829320414094},
                        {5000, 5200, 0.04878796312682245},
                        // /usr/bin/python3 (scipy 1.10.1):
                        //   from scipy.stats import binomtest
                        //   for b, c in [(13, 4), (120, 95), (1500, 1400), (2, 9), (0, 6)]:
                        //       print(b, c, repr(binomtest(b, b + c, 0.5).pvalue))
                        {13, 4, 0.049041748046875},
                        {120, 95, 0.10145232764870683},
                        {1500, 1400, 0.06598734966518464},
                        {2, 9, 0.0654296875},
                        {0, 6, 0.03125}};
  for (const Case& c : cases) {
    EXPECT_NEAR(mcnemar_exact_p(c.b, c.c), c.p, 1e-9 * std::max(1.0, c.p)) << c.b << " vs " << c.c;
  }
  // Far in the tail, still finite and positive (log-space sum).
  const double tiny = mcnemar_exact_p(100000, 90000);
  EXPECT_GT(tiny, 0);
  EXPECT_LT(tiny, 1e-100);
}

TEST(Paired, HolmAdjustmentFollowsItsDefinition) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.20};
  const std::vector<double> adjusted = holm_adjust(p);
  const std::vector<double> expected = {0.04, 0.09, 0.09, 0.2};
  ASSERT_EQ(adjusted.size(), expected.size());
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(adjusted[i], expected[i], 1e-12) << i;
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
  EXPECT_DOUBLE_EQ(holm_adjust(std::vector<double>{0.7})[0], 0.7);
}

TEST(Paired, PairingSeparatesAGapThatOverlappingIntervalsHide) {
  // 200 items: B right on the first 100, A right on the same 100 and 10 more.
  std::vector<PairedItem> items;
  std::vector<double> a_alone, b_alone;
  for (int i = 0; i < 200; ++i) {
    const double b = i < 100 ? 1 : 0;
    const double a = i < 110 ? 1 : 0;
    items.push_back({a, b, true});
    a_alone.push_back(a);
    b_alone.push_back(b);
  }
  const PairedComparison r = compare_paired(items, 0.95, 2000, 7);
  EXPECT_EQ(r.items, 200u);
  EXPECT_DOUBLE_EQ(r.accuracy_a, 0.55);
  EXPECT_DOUBLE_EQ(r.accuracy_b, 0.50);
  EXPECT_NEAR(r.difference, 0.05, 1e-12);
  EXPECT_EQ(r.both_correct, 100);
  EXPECT_EQ(r.only_a, 10);
  EXPECT_EQ(r.only_b, 0);
  EXPECT_EQ(r.neither, 90);
  ASSERT_TRUE(r.mcnemar_p.has_value());
  EXPECT_DOUBLE_EQ(*r.mcnemar_p, 0.001953125);  // 2 / 2^10
  EXPECT_GT(r.difference_ci.lo, 0);             // the paired interval excludes 0
  EXPECT_LT(r.difference_ci.hi, 0.1);
  // ... while the models' own intervals overlap.
  const Interval ia = bootstrap_mean_ci(a_alone, 0.95, 2000, 7);
  const Interval ib = bootstrap_mean_ci(b_alone, 0.95, 2000, 7);
  EXPECT_LT(ia.lo, ib.hi);
  // Reproducible: the same seed gives the same interval.
  const PairedComparison again = compare_paired(items, 0.95, 2000, 7);
  EXPECT_EQ(again.difference_ci.lo, r.difference_ci.lo);
  EXPECT_EQ(again.difference_ci.hi, r.difference_ci.hi);
}

TEST(Paired, SeveralSamplesPerItemUseTheBootstrapAlone) {
  const std::vector<PairedItem> items = {{0.75, 0.25, false}, {1.0, 0.5, false}, {0.5, 0.5, false}};
  const PairedComparison r = compare_paired(items);
  EXPECT_FALSE(r.mcnemar_p.has_value());
  EXPECT_EQ(r.only_a + r.only_b + r.both_correct + r.neither, 0);
  EXPECT_NEAR(r.difference, (0.5 + 0.5 + 0.0) / 3, 1e-12);
  EXPECT_TRUE(compare_paired(std::vector<PairedItem>{}).items == 0);
}

TEST(Paired, BootstrapMatchesTheLargeSampleReference) {
  // 3,000 items with several samples each (fractions in quarters and thirds). Over this many items
  // the bootstrap of the mean difference is normal: its interval and p-value should match the
  // paired t-test's (scipy 1.10.1, /usr/bin/python3):
  //   import numpy as np, scipy.stats as st
  //   n = 3000
  //   a = np.array([((i * 7) % 5) / 4 for i in range(n)])
  //   b = np.array([0.0 if i % 20 == 0 else ((i * 3 + 1) % 4) / 3 for i in range(n)])
  //   d = a - b; print(repr(d.mean()), repr(d.std() / np.sqrt(n)))
  //   r = st.ttest_rel(a, b); print(repr(r.pvalue), r.confidence_interval(0.95))
  // gives 0.016666666666666687, 0.009274616893355677 (standard error, ddof 0), p =
  // 0.07248068999978172, interval [-0.0015216193742359392, 0.03485495270756932].
  std::vector<PairedItem> items;
  for (int i = 0; i < 3000; ++i) {
    items.push_back({((i * 7) % 5) / 4.0, i % 20 == 0 ? 0.0 : ((i * 3 + 1) % 4) / 3.0, false});
  }
  const PairedComparison r = compare_paired(items, 0.95, 4000, 3);
  EXPECT_NEAR(r.difference, 0.016666666666666687, 1e-12);
  EXPECT_FALSE(r.mcnemar_p.has_value());
  // Monte Carlo error with 4,000 resamples: about 1% of the standard error, a few % of the tails.
  EXPECT_NEAR(r.bootstrap_se, 0.009274616893355677, 0.03 * 0.009274616893355677);
  EXPECT_NEAR(r.bootstrap_p, 0.07248068999978172, 0.012);
  EXPECT_NEAR(r.difference_ci.lo, -0.0015216193742359392, 0.0015);
  EXPECT_NEAR(r.difference_ci.hi, 0.03485495270756932, 0.0015);
}

TEST(Paired, BootstrapWithoutSpreadFallsBackToTheSignTest) {
  // Every item differs alike: the resamples all agree, so the normal p would be 0 whatever the
  // number of items. The sign test over items is used instead: 3 items are not enough.
  const std::vector<PairedItem> three(3, PairedItem{1.0, 0.5, false});
  const PairedComparison r = compare_paired(three);
  EXPECT_EQ(r.bootstrap_se, 0);
  EXPECT_DOUBLE_EQ(r.bootstrap_p, 0.25);  // 2 / 2^3
  const std::vector<PairedItem> same(5, PairedItem{0.5, 0.5, false});
  EXPECT_DOUBLE_EQ(compare_paired(same).bootstrap_p, 1.0);
  EXPECT_DOUBLE_EQ(normal_two_sided_p(0.0, 0.0), 1.0);
  // |z| = 1.959963984540054: p = 0.05 (scipy.stats.norm.ppf(0.975)).
  EXPECT_NEAR(normal_two_sided_p(-1.959963984540054, 1.0), 0.05, 1e-12);
}

}  // namespace
}  // namespace rbench::stats
