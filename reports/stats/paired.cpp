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

double normal_two_sided_p(double difference, double se) {
  if (se <= 0) return difference == 0 ? 1.0 : 0.0;  // no spread: certain either way
  return std::erfc(std::abs(difference) / se / std::sqrt(2.0));
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
  int a_ahead = 0, b_ahead = 0;
  for (const PairedItem& item : items) {
    sum_a += item.a;
    sum_b += item.b;
    differences.push_back(item.a - item.b);
    a_ahead += item.a > item.b;
    b_ahead += item.b > item.a;
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
  // Resampling items and taking mean(a) - mean(b) is the mean of the resampled differences: the
  // same draws as bootstrap_mean_ci, kept to give the standard error as well.
  const std::vector<double> means = bootstrap_means(differences, rounds, seed);
  if (means.empty()) {
    r.difference_ci = {r.difference, r.difference};
  } else {
    const double alpha = (1 - confidence) / 2;
    r.difference_ci = {quantile(means, alpha), quantile(means, 1 - alpha)};
    const double m = mean(means);
    double squares = 0;
    for (const double x : means) squares += (x - m) * (x - m);
    r.bootstrap_se = std::sqrt(squares / static_cast<double>(means.size()));
  }
  if (r.bootstrap_se > 0) {
    r.bootstrap_p = normal_two_sided_p(r.difference, r.bootstrap_se);
  } else if (r.difference != 0) {
    r.bootstrap_p = mcnemar_exact_p(a_ahead, b_ahead);  // the sign test over items
  }
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
