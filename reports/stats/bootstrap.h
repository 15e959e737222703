// Percentile-bootstrap confidence intervals, seeded so that reports reproduce exactly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace rbench::stats {

struct Interval {
  double lo = 0;
  double hi = 0;
};

// Mean of `values` with a percentile bootstrap CI: `rounds` resamples with replacement drawn from
// a generator seeded with `seed`. Empty input gives {0, 0}; a single value gives {v, v}.
Interval bootstrap_mean_ci(std::span<const double> values, double confidence = 0.95,
                           int rounds = 1000, std::uint64_t seed = 0);

// The `rounds` resampled means behind bootstrap_mean_ci (the same draws for the same seed), for
// figures that need the bootstrap distribution itself (a standard error, a p-value). Empty when
// `values` has fewer than two values or rounds <= 0.
std::vector<double> bootstrap_means(std::span<const double> values, int rounds, std::uint64_t seed);

double mean(std::span<const double> values);

// Linear interpolation between closest ranks (numpy's default "linear" method); q in [0, 1].
double quantile(std::span<const double> values, double q);

}  // namespace rbench::stats
