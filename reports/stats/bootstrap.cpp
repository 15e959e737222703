#include "reports/stats/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace rbench::stats {

double mean(std::span<const double> values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double quantile(std::span<const double> values, double q) {
  if (values.empty()) return 0;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::vector<double> bootstrap_means(std::span<const double> values, int rounds,
                                    std::uint64_t seed) {
  if (values.size() < 2 || rounds <= 0) return {};
  // mt19937_64 with uniform index draws by modulo-free rejection (uniform_int_distribution is
  // implementation-defined, so results could differ between standard libraries; this does not).
  std::mt19937_64 rng(seed);
  const std::uint64_t n = values.size();
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::vector<double> means(static_cast<std::size_t>(rounds));
  for (auto& m : means) {
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t r;
      do r = rng();
      while (r >= limit);
      sum += values[r % n];
    }
    m = sum / static_cast<double>(n);
  }
  return means;
}

Interval bootstrap_mean_ci(std::span<const double> values, double confidence, int rounds,
                           std::uint64_t seed) {
  if (values.empty()) return {};
  const std::vector<double> means = bootstrap_means(values, rounds, seed);
  if (means.empty()) {
    const double m = mean(values);
    return {m, m};
  }
  const double alpha = (1 - confidence) / 2;
  return {quantile(means, alpha), quantile(means, 1 - alpha)};
}

std::optional<RatioEstimate> bootstrap_ratio_ci(std::span<const double> numerators,
                                                std::span<const double> denominators,
                                                double confidence, int rounds, std::uint64_t seed) {
  const std::size_t n = std::min(numerators.size(), denominators.size());
  double top = 0, bottom = 0;
  for (std::size_t i = 0; i < n; ++i) {
    top += numerators[i];
    bottom += denominators[i];
  }
  if (n == 0 || bottom <= 0) return std::nullopt;
  RatioEstimate out;
  out.value = top / bottom;
  out.ci = {out.value, out.value};
  if (n == 1 || rounds <= 0) return out;
  // The same draws as bootstrap_mean_ci (see there), so intervals of one report reproduce.
  std::mt19937_64 rng(seed);
  const std::uint64_t size = n;
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % size;
  std::vector<double> ratios;
  ratios.reserve(static_cast<std::size_t>(rounds));
  for (int round = 0; round < rounds; ++round) {
    double t = 0, b = 0;
    for (std::uint64_t i = 0; i < size; ++i) {
      std::uint64_t r;
      do r = rng();
      while (r >= limit);
      t += numerators[r % size];
      b += denominators[r % size];
    }
    if (b > 0) ratios.push_back(t / b);
  }
  if (ratios.empty()) return out;
  const double alpha = (1 - confidence) / 2;
  out.ci = {quantile(ratios, alpha), quantile(ratios, 1 - alpha)};
  return out;
}

}  // namespace rbench::stats
