// pass@k: the probability that at least one of k samples drawn (without replacement) from an
// item's n samples is correct, given that c of them are. The unbiased estimator of Chen et al.
// 2021 ("Evaluating Large Language Models Trained on Code"), averaged over items, with a
// bootstrap CI over items.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "reports/stats/bootstrap.h"

namespace rbench::stats {

// 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i) so that it stays exact
// in floating point for any n. Requires 0 <= c <= n and 1 <= k <= n (throws
// std::invalid_argument otherwise).
double pass_at_k(int n, int c, int k);

struct ItemCounts {
  int n = 0;  // samples scored for the item
  int c = 0;  // of them correct
};

struct PassAtK {
  int k = 0;
  double value = 0;          // mean over the items with n >= k
  Interval ci;               // percentile bootstrap over those items
  std::int64_t items = 0;    // items that entered the mean
  std::int64_t skipped = 0;  // items with fewer than k scored samples (left out, counted)
};

// pass@k over items; items with n < k are left out and counted in `skipped`.
PassAtK aggregate_pass_at_k(std::span<const ItemCounts> items, int k, double confidence = 0.95,
                            int rounds = 1000, std::uint64_t seed = 0);

// The k to report for items that have up to `max_n` samples each: 1, 5, 10 where max_n allows
// (the field's convention), plus max_n itself when it is not among them.
std::vector<int> reported_ks(int max_n);

}  // namespace rbench::stats
