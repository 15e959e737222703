// The counter-based generator of random weights (engines/moe/model/random_weights.cpp) and its
// CUDA twin (engines/moe/cuda/dummy_weights.cu): splitmix64 seeded per tensor name (fnv1a) and
// row. The i-th draw of a row depends on the row's initial state and i alone, so a kernel can
// compute every element independently and still match the CPU's sequential loop bit for bit.
// Header-only so that both the C++ rooms and nvcc include the one definition.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#ifdef __CUDACC__
#define RBENCH_HOST_DEVICE __host__ __device__
#else
#define RBENCH_HOST_DEVICE
#endif

namespace rbench::splitmix {

inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
inline constexpr std::uint64_t kRowMix = 0x632BE59BD9B4E019ULL;

// splitmix64's output function of an advanced state.
RBENCH_HOST_DEVICE constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The sequential form: advances `state` and returns the next draw.
RBENCH_HOST_DEVICE constexpr std::uint64_t next(std::uint64_t& state) {
  return mix(state += kGolden);
}

// The i-th draw (from 0) after `state0`, without the ones before it: the same as calling next()
// i + 1 times (the state wraps modulo 2^64 either way).
RBENCH_HOST_DEVICE constexpr std::uint64_t nth(std::uint64_t state0, std::uint64_t i) {
  return mix(state0 + (i + 1) * kGolden);
}

// FNV-1a of `s`; pass an earlier result as `h` to hash a sequence of strings as one.
constexpr std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// A row's initial state: the seed, the tensor's name and the row.
RBENCH_HOST_DEVICE constexpr std::uint64_t row_state(std::uint64_t seed, std::uint64_t name_hash,
                                                     std::uint64_t row) {
  return seed ^ name_hash ^ (row * kRowMix);
}

// A draw as a double in [0, 1): its top 53 bits, exactly.
RBENCH_HOST_DEVICE constexpr double unit(std::uint64_t draw) {
  return static_cast<double>(draw >> 11) * (1.0 / 9007199254740992.0);
}

// The i-th value of a row drawn uniformly with the given mean and half width (stddev * sqrt(3)):
// mean + (2u - 1) * half_width with one rounding (a fused multiply-add, written out so that
// neither compiler is free to contract it or not), then rounded to f32.
RBENCH_HOST_DEVICE inline float uniform_value(std::uint64_t state0, std::uint64_t i, float mean,
                                              double half_width) {
  const double centred = 2.0 * unit(nth(state0, i)) - 1.0;  // exact: u has 53 bits
#ifdef __CUDA_ARCH__
  return __double2float_rn(__fma_rn(centred, half_width, static_cast<double>(mean)));
#else
  return static_cast<float>(std::fma(centred, half_width, static_cast<double>(mean)));
#endif
}

}  // namespace rbench::splitmix
