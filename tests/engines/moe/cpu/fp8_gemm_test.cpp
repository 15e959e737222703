// The CPU twin of the fp8-by-fp8 block-scaled product (engines/moe/cpu/fp8_gemm.h): the activation
// quantiser's error bounds and exact cases, its scale layout, the product against dequantising
// first, and the e4m3 rounding the CUDA quantiser must reproduce (f32_to_f8_e4m3 against a
// nearest-even oracle over every e4m3 interval).
#include "engines/moe/cpu/fp8_gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "harness/core/error.h"

namespace rbench::moe {
namespace {

// The finite non-negative e4m3 values, by code 0x00 (zero) to 0x7E (448), increasing.
std::vector<double> e4m3_magnitudes() {
  std::vector<double> v;
  for (int code = 0; code <= 0x7E; ++code)
    v.push_back(f8_e4m3_to_f32(static_cast<std::uint8_t>(code)));
  return v;
}

// The documented rounding (dtype.h), computed the slow way: the nearest e4m3 value, ties to the
// even code (even mantissa), +-448 at and beyond 448, the sign kept (-0 included).
std::uint8_t e4m3_oracle(float x, const std::vector<double>& mags) {
  const std::uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  const double a = std::fabs(static_cast<double>(x));
  if (a >= 448.0) return sign | 0x7E;
  int k = 0;
  while (k + 1 < static_cast<int>(mags.size()) && mags[k + 1] <= a) ++k;
  if (mags[k] == a) return sign | static_cast<std::uint8_t>(k);
  const double below = a - mags[k];
  const double above = mags[k + 1] - a;
  int code = below < above ? k : k + 1;
  if (below == above) code = k % 2 == 0 ? k : k + 1;
  return sign | static_cast<std::uint8_t>(code);
}

TEST(Fp8Rounding, F32ToE4m3IsNearestEvenAndSaturating) {
  const auto mags = e4m3_magnitudes();
  std::vector<float> points;
  for (std::size_t k = 0; k + 1 < mags.size(); ++k) {
    const auto lo = static_cast<float>(mags[k]);
    const auto mid = static_cast<float>((mags[k] + mags[k + 1]) / 2);  // 5 bits: exact in f32
    for (float p : {lo, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)}) {
      points.push_back(p);
      points.push_back(-p);
    }
  }
  for (float p : {448.0f, 448.5f, 463.99f, 464.0f, 465.0f, 1e30f,
                  std::numeric_limits<float>::infinity(), std::numeric_limits<float>::min(),
                  std::numeric_limits<float>::denorm_min(), 0x1p-10f, 0x1p-11f}) {
    points.push_back(p);
    points.push_back(-p);
  }
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> exponent(-14.0f, 10.0f);
  for (int i = 0; i < 20000; ++i) {
    const float v = std::exp2(exponent(rng));
    points.push_back(i % 2 == 0 ? v : -v);
  }
  for (float p : points) {
    EXPECT_EQ(f32_to_f8_e4m3(p), e4m3_oracle(p, mags)) << "x = " << p;
  }
  EXPECT_EQ(f32_to_f8_e4m3(std::numeric_limits<float>::quiet_NaN()) & 0x7F, 0x7F);
}

// Values spread over six decades, so that some blocks hold e4m3 subnormals after scaling.
std::vector<float> spread_values(std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> exponent(-12.0f, 4.0f);
  std::bernoulli_distribution negative(0.5);
  std::vector<float> v(count);
  for (float& x : v) x = (negative(rng) ? -1.0f : 1.0f) * std::exp2(exponent(rng));
  return v;
}

// Bound: |q s - x| <= 2^-4 |x| (half an e4m3 ulp, relative) + 2^-10 s (half the subnormal step,
// for values far below the block's amax) + 2^-20 |x| (the f32 division and product).
TEST(Fp8Quantize, DequantisedIsWithinHalfAnE4m3Ulp) {
  constexpr int kN = 3;
  for (int cols : {1, 100, 128, 300}) {
    const auto x = spread_values(static_cast<std::size_t>(kN) * cols, cols);
    const int padded = activation_scale_rows(kN);
    const int blocks = (cols + 127) / 128;
    std::vector<std::uint8_t> q(x.size());
    std::vector<float> scales(static_cast<std::size_t>(blocks) * padded, -1.0f);
    quantize_activations_fp8(x.data(), kN, cols, q.data(), scales.data());
    for (int t = 0; t < kN; ++t) {
      for (int c = 0; c < cols; ++c) {
        const std::size_t at = static_cast<std::size_t>(t) * cols + c;
        const double s = scales[static_cast<std::size_t>(c / 128) * padded + t];
        const double deq = static_cast<double>(f8_e4m3_to_f32(q[at])) * s;
        const double bound = (0x1p-4 + 0x1p-20) * std::fabs(x[at]) + 0x1p-10 * s;
        EXPECT_LE(std::fabs(deq - x[at]), bound) << "t " << t << ", c " << c << ", cols " << cols;
      }
    }
    for (int b = 0; b < blocks; ++b) {
      for (int t = kN; t < padded; ++t) {
        EXPECT_EQ(scales[static_cast<std::size_t>(b) * padded + t], 1.0f) << "padding row " << t;
      }
    }
  }
}

// A block of e4m3 values times 2^k whose amax is 448 x 2^k has the scale 2^k exactly, so every
// value divides and converts without rounding.
TEST(Fp8Quantize, RepresentableTimesPowerOfTwoIsExact) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> code(0, 0xFD);
  constexpr int kN = 2;
  constexpr int kCols = 256;
  for (int k : {-20, -3, 0, 5}) {
    std::vector<std::uint8_t> codes(static_cast<std::size_t>(kN) * kCols);
    for (auto& c : codes) {
      c = static_cast<std::uint8_t>(code(rng));
      if ((c & 0x7F) == 0x7F) c = 0x7E;  // not NaN
    }
    for (int t = 0; t < kN; ++t) {
      codes[static_cast<std::size_t>(t) * kCols + 3] = 0x7E;         // +448: the amax of block 0
      codes[static_cast<std::size_t>(t) * kCols + 128 + 77] = 0xFE;  // -448: of block 1
    }
    std::vector<float> x(codes.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::ldexp(f8_e4m3_to_f32(codes[i]), k);
    std::vector<std::uint8_t> q(x.size());
    std::vector<float> scales(2 * activation_scale_rows(kN));
    quantize_activations_fp8(x.data(), kN, kCols, q.data(), scales.data());
    for (int t = 0; t < kN; ++t) {
      for (int b = 0; b < 2; ++b) {
        EXPECT_EQ(scales[static_cast<std::size_t>(b) * activation_scale_rows(kN) + t],
                  std::ldexp(1.0f, k));
      }
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(q[i], codes[i]) << "at " << i << ", k " << k;
      EXPECT_EQ(f8_e4m3_to_f32(q[i]) * std::ldexp(1.0f, k), x[i]) << "at " << i << ", k " << k;
    }
  }
}

TEST(Fp8Quantize, AllZeroBlockGetsScaleOne) {
  constexpr int kN = 5;  // scale rows padded to 8
  constexpr int kCols = 200;
  std::vector<float> x(static_cast<std::size_t>(kN) * kCols, 0.0f);
  x[static_cast<std::size_t>(2) * kCols + 150] = 3.5f;  // row 2, block 1: scale 3.5 / 448
  std::vector<std::uint8_t> q(x.size(), 0xAA);
  std::vector<float> scales(2 * 8, -1.0f);
  quantize_activations_fp8(x.data(), kN, kCols, q.data(), scales.data());
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 8; ++t) {
      const float expected = b == 1 && t == 2 ? 3.5f / 448.0f : 1.0f;
      EXPECT_EQ(scales[static_cast<std::size_t>(b) * 8 + t], expected)
          << "block " << b << " t " << t;
    }
  }
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_EQ(q[i], i == 2u * kCols + 150 ? 0x7E : 0x00) << "at " << i;
  }
}

