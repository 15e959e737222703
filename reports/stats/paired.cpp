#include "reports/stats/paired.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rbench::stats {

double mcnemar_exact_p(int only_a, int only_b) {
  const int n = only_a + only_b;
  if (n <= 0) return 1.0;
  const int k = std::min(only_a, only_b);
  if (2 * k == n) return 1.0;
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that n in the hundreds of
  // thousands neither overflows nor underflows before the terms that matter.
  const double log_half_n = n * std::log(0.5);
  double max_log = -INFINITY;
  std::vector<double> logs(static_cast<std::size_t>(k) + 1);
  for (int i = 0; i <= k; ++i) {
    logs[static_cast<std::size_t>(i)] =
        std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + log_half_n;
    max_log = std::max(max_log, logs[static_cast<std::size_t>(i)]);
  }
  double sum = 0;
  for (const double l : logs) sum += std::exp(l - max_log);
  return std::min(1.0, 2.0 * std::exp(max_log + std::log(sum)));
}

PairedComparison compare_paired(std::span<const PairedItem> items, double confidence, int rounds,
                                std::uint64_t seed) {
  PairedComparison r;
  r.items = items.size();
  if (items.empty()) return r;
  std::vector<double> differences;
  differences.reserve(items.size());
  bool single = true;
  double sum_a = 0, sum_b = 0;
  for (const PairedItem& item : items) {
    sum_a += item.a;
    sum_b += item.b;
    differences.push_back(item.a - item.b);
    single = single && item.single_sample;
    const bool a = item.a >= 0.5, b = item.b >= 0.5;
    r.both_correct += a && b;
    r.only_a += a && !b;
    r.only_b += !a && b;
    r.neither += !a && !b;
  }
  const auto n = static_cast<double>(items.size());
  r.accuracy_a = sum_a / n;
  r.accuracy_b = sum_b / n;
  r.difference = r.accuracy_a - r.accuracy_b;
  // Resampling items and taking mean(a) - mean(b) is the mean of the resampled differences.
  r.difference_ci = bootstrap_mean_ci(differences, confidence, rounds, seed);
  if (single) {
    r.mcnemar_p = mcnemar_exact_p(r.only_a, r.only_b);
  } else {
    r.both_correct = r.only_a = r.only_b = r.neither = 0;  // no 2x2 table with several samples
  }
  return r;
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return p_values[x] < p_values[y]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (std::size_t rank = 0; rank < m; ++rank) {
    const std::size_t i = order[rank];
    running = std::max(running, std::min(1.0, static_cast<double>(m - rank) * p_values[i]));
    adjusted[i] = running;
  }
  return adjusted;
}

}  // namespace rbench::stats
