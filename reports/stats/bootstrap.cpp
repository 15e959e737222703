// Percentile bootstrap; see bootstrap.h.
#include "reports/stats/bootstrap.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "reports/stats/random.h"

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

namespace {

// Rounds are drawn in blocks, each from its own stream of the seed (block b: stream b), so the
// blocks may run on any threads in any order and still give the same rounds.
constexpr int kRoundsPerBlock = 16;
// Below this many draws in all, threads cost more than they save.
constexpr std::uint64_t kParallelDraws = std::uint64_t{1} << 18;
// A resample of n values with few distinct ones is drawn as their multinomial counts (one
// binomial draw per distinct value, O(log n) each) instead of n indices: the same distribution
// of resampled means, at a cost independent of n. Worth it when n is this many times the number
// of distinct values, and the distinct values are at most kMaxCategories.
constexpr std::uint64_t kValuesPerCategory = 256;
constexpr std::size_t kMaxCategories = 64;

// out[i] = round(rng) for every round, blocks of rounds in parallel when the work is large.
template <class Round>
void draw_rounds(std::vector<double>& out, std::uint64_t seed, std::uint64_t draws_per_round,
                 const Round& round) {
  const int rounds = static_cast<int>(out.size());
  const int blocks = (rounds + kRoundsPerBlock - 1) / kRoundsPerBlock;
  const auto block = [&](int b) {
    Xoshiro256 rng(seed, static_cast<std::uint64_t>(b));
    const int last = std::min(rounds, (b + 1) * kRoundsPerBlock);
    for (int i = b * kRoundsPerBlock; i < last; ++i) out[static_cast<std::size_t>(i)] = round(rng);
  };
  if (draws_per_round * out.size() < kParallelDraws) {
    for (int b = 0; b < blocks; ++b) block(b);
    return;
  }
  tbb::parallel_for(0, blocks, block);
}

// The distinct values of `values` (in order of appearance) and how often each occurs; empty when
// there are too many for the multinomial draw to pay off.
struct Categories {
  std::vector<double> values;
  std::vector<std::int64_t> counts;
};
Categories categories_of(std::span<const double> values) {
  const std::size_t most =
      std::min(kMaxCategories, static_cast<std::size_t>(values.size() / kValuesPerCategory));
  Categories out;
  for (const double v : values) {
    const auto it = std::find(out.values.begin(), out.values.end(), v);
    if (it != out.values.end()) {
      ++out.counts[static_cast<std::size_t>(it - out.values.begin())];
      continue;
    }
    if (out.values.size() == most) return {};
    out.values.push_back(v);
    out.counts.push_back(1);
  }
  return out;
}

}  // namespace

std::vector<double> bootstrap_means(std::span<const double> values, int rounds,
                                    std::uint64_t seed) {
  if (values.size() < 2 || rounds <= 0) return {};
  const std::uint64_t n = values.size();
  std::vector<double> means(static_cast<std::size_t>(rounds));
  const Categories categories = categories_of(values);
  if (!categories.values.empty()) {
    // Multinomial counts as successive binomials: each value's count among the draws left.
    const std::size_t k = categories.values.size();
    draw_rounds(means, seed, k * 64, [&](Xoshiro256& rng) {
      std::int64_t left = static_cast<std::int64_t>(n);
      std::int64_t mass = left;
      double sum = 0;
      for (std::size_t c = 0; c + 1 < k && left > 0; ++c) {
        const std::int64_t count = categories.counts[c];
        const std::int64_t drawn =
            binomial(rng, left, static_cast<double>(count) / static_cast<double>(mass));
        sum += static_cast<double>(drawn) * categories.values[c];
        left -= drawn;
        mass -= count;
      }
      sum += static_cast<double>(left) * categories.values[k - 1];
      return sum / static_cast<double>(n);
    });
    return means;
  }
  draw_rounds(means, seed, n, [&](Xoshiro256& rng) {
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += values[uniform_below(rng, n)];
    return sum / static_cast<double>(n);
  });
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
  // Drawn as bootstrap_means draws indices (the same blocks and streams of the seed); a
  // resample without a correct answer has no ratio (NaN, dropped below).
  std::vector<double> drawn(static_cast<std::size_t>(rounds));
  const std::uint64_t size = n;
  draw_rounds(drawn, seed, 2 * size, [&](Xoshiro256& rng) {
    double t = 0, b = 0;
    for (std::uint64_t i = 0; i < size; ++i) {
      const std::uint64_t r = uniform_below(rng, size);
      t += numerators[r];
      b += denominators[r];
    }
    return b > 0 ? t / b : std::numeric_limits<double>::quiet_NaN();
  });
  std::vector<double> ratios;
  ratios.reserve(drawn.size());
  for (const double r : drawn) {
    if (!std::isnan(r)) ratios.push_back(r);
  }
  if (ratios.empty()) return out;
  const double alpha = (1 - confidence) / 2;
  out.ci = {quantile(ratios, alpha), quantile(ratios, 1 - alpha)};
  return out;
}

}  // namespace rbench::stats