TEST(Fp8Quantize, RejectsBadSizes) {
  float x = 0.0f;
  std::uint8_t q = 0;
  float s[4] = {};
  EXPECT_THROW(quantize_activations_fp8(&x, 1, 0, &q, s), Error);
  EXPECT_THROW(quantize_activations_fp8(&x, -1, 1, &q, s), Error);
}

WeightMatrix random_fp8_weights(int rows, int cols, std::uint32_t seed) {
  WeightMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.dtype = DType::f8_e4m3;
  const auto values = spread_values(static_cast<std::size_t>(rows) * cols, seed);
  const int scale_cols = (cols + w.block_cols - 1) / w.block_cols;
  w.f8.resize(values.size());
  w.scales.resize(static_cast<std::size_t>((rows + w.block_rows - 1) / w.block_rows) * scale_cols);
  for (int r0 = 0, band = 0; r0 < rows; r0 += w.block_rows, ++band) {
    const int r1 = std::min(rows, r0 + w.block_rows);
    const std::size_t begin = static_cast<std::size_t>(r0) * cols;
    const std::size_t size = static_cast<std::size_t>(r1 - r0) * cols;
    quantize_fp8_band(std::span<const float>(values).subspan(begin, size), cols, w.block_cols,
                      std::span<std::uint8_t>(w.f8).subspan(begin, size),
                      std::span<float>(w.scales).subspan(
                          static_cast<std::size_t>(band) * scale_cols, scale_cols));
  }
  return w;
}

