// The AVX-512 VBMI fp8 kernel of fp8_gemv.h. Per 64 codes: one load, two byte lookups
// (vpermi2b: the high and low bytes of the code's bf16 bits, from 128-entry tables held in
// registers), the sign merged back, two byte interleaves into 16-bit words, and four shifts or
// masks to f32: about as many instructions per weight as bf16's widening, at half the bytes.
#include "engines/moe/cpu/fp8_gemv.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>

#include "engines/moe/cpu/fp8_decode.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VBMI__)
#include <immintrin.h>
#define RBENCH_FP8_GEMV 1
// GCC 12's AVX-512 intrinsics (shifts, _mm512_reduce_add_ps) pass an undefined placeholder
// that its own -Wmaybe-uninitialized flags (GCC bug 105593, fixed in 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace rbench::moe {

#ifdef RBENCH_FP8_GEMV
namespace {

// Four registers of 16 dequantised weights: for columns c + 16k + m of a 64-column chunk
// (k = 0..3 the 128-bit lane, m = 0..15), v[0] holds m = 2i, v[1] m = 2i + 1, v[2] m = 8 + 2i,
// v[3] m = 9 + 2i in lane 4k + i: the order the byte interleaves leave them in.
struct Chunk {
  __m512 v[4];
};

// Where column m of a 16-column lane lands among Chunk's registers: (register, index i).
constexpr std::array<int, 2> lane_slot(int m) {
  const int half = m / 8;  // unpacklo: 0..7, unpackhi: 8..15
  const int within = m % 8;
  return {half * 2 + within % 2, within / 2};
}

struct Tables {
  __m512i hi0, hi1, lo0, lo1;  // bf16 bits of codes 0..127: high and low bytes, two halves each
};

Tables tables() {
  static const std::array<std::array<std::uint8_t, 128>, 2> bytes = [] {
    std::array<std::array<std::uint8_t, 128>, 2> t{};
    for (int code = 0; code < 128; ++code) {
      // Every e4m3 value has at most 4 significant bits and an exponent within bf16's: its
      // f32 bits end in 16 zeros, so the high half is exact.
      const auto bits = std::bit_cast<std::uint32_t>(e4m3_bits_to_f32(code)) >> 16;
      t[0][code] = static_cast<std::uint8_t>(bits >> 8);
      t[1][code] = static_cast<std::uint8_t>(bits & 0xFF);
    }
    return t;
  }();
  return {_mm512_loadu_si512(bytes[0].data()), _mm512_loadu_si512(bytes[0].data() + 64),
          _mm512_loadu_si512(bytes[1].data()), _mm512_loadu_si512(bytes[1].data() + 64)};
}

inline Chunk decode64(const std::uint8_t* codes, const Tables& tb) {
  const __m512i c = _mm512_loadu_si512(codes);
  // vpermi2b indexes with the low 7 bits: the magnitude; the sign bit is or-ed in after.
  __m512i hi = _mm512_permutex2var_epi8(tb.hi0, c, tb.hi1);
  const __m512i lo = _mm512_permutex2var_epi8(tb.lo0, c, tb.lo1);
  constexpr int kAOrBAndC = 0xF8;  // ternary logic: hi | (c & 0x80)
  hi = _mm512_ternarylogic_epi32(hi, c, _mm512_set1_epi8(static_cast<char>(0x80)), kAOrBAndC);
  const __m512i words_lo = _mm512_unpacklo_epi8(lo, hi);
  const __m512i words_hi = _mm512_unpackhi_epi8(lo, hi);
  const __m512i high_half = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  return {{_mm512_castsi512_ps(_mm512_slli_epi32(words_lo, 16)),
           _mm512_castsi512_ps(_mm512_and_si512(words_lo, high_half)),
           _mm512_castsi512_ps(_mm512_slli_epi32(words_hi, 16)),
           _mm512_castsi512_ps(_mm512_and_si512(words_hi, high_half))}};
}

// One input's sums over a row: four 16-lane accumulators within a block, and the row's.
// Named members, not arrays, so that GCC keeps them in registers.
struct Sums {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, row = a0;

