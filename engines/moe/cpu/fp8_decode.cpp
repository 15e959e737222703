// The vectorised e4m3 decoder of fp8_decode.h. A table lookup per element (what the matmul did)
// is a scalar load each, which kept fp8 weights at a fraction of bf16's rate; these are a dozen
// vector instructions per 16 codes, with no memory access but the codes and the output.
#include "engines/moe/cpu/fp8_decode.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

// Builds without AVX-512 pass the 64-byte vectors of these internal functions in memory; GCC
// warns that the ABI differs from an AVX-512 build's, which no caller across builds sees.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace rbench::moe {
namespace {

constexpr int kLanes = 16;
using U8x16 = std::uint8_t __attribute__((vector_size(kLanes)));
using U32x16 = std::uint32_t __attribute__((vector_size(kLanes * 4)));
using F32x16 = float __attribute__((vector_size(kLanes * 4)));

// Zero-extends 16 codes to 32-bit lanes. GCC 12 lowers __builtin_convertvector's 8-to-32-bit
// widening to scalar moves, so the targets with a one-instruction widening get it by name.
inline U32x16 widen(U8x16 raw) {
#if defined(__AVX512F__)
  return std::bit_cast<U32x16>(_mm512_cvtepu8_epi32(std::bit_cast<__m128i>(raw)));
#elif defined(__AVX2__)
  const auto lanes = std::bit_cast<__m128i>(raw);
  const __m256i lo = _mm256_cvtepu8_epi32(lanes);
  const __m256i hi = _mm256_cvtepu8_epi32(_mm_unpackhi_epi64(lanes, lanes));
  return std::bit_cast<U32x16>(std::array{lo, hi});
#else
  return __builtin_convertvector(raw, U32x16);
#endif
}

inline F32x16 decode16(const std::uint8_t* codes, float scale) {
  U8x16 raw;
  std::memcpy(&raw, codes, sizeof(raw));
  const U32x16 v = widen(raw);
  const U32x16 sign = (v & 0x80u) << 24;
  const U32x16 mag = v & 0x7Fu;
  const U32x16 normal = (mag << 20) + (120u << 23);
  // Exact: mag < 8 converts exactly and scaling by 2^-9 only changes the exponent.
  const U32x16 subnormal =
      std::bit_cast<U32x16>(__builtin_convertvector(mag, F32x16) * (1.0f / 512.0f));
  // Lane-wise selects: a comparison gives all ones or zero per lane.
  U32x16 bits = mag < 8u ? subnormal : normal;
  bits = mag == 0x7Fu ? U32x16{} + 0x7FC00000u : bits;
  return std::bit_cast<F32x16>(bits | sign) * scale;
}

}  // namespace

void decode_e4m3_scaled(const std::uint8_t* codes, int n, float scale, float* out) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const F32x16 f = decode16(codes + i, scale);
    std::memcpy(out + i, &f, sizeof(f));
  }
  for (; i < n; ++i) out[i] = e4m3_bits_to_f32(codes[i]) * scale;
}

}  // namespace rbench::moe