// Tolerance: 1e-5 x sum_c |W[r][c] x[c]| + 1e-30. The reference dequantises both sides to f32
// (one rounding each) and sums in f32 (matmul of cpu_kernels.h); the twin sums exact products.
TEST(Fp8BlockscaledMatmul, EqualsDequantiseThenMatmul) {
  for (int cols : {128, 300, 1024}) {
    for (int n : {1, 3, 6}) {
      const WeightMatrix w = random_fp8_weights(130, cols, cols + n);
      const auto x = spread_values(static_cast<std::size_t>(n) * cols, 7 * cols + n);
      const int padded = activation_scale_rows(n);
      std::vector<std::uint8_t> x_q(x.size());
      std::vector<float> x_scales(static_cast<std::size_t>((cols + 127) / 128) * padded);
      quantize_activations_fp8(x.data(), n, cols, x_q.data(), x_scales.data());
      const auto y = fp8_blockscaled_matmul(w, x_q.data(), x_scales.data(), n);
      ASSERT_EQ(y.size(), static_cast<std::size_t>(n) * w.rows);

      WeightMatrix wd;
      wd.rows = w.rows;
      wd.cols = cols;
      wd.f32 = w.to_f32();
      std::vector<float> xd(x.size());
      for (int t = 0; t < n; ++t) {
        for (int c = 0; c < cols; ++c) {
          const std::size_t at = static_cast<std::size_t>(t) * cols + c;
          xd[at] =
              f8_e4m3_to_f32(x_q[at]) * x_scales[static_cast<std::size_t>(c / 128) * padded + t];
        }
      }
      std::vector<float> expected(y.size());
      matmul(wd, xd.data(), n, expected.data());
      for (int t = 0; t < n; ++t) {
        for (int r = 0; r < w.rows; ++r) {
          double scale = 0.0;
          for (int c = 0; c < cols; ++c) {
            scale += std::fabs(static_cast<double>(wd.f32[static_cast<std::size_t>(r) * cols + c]) *
                               xd[static_cast<std::size_t>(t) * cols + c]);
          }
          const std::size_t at = static_cast<std::size_t>(t) * w.rows + r;
          EXPECT_NEAR(y[at], expected[at], 1e-5 * scale + 1e-30)
              << "t " << t << ", r " << r << ", cols " << cols << ", n " << n;
        }
      }
    }
  }
}

TEST(Fp8BlockscaledMatmul, RejectsOtherWeights) {
  WeightMatrix w;
  w.rows = 1;
  w.cols = 128;
  w.f32.assign(128, 0.0f);
  const std::uint8_t q[128] = {};
  const float s[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  EXPECT_THROW(fp8_blockscaled_matmul(w, q, s, 1), Error);
  WeightMatrix narrow = random_fp8_weights(1, 128, 1);
  narrow.block_cols = 64;
  EXPECT_THROW(fp8_blockscaled_matmul(narrow, q, s, 1), Error);
}

}  // namespace
}  // namespace rbench::moe
