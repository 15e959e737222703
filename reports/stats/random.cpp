// The bootstrap's generator and draws; see random.h.
#include "reports/stats/random.h"

#include <cmath>

namespace rbench::stats {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Standard normal by Marsaglia's polar method (one of the pair; the other is dropped so that the
// generator carries no state besides its words).
double standard_normal(Xoshiro256& rng) {
  for (;;) {
    const double u = 2 * uniform01(rng) - 1;
    const double v = 2 * uniform01(rng) - 1;
    const double s = u * u + v * v;
    if (s > 0 && s < 1) return u * std::sqrt(-2 * std::log(s) / s);
  }
}

// Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang, 2000).
double gamma_draw(Xoshiro256& rng, double shape) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = standard_normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform01(rng);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

// Below this many trials, drawing each one is cheaper than another split.
constexpr std::int64_t kDirectTrials = 16;

}  // namespace

Xoshiro256::Xoshiro256(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t state = seed;
  state ^= splitmix64(state) ^ (stream * 0xd1b54a32d192ed03ULL);
  for (auto& word : s_) word = splitmix64(state);
}

std::int64_t binomial(Xoshiro256& rng, std::int64_t n, double p) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  std::int64_t successes = 0;
  while (n > kDirectTrials) {
    // X, the a-th smallest of the n uniforms, is Beta(a, b). Trials below X are uniform on
    // [0, X), those above on (X, 1): recurse into the side that p falls in.
    const std::int64_t a = 1 + n / 2;
    const std::int64_t b = n + 1 - a;
    const double ga = gamma_draw(rng, static_cast<double>(a));
    const double gb = gamma_draw(rng, static_cast<double>(b));
    const double x = ga / (ga + gb);
    if (x >= p) {
      n = a - 1;
      p /= x;
    } else {
      successes += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
  for (std::int64_t i = 0; i < n; ++i) successes += uniform01(rng) < p ? 1 : 0;
  return successes;
}

}  // namespace rbench::stats
