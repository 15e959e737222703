// Paired comparison of two models on their common items: the difference in accuracy with a
// paired bootstrap interval (resampling items, so each item's pair of outcomes stays together),
// and with one sample per item McNemar's exact test (a two-sided binomial test on the discordant
// pairs). Pairing removes the items' own difficulty from the noise, so a gap that overlapping
// per-model intervals leave open can be told apart.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "reports/stats/bootstrap.h"

namespace rbench::stats {

// One common item: the fraction of each model's samples that were correct (0 or 1 with one
// sample), and whether both sides have exactly one sample.
struct PairedItem {
  double a = 0;
  double b = 0;
  bool single_sample = true;
};

struct PairedComparison {
  std::size_t items = 0;
  double accuracy_a = 0;
  double accuracy_b = 0;
  double difference = 0;  // accuracy_a - accuracy_b
  Interval difference_ci;
  // One sample per item on both sides: the 2x2 table and McNemar's exact p-value.
  int both_correct = 0;
  int only_a = 0;
  int only_b = 0;
  int neither = 0;
  std::optional<double> mcnemar_p;
  // From the same resamples as the interval: their standard deviation (the bootstrap standard
  // error of the difference), and the two-sided p-value of "no difference" it gives under the
  // normal approximation, erfc(|difference| / se / sqrt 2). A normal p rather than the resamples'
  // tail share: that share cannot go below 1 / rounds, too coarse for Holm's adjustment over many
  // pairs. With se = 0 (every item differs alike, or a single item) the normal approximation says
  // nothing: 1 when the difference is 0, else the exact sign test over the items (the binomial
  // test of the items where A's fraction is higher against those where B's is), so that a few
  // items are never significant by themselves.
  double bootstrap_se = 0;
  double bootstrap_p = 1;
};

// Two-sided exact binomial test of `only_a` successes in `only_a + only_b` trials at p = 1/2
// (scipy.stats.binomtest(only_a, n, 0.5).pvalue): 1 when there are no discordant pairs.
double mcnemar_exact_p(int only_a, int only_b);

// erfc(|difference| / se / sqrt 2); with se <= 0: 1 when the difference is 0, else 0.
double normal_two_sided_p(double difference, double se);

PairedComparison compare_paired(std::span<const PairedItem> items, double confidence = 0.95,
                                int rounds = 1000, std::uint64_t seed = 0);

// Holm's step-down adjustment of several p-values (family-wise error), in the input order.
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace rbench::stats
