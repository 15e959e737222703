// Gamma-distributed inter-arrival gaps (Marsaglia and Tsang's method), from our own generator so
// that a seed means the same schedule everywhere.
#include "harness/probe/arrivals.h"

#include <cmath>
#include <random>

namespace rbench::probe {
namespace {

// Uniform in (0, 1) from 53 random bits: never 0, so logs stay finite.
double uniform(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double standard_normal(std::mt19937_64& rng) {
  // Box-Muller; one of the pair is enough here.
  const double u1 = uniform(rng), u2 = uniform(rng);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// Gamma(shape, 1). Marsaglia & Tsang (2000) for shape >= 1; shape < 1 by the boost
// Gamma(a) = Gamma(a + 1) * U^(1/a).
double gamma_unit(std::mt19937_64& rng, double shape) {
  if (shape < 1) return gamma_unit(rng, shape + 1) * std::pow(uniform(rng), 1 / shape);
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = standard_normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform(rng);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

}  // namespace

std::vector<double> arrival_times(int count, const ArrivalOptions& options) {
  std::vector<double> times;
  if (count <= 0) return times;
  times.reserve(static_cast<std::size_t>(count));
  if (!std::isfinite(options.rate)) {
    times.assign(static_cast<std::size_t>(count), 0.0);
    return times;
  }
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  // Mean gap 1 / rate: scale theta = 1 / (rate * shape).
  const double theta = 1 / (options.rate * options.burstiness);
  double t = 0;
  for (int i = 0; i < count; ++i) {
    t += gamma_unit(rng, options.burstiness) * theta;
    times.push_back(t);
  }
  return times;
}

}  // namespace rbench::probe
