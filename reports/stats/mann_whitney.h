// The Mann-Whitney U test (Wilcoxon rank-sum), two-sided: do two samples come from the same
// distribution, or does one tend to give larger values? It assumes nothing about the shape of
// the distributions, which suits timings: skewed, with outliers from a noisy machine.
//
// How p is computed:
//  * Exact, when both samples have at most kExactMaxSize values and there are no ties: the null
//    distribution of U is counted over all C(n1 + n2, n1) orderings of the two samples (a
//    recurrence on the largest value), and p = 2 * P(U >= max(U1, U2)), capped at 1. Exact
//    because this is where the normal approximation is poorest and where gates run (5-20
//    repetitions); counts stay below 2^53, so doubles hold them exactly.
//  * Otherwise the normal approximation with continuity correction: ranks are mid-ranks over
//    ties, sigma^2 = n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))) over groups of t tied
//    values, z = (|U1 - n1 n2 / 2| - 0.5) / sigma, p = 2 * (1 - Phi(z)), capped at 1. The exact
//    distribution above does not hold under ties, hence the switch.
// These are scipy.stats.mannwhitneyu's formulas (method "exact" / "asymptotic",
// use_continuity=True); only the choice between them differs (scipy's "auto" goes exact up to
// 8 values).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace rbench::stats {

inline constexpr std::size_t kExactMaxSize = 20;

enum class MannWhitneyMethod { exact, normal };

struct MannWhitneyResult {
  // U of the first sample: the pairs (x, y) with x > y, plus half of the tied pairs. The second
  // sample's U is n1 n2 - u.
  double u = 0;
  double p = 1;  // two-sided
  MannWhitneyMethod method = MannWhitneyMethod::exact;
};

// The test of x against y with the method chosen as above. Both samples must be non-empty and
// free of NaN (throws std::invalid_argument otherwise).
MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y);

// The same with the method forced (to compare the two); exact throws std::invalid_argument when
// the samples have ties or more than kExactMaxSize values.
MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                 MannWhitneyMethod method);

// counts[u] = how many of the C(n1 + n2, n1) orderings of two tie-free samples give U1 = u,
// for u in [0, n1 n2]. Requires n1, n2 <= kExactMaxSize.
std::vector<double> u_null_counts(std::size_t n1, std::size_t n2);

// The smallest two-sided p that samples of sizes n1 and n2 can give at all (complete separation,
// no ties), by the method the test would use for them: 2 / C(n1 + n2, n1) when exact. Above
// alpha, no data of these sizes can be significant: 2 vs 2 gives 0.33, 3 vs 3 gives 0.1,
// 4 vs 4 gives 0.029. 1 when a sample is empty.
double smallest_two_sided_p(std::size_t n1, std::size_t n2);

}  // namespace rbench::stats
