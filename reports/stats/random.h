// The bootstrap's random numbers: a fast generator whose streams are split by index, so that
// resamples drawn in parallel reproduce exactly, and the exact draws the resampling needs
// (uniform indices, binomial counts). Every algorithm is our own, not the standard library's
// distributions (implementation-defined), so a seed gives the same figures on every platform.
#pragma once

#include <cstdint>

namespace rbench::stats {

// xoshiro256** (Blackman and Vigna, 2018): 4 words of state, a few cycles a draw, statistically
// sound for simulation. Stream `stream` of seed `seed` is seeded through splitmix64, so streams
// 0, 1, 2, ... of one seed are independent for any practical purpose.
class Xoshiro256 {
 public:
  using result_type = std::uint64_t;
  explicit Xoshiro256(std::uint64_t seed, std::uint64_t stream = 0);

  std::uint64_t operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  static constexpr std::uint64_t min() { return 0; }
  static constexpr std::uint64_t max() { return ~std::uint64_t{0}; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Uniform in [0, n), n > 0, exactly (Lemire's multiply-shift with rejection: no division on the
// common path, unlike `r % n`).
inline std::uint64_t uniform_below(Xoshiro256& rng, std::uint64_t n) {
  std::uint64_t x = rng();
  unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = rng();
      m = static_cast<unsigned __int128>(x) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(Xoshiro256& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Binomial(n, p): the number of n independent trials of probability p that succeed. Exact in
// distribution (Knuth, TAOCP 3.4.1: split the trials at a beta-distributed order statistic until
// few are left, then draw those one by one), O(log n) draws.
std::int64_t binomial(Xoshiro256& rng, std::int64_t n, double p);

}  // namespace rbench::stats