  void add(const Chunk& f, const float* x) {
    a0 = _mm512_fmadd_ps(f.v[0], _mm512_loadu_ps(x), a0);
    a1 = _mm512_fmadd_ps(f.v[1], _mm512_loadu_ps(x + 16), a1);
    a2 = _mm512_fmadd_ps(f.v[2], _mm512_loadu_ps(x + 32), a2);
    a3 = _mm512_fmadd_ps(f.v[3], _mm512_loadu_ps(x + 48), a3);
  }
  void end_block(__m512 scale) {
    const __m512 block = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    row = _mm512_fmadd_ps(block, scale, row);
    a0 = a1 = a2 = a3 = _mm512_setzero_ps();
  }
};

// One row against one input (kPair false, x1 unused) or two, each in the fixed order of fp8_gemv.h:
// every chunk is decoded once for both, and each input's sums are those it would get alone.
template <bool kPair>
void row_dots(const std::uint8_t* codes, const Tables& tb, const float* block_scales, int cols,
              int block_cols, const float* x0, const float* x1, float* out) {
  Sums s0, s1;
  for (int c0 = 0, b = 0; c0 < cols; c0 += block_cols, ++b) {
    const int c1 = std::min(cols, c0 + block_cols);
    for (int c = c0; c < c1; c += kFp8GemvChunk) {
      const Chunk f = decode64(codes + c, tb);
      s0.add(f, x0 + c);
      if constexpr (kPair) s1.add(f, x1 + c);
    }
    const __m512 scale = _mm512_set1_ps(block_scales[b]);
    s0.end_block(scale);
    if constexpr (kPair) s1.end_block(scale);
  }
  out[0] = _mm512_reduce_add_ps(s0.row);
  if constexpr (kPair) out[1] = _mm512_reduce_add_ps(s1.row);
}

}  // namespace

bool fp8_gemv_applies(const WeightMatrix& w) {
  return w.dtype == DType::f8_e4m3 && w.cols > 0 && w.cols % kFp8GemvChunk == 0 &&
         w.block_cols % kFp8GemvChunk == 0 && w.block_rows > 0;
}

std::vector<float> fp8_gemv_inputs(const float* x, int n, int x_stride, int cols) {
  std::vector<float> xp(static_cast<std::size_t>(n) * cols);
  for (int t = 0; t < n; ++t) {
    const float* src = x + static_cast<std::size_t>(t) * x_stride;
    float* dst = xp.data() + static_cast<std::size_t>(t) * cols;
    for (int c = 0; c < cols; ++c) {
      const int base = c - c % kFp8GemvChunk;
      const int lane = c % kFp8GemvChunk / 16;
      const auto [reg, i] = lane_slot(c % 16);
      dst[base + reg * 16 + lane * 4 + i] = src[c];
    }
  }
  return xp;
}

void fp8_gemv_rows(const WeightMatrix& w, int r0, int r1, const float* xp, int n, float* y,
                   int y_stride) {
  const Tables tb = tables();
  const int cols = w.cols;
  const int scale_cols = (cols + w.block_cols - 1) / w.block_cols;
  for (int r = r0; r < r1; ++r) {
    const std::uint8_t* codes = w.f8.data() + static_cast<std::size_t>(r) * cols;
    const float* scales = w.scales.data() + static_cast<std::size_t>(r / w.block_rows) * scale_cols;
    // Inputs in pairs: a verification step's two share each decoded chunk.
    for (int t = 0; t < n; t += 2) {
      const bool pair = t + 1 < n;
      const float* x0 = xp + static_cast<std::size_t>(t) * cols;
      float out[2];
      if (pair) {
        row_dots<true>(codes, tb, scales, cols, w.block_cols, x0, x0 + cols, out);
        y[static_cast<std::size_t>(t + 1) * y_stride + r] = out[1];
      } else {
        row_dots<false>(codes, tb, scales, cols, w.block_cols, x0, nullptr, out);
      }
      y[static_cast<std::size_t>(t) * y_stride + r] = out[0];
    }
  }
}

#else  // no AVX-512 VBMI: matmul decodes rows with fp8_decode.h instead

bool fp8_gemv_applies(const WeightMatrix&) {
  return false;
}

std::vector<float> fp8_gemv_inputs(const float*, int, int, int) {
  throw std::logic_error("fp8_gemv_inputs: this build has no AVX-512 VBMI fp8 kernel");
}

void fp8_gemv_rows(const WeightMatrix&, int, int, const float*, int, float*, int) {
  throw std::logic_error("fp8_gemv_rows: this build has no AVX-512 VBMI fp8 kernel");
}

#endif

}  // namespace rbench::moe
