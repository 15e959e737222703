// The Mann-Whitney U test against scipy's figures, the exact null distribution against brute
// force, and the choice between the exact test and the normal approximation.
//
// Reference values: scipy 1.10.1 (Debian's python3-scipy),
//   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method=M, use_continuity=True)
// with M = "exact" or "asymptotic" as each test says; statistic = U of x, pvalue = p.
#include "reports/stats/mann_whitney.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace rbench::stats {
namespace {

constexpr double kRelTol = 1e-9;  // scipy's figures are printed to full double precision

void expect_p(double actual, double reference) {
  EXPECT_NEAR(actual, reference, reference * kRelTol) << "p = " << actual;
}

TEST(MannWhitney, ExactSmallSamplesMatchScipy) {
  const std::vector<double> x = {1.1, 2.3, 3.5, 4.2, 5.9};
  const std::vector<double> y = {3.0, 6.1, 7.4, 8.8, 9.0, 10.2};
  const MannWhitneyResult r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, MannWhitneyMethod::exact);
  EXPECT_DOUBLE_EQ(r.u, 3.0);
  expect_p(r.p, 0.030303030303030304);  // scipy, method="exact"
  // The same samples swapped: U is the other side's, p the same.
  const MannWhitneyResult swapped = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(swapped.u, 27.0);
  expect_p(swapped.p, 0.030303030303030304);
}

TEST(MannWhitney, ExactAndNormalApproximationOnTheSameSamples) {
  const std::vector<double> a = {12.1, 11.4, 13.9, 12.8, 10.7, 12.2, 13.1, 11.9, 12.5, 14.0};
  const std::vector<double> b = {13.3, 14.2, 12.9, 15.1, 13.8, 14.7, 12.6, 15.5, 14.4, 13.6};
  const MannWhitneyResult exact = mann_whitney_u(a, b, MannWhitneyMethod::exact);
  const MannWhitneyResult normal = mann_whitney_u(a, b, MannWhitneyMethod::normal);
  EXPECT_DOUBLE_EQ(exact.u, 13.0);
  EXPECT_DOUBLE_EQ(normal.u, 13.0);
  expect_p(exact.p, 0.003886206672584382);                           // scipy, method="exact"
  expect_p(normal.p, 0.00579535854433471);                           // scipy, method="asymptotic"
  EXPECT_EQ(mann_whitney_u(a, b).method, MannWhitneyMethod::exact);  // 10 vs 10, no ties

  const std::vector<double> x = {1.1, 2.3, 3.5, 4.2, 5.9};
  const std::vector<double> y = {3.0, 6.1, 7.4, 8.8, 9.0, 10.2};
  expect_p(mann_whitney_u(x, y, MannWhitneyMethod::normal).p, 0.03576376659097789);
}

TEST(MannWhitney, TiesUseMidRanksAndTheTieCorrectedVariance) {
  const std::vector<double> x = {1, 2, 2, 3, 3, 3, 4};
  const std::vector<double> y = {3, 4, 4, 5, 5, 6};
  const MannWhitneyResult r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, MannWhitneyMethod::normal);  // ties: the exact distribution does not hold
  EXPECT_DOUBLE_EQ(r.u, 3.5);
  expect_p(r.p, 0.012999854364387305);  // scipy, method="asymptotic"
  EXPECT_THROW(mann_whitney_u(x, y, MannWhitneyMethod::exact), std::invalid_argument);
}

TEST(MannWhitney, AllValuesTiedGivesPOne) {
  const std::vector<double> x = {5, 5, 5};
  const std::vector<double> y = {5, 5, 5, 5};
  const MannWhitneyResult r = mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(r.u, 6.0);
  EXPECT_DOUBLE_EQ(r.p, 1.0);  // scipy: 1.0
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  const std::vector<double> x = {100.012, 102.987, 97.259,  91.094,  95.453,  90.084,  100.601,
                                 113.402, 95.078,  93.795,  104.898, 103.569, 101.054, 90.695,
                                 99.707,  106.953, 86.558,  95.424,  80.988,  87.105,  81.583,
                                 97.649,  87.326,  102.713, 101.568};
  const std::vector<double> y = {
      104.131, 80.832,  100.613, 105.515, 107.133, 90.699,  101.222, 96.215,  97.912,  116.609,
      97.925,  105.675, 114.844, 100.164, 104.883, 107.105, 106.638, 93.749,  106.761, 119.588,
      90.529,  114.594, 107.194, 99.585,  126.004, 113.623, 94.007,  106.745, 111.767, 104.112};
  const MannWhitneyResult r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, MannWhitneyMethod::normal);  // 25 vs 30
  EXPECT_DOUBLE_EQ(r.u, 188.0);
  expect_p(r.p, 0.001619202061991673);  // scipy, method="asymptotic"
}

