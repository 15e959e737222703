// The fp8 e4m3 paths of the CPU matmul: the vectorised decoder against the reference conversion
// (dtype.h) for all 256 codes, bit for bit; the matmul on fp8 weights against a double-precision
// product of the reference-dequantised matrix over awkward shapes, both kernels (fp8_gemv.h where
// the shape and build allow, decode-then-dot elsewhere), batch invariance and NaN propagation.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cpu/fp8_decode.h"
#include "engines/moe/cpu/fp8_gemv.h"

namespace rbench::moe {
namespace {

std::uint32_t bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}

TEST(Fp8Decode, EveryCodeIsTheReferenceValueBitForBit) {
  for (int code = 0; code < 256; ++code) {
    const auto c = static_cast<std::uint8_t>(code);
    EXPECT_EQ(bits(e4m3_bits_to_f32(c)), bits(f8_e4m3_to_f32(c))) << "code " << code;
  }
}

TEST(Fp8Decode, VectorisedRunsTimesAScaleAreTheReferenceProducts) {
  // 256 codes twice, so that every code sits in vector lanes and in the scalar tail for some
  // length and offset; scales that keep, shrink to subnormal and overflow the products.
  std::vector<std::uint8_t> codes(512 + 16);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (const float scale : {1.0f, 0.37f, 0x1p-140f, 3e36f, -1.5f}) {
    for (const int offset : {0, 1, 13}) {
      for (const int n : {1, 15, 16, 17, 64, 200, 512}) {
        std::vector<float> out(n);
        decode_e4m3_scaled(codes.data() + offset, n, scale, out.data());
        for (int i = 0; i < n; ++i) {
          const std::uint8_t c = codes[offset + i];
          ASSERT_EQ(bits(out[i]), bits(f8_e4m3_to_f32(c) * scale))
              << "code " << int{c} << ", scale " << scale << ", n " << n << ", at " << i;
        }
      }
    }
  }
}

struct Shape {
  int rows, cols, block_rows, block_cols;
};

// Random codes (no NaN) and block scales between 2^-8 and 2.
WeightMatrix random_fp8(const Shape& s, std::mt19937& rng) {
  WeightMatrix w;
  w.rows = s.rows;
  w.cols = s.cols;
  w.dtype = DType::f8_e4m3;
  w.block_rows = s.block_rows;
  w.block_cols = s.block_cols;
  w.f8.resize(static_cast<std::size_t>(s.rows) * s.cols);
  for (auto& c : w.f8) {
    c = static_cast<std::uint8_t>(rng());
    if ((c & 0x7F) == 0x7F) c ^= 1;
  }
  const int scale_rows = (s.rows + s.block_rows - 1) / s.block_rows;
  const int scale_cols = (s.cols + s.block_cols - 1) / s.block_cols;
  w.scales.resize(static_cast<std::size_t>(scale_rows) * scale_cols);
  for (auto& v : w.scales)
    v = std::ldexp(1.0f + static_cast<float>(rng() % 100) / 100, -int(rng() % 9));
  return w;
}

std::vector<float> matmul_of(const WeightMatrix& w, const std::vector<float>& x, int n) {
  std::vector<float> y(static_cast<std::size_t>(n) * w.rows);
  matmul(w, x.data(), n, y.data());
  return y;
}

TEST(Fp8Matmul, MatchesTheReferenceDequantisedProductAndIsBatchInvariant) {
  // Shapes the register kernel takes (columns and blocks multiples of 64) and ones it leaves to
  // decode-then-dot (32, 100 columns; 32-wide blocks), a last block narrower than the rest.
  const Shape shapes[] = {{1, 64, 128, 128},   {3, 128, 128, 128}, {130, 192, 128, 128},
                          {7, 1408, 128, 128}, {5, 320, 64, 64},   {9, 256, 32, 32},
                          {4, 100, 128, 128},  {2, 32, 128, 128},  {200, 128, 128, 128}};
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  for (const Shape& s : shapes) {
    const WeightMatrix w = random_fp8(s, rng);
    constexpr int kInputs = 5;
    std::vector<float> x(static_cast<std::size_t>(kInputs) * s.cols);
    for (float& v : x) v = normal(rng);
    const auto y = matmul_of(w, x, kInputs);
    const int scale_cols = (s.cols + s.block_cols - 1) / s.block_cols;
    double worst = 0;
    for (int t = 0; t < kInputs; ++t) {
      for (int r = 0; r < s.rows; ++r) {
        double exact = 0, magnitude = 0;
        for (int c = 0; c < s.cols; ++c) {
          const double wv =
              static_cast<double>(f8_e4m3_to_f32(w.f8[static_cast<std::size_t>(r) * s.cols + c])) *
              w.scales[static_cast<std::size_t>(r / s.block_rows) * scale_cols + c / s.block_cols];
          const double p = wv * x[static_cast<std::size_t>(t) * s.cols + c];
          exact += p;
          magnitude += std::fabs(p);
        }
        const double got = y[static_cast<std::size_t>(t) * s.rows + r];
        worst = std::max(worst, std::fabs(got - exact) / magnitude);
      }
      // The same input alone and in a pair: the same bits (self-speculation relies on it).
      const std::vector<float> one(x.begin() + static_cast<std::ptrdiff_t>(t) * s.cols,
                                   x.begin() + static_cast<std::ptrdiff_t>(t + 1) * s.cols);
      std::vector<float> pair = one;
      pair.insert(pair.end(), one.begin(), one.end());
      const auto alone = matmul_of(w, one, 1);
      const auto paired = matmul_of(w, pair, 2);
      for (int r = 0; r < s.rows; ++r) {
        const float in_batch = y[static_cast<std::size_t>(t) * s.rows + r];
        ASSERT_EQ(bits(alone[r]), bits(in_batch)) << "row " << r << ", input " << t << " alone";
        ASSERT_EQ(bits(paired[r]), bits(in_batch)) << "row " << r << ", input " << t << " paired";
        ASSERT_EQ(bits(paired[s.rows + r]), bits(in_batch)) << "row " << r << ", second of pair";
      }
    }
    // f32 accumulation over at most 1408 terms: well within 1e-6 of the terms' magnitude.
    EXPECT_LT(worst, 1e-6) << s.rows << "x" << s.cols << ", blocks " << s.block_rows << "x"
                           << s.block_cols << ", register kernel " << fp8_gemv_applies(w);
  }
}

TEST(Fp8Matmul, DecodeThenDotIsTheF32ProductOfTheReferenceDequantisation) {
  // Where the register kernel does not apply, an fp8 row is decoded and multiplied as an f32
  // row is: the same bits as the f32 matrix the reference conversion gives.
  std::mt19937 rng(9);
  const WeightMatrix w = random_fp8({6, 96, 32, 32}, rng);
  ASSERT_FALSE(fp8_gemv_applies(w));
  WeightMatrix f32;
  f32.rows = w.rows;
  f32.cols = w.cols;
  f32.f32.resize(w.f8.size());
  for (int r = 0; r < w.rows; ++r) {
    for (int c = 0; c < w.cols; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * w.cols + c;
      f32.f32[i] =
          f8_e4m3_to_f32(w.f8[i]) * w.scales[static_cast<std::size_t>(r / 32) * 3 + c / 32];
    }
  }
  EXPECT_EQ(w.to_f32(), f32.f32);
  std::vector<float> x(static_cast<std::size_t>(3) * w.cols);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
  const auto a = matmul_of(w, x, 3);
  const auto b = matmul_of(f32, x, 3);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(bits(a[i]), bits(b[i])) << "at " << i;
}

TEST(Fp8Matmul, ANanCodeMakesItsRowNan) {
  std::mt19937 rng(3);
  for (const Shape s : {Shape{4, 128, 128, 128}, Shape{4, 96, 32, 32}}) {
    WeightMatrix w = random_fp8(s, rng);
    w.f8[static_cast<std::size_t>(2) * s.cols + 70] = 0xFF;
    const std::vector<float> x(s.cols, 1.0f);
    const auto y = matmul_of(w, x, 1);
    for (int r = 0; r < s.rows; ++r) EXPECT_EQ(std::isnan(y[r]), r == 2) << "row " << r;
  }
}

}  // namespace
}  // namespace rbench::moe
