// Percentile-bootstrap confidence intervals, seeded so that reports reproduce exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rbench::stats {

struct Interval {
  double lo = 0;
  double hi = 0;
};

// Mean of `values` with a percentile bootstrap CI: `rounds` resamples with replacement drawn from
// a generator seeded with `seed`. Empty input gives {0, 0}; a single value gives {v, v}.
//
// The draws (reports/stats/random.h): rounds in blocks of 16, block b from stream b of the seed's
// xoshiro256**, so blocks run in parallel (oneTBB) and the figures stay the same on any number
// of threads. Values with few distinct ones (0/1 outcomes: at most 64 distinct, and at least 256
// values per distinct one) are resampled as the multinomial counts of their distinct values, a
// binomial draw each: the same bootstrap distribution as drawing n indices, at a cost that does
// not grow with n.
Interval bootstrap_mean_ci(std::span<const double> values, double confidence = 0.95,
                           int rounds = 1000, std::uint64_t seed = 0);

// The `rounds` resampled means behind bootstrap_mean_ci (the same draws for the same seed), for
// figures that need the bootstrap distribution itself (a standard error, a p-value). Empty when
// `values` has fewer than two values or rounds <= 0.
std::vector<double> bootstrap_means(std::span<const double> values, int rounds, std::uint64_t seed);
// sum(numerators) / sum(denominators) with a percentile bootstrap CI over the pairs (items),
// drawn as bootstrap_mean_ci draws indices (same seed, same streams). Resamples whose denominators
// sum to 0 have no ratio and are left out of the percentiles. nullopt when the pairs are empty or
// their denominators all 0. For cost per correct answer: (cost, correct answers) per item.
struct RatioEstimate {
  double value = 0;
  Interval ci;
};
std::optional<RatioEstimate> bootstrap_ratio_ci(std::span<const double> numerators,
                                                std::span<const double> denominators,
                                                double confidence = 0.95, int rounds = 1000,
                                                std::uint64_t seed = 0);

double mean(std::span<const double> values);

// Linear interpolation between closest ranks (numpy's default "linear" method); q in [0, 1].
double quantile(std::span<const double> values, double q);

}  // namespace rbench::stats