TEST(MannWhitney, SwitchesToTheApproximationAboveTwentyValues) {
  std::vector<double> x(20), y(20);
  std::iota(x.begin(), x.end(), 1.0);   // 1..20
  std::iota(y.begin(), y.end(), 21.0);  // 21..40
  MannWhitneyResult r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, MannWhitneyMethod::exact);
  expect_p(r.p, 1.4508889103849684e-11);  // scipy, method="exact": 2 / C(40, 20)
  x.push_back(21.5);
  y.assign(21, 0);
  std::iota(y.begin(), y.end(), 22.0);  // 22..42
  r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, MannWhitneyMethod::normal);
  expect_p(r.p, 3.125399998400872e-08);  // scipy, method="asymptotic", x = 1..21 (same ranks)
}

// Brute force over every way of choosing which n1 of the n1 + n2 ranks belong to x.
std::vector<double> brute_force_counts(std::size_t n1, std::size_t n2) {
  const std::size_t n = n1 + n2;
  std::vector<double> counts(n1 * n2 + 1, 0.0);
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcount(mask)) != n1) continue;
    std::size_t u = 0;
    std::size_t ys_below = 0;  // ranks ascend with the bit index
    for (std::size_t bit = 0; bit < n; ++bit) {
      if (mask & (1u << bit)) {
        u += ys_below;
      } else {
        ++ys_below;
      }
    }
    counts[u] += 1;
  }
  return counts;
}

TEST(MannWhitney, ExactNullDistributionMatchesBruteForce) {
  EXPECT_EQ(u_null_counts(2, 2), (std::vector<double>{1, 1, 2, 1, 1}));  // the 6 orderings
  for (const auto& [n1, n2] : std::vector<std::pair<std::size_t, std::size_t>>{
           {1, 1}, {1, 5}, {3, 4}, {5, 6}, {7, 7}, {4, 9}}) {
    EXPECT_EQ(u_null_counts(n1, n2), brute_force_counts(n1, n2)) << n1 << " vs " << n2;
  }
  // C(40, 20) orderings in all, held exactly.
  const std::vector<double> big = u_null_counts(20, 20);
  EXPECT_EQ(std::accumulate(big.begin(), big.end(), 0.0), 137846528820.0);
  EXPECT_THROW(u_null_counts(21, 3), std::invalid_argument);
}

TEST(MannWhitney, SmallestAttainablePTellsWhatSampleSizesCanShow) {
  EXPECT_DOUBLE_EQ(smallest_two_sided_p(2, 2), 1.0 / 3);      // scipy: 0.3333333333333333
  EXPECT_DOUBLE_EQ(smallest_two_sided_p(3, 3), 0.1);          // scipy: 0.1
  expect_p(smallest_two_sided_p(4, 4), 0.02857142857142857);  // scipy: 2 / 70
  EXPECT_DOUBLE_EQ(smallest_two_sided_p(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(smallest_two_sided_p(0, 5), 1.0);
  expect_p(smallest_two_sided_p(10, 10), 2.0 / 184756);
  EXPECT_LT(smallest_two_sided_p(30, 30), 1e-9);  // normal approximation, still tiny
}

TEST(MannWhitney, RejectsEmptySamplesAndNaN) {
  const std::vector<double> some = {1, 2};
  EXPECT_THROW(mann_whitney_u(some, std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(mann_whitney_u(std::vector<double>{1, NAN}, some), std::invalid_argument);
}

}  // namespace
}  // namespace rbench::stats
