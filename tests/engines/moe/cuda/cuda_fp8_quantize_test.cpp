// The fp8 activation quantiser (quantize_activations_fp8 of engines/moe/cuda/blas.h) against its
// CPU twin (engines/moe/cpu/fp8_gemm.h) bit for bit, and the conversion it relies on: CUDA's
// round-to-nearest-even, saturating e4m3 conversion against dtype.h's f32_to_f8_e4m3 (on the
// host, through cuda_fp8.h's software path, so this part runs without a GPU).
#include <cuda_fp8.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/cpu/fp8_gemm.h"
#include "engines/moe/cuda/blas.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"

namespace rbench::moe::cuda {
namespace {

// Every 997th f32 bit pattern (all exponents, both signs, subnormals, infinities, NaNs) and every
// e4m3 midpoint with its neighbours.
TEST(CudaFp8Rounding, CudaConversionMatchesDtype) {
  auto check = [](float v) {
    const auto ours = f32_to_f8_e4m3(v);
    const auto cuda =
        static_cast<std::uint8_t>(__nv_cvt_float_to_fp8(v, __NV_SATFINITE, __NV_E4M3));
    if (std::isnan(v)) {  // NaN is 0x7F either way; only its sign bit may differ
      EXPECT_EQ(ours & 0x7F, 0x7F);
      EXPECT_EQ(cuda & 0x7F, 0x7F);
      return;
    }
    ASSERT_EQ(ours, cuda) << "x = " << v << " (bits 0x" << std::hex
                          << std::bit_cast<std::uint32_t>(v) << ")";
  };
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 997) {
    check(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
  }
  for (int code = 0; code < 0x7E; ++code) {
    const double lo = f8_e4m3_to_f32(static_cast<std::uint8_t>(code));
    const double hi = f8_e4m3_to_f32(static_cast<std::uint8_t>(code + 1));
    const auto mid = static_cast<float>((lo + hi) / 2);
    for (float v : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)}) {
      check(v);
      check(-v);
    }
  }
}

// Values over six decades (so some land in e4m3's subnormals after scaling), one all-zero block,
// one block whose amax underflows the scale to the smallest normal.
std::vector<float> activations(int n, int cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> exponent(-12.0f, 4.0f);
  std::bernoulli_distribution negative(0.5);
  std::vector<float> x(static_cast<std::size_t>(n) * cols);
  for (float& v : x) v = (negative(rng) ? -1.0f : 1.0f) * std::exp2(exponent(rng));
  if (n >= 2 && cols > 128) {
    for (int c = 128; c < std::min(cols, 256); ++c) x[static_cast<std::size_t>(cols) + c] = 0.0f;
  }
  if (n >= 3) {
    for (int c = 0; c < std::min(cols, 128); ++c) {
      x[static_cast<std::size_t>(2) * cols + c] = (c % 2 == 0 ? 1e-40f : -3e-39f);
    }
  }
  return x;
}

TEST_F(CudaOps, QuantizeActivationsFp8MatchesCpuBitForBit) {
  const std::vector<int> n_grid =
      reduced_grid() ? std::vector<int>{1, 5} : std::vector<int>{1, 3, 5, 16};
  const std::vector<int> cols_grid =
      reduced_grid() ? std::vector<int>{100, 300} : std::vector<int>{1, 100, 128, 300, 7168};
  for (int n : n_grid) {
    for (int cols : cols_grid) {
      const auto x = activations(n, cols, n * cols);
      const std::size_t scale_count =
          static_cast<std::size_t>((cols + 127) / 128) * activation_scale_rows(n);
      ASSERT_EQ(activation_scale_rows(n), rbench::moe::activation_scale_rows(n));
      std::vector<std::uint8_t> q(x.size());
      std::vector<float> scales(scale_count);
      rbench::moe::quantize_activations_fp8(x.data(), n, cols, q.data(), scales.data());

      DeviceBuffer<float> d_x{std::span<const float>(x)};
      DeviceBuffer<std::uint8_t> d_q(x.size());
      DeviceBuffer<float> d_scales{std::span<const float>(std::vector<float>(scale_count, -1.0f))};
      quantize_activations_fp8(d_x.data(), n, cols, d_q.data(), d_scales.data(), stream());
      synchronize();
      const auto gpu_q = d_q.download();
      const auto gpu_scales = d_scales.download();
      for (std::size_t i = 0; i < q.size(); ++i) {
        ASSERT_EQ(gpu_q[i], q[i]) << "x_q at " << i << " (x " << x[i] << "), n " << n << ", cols "
                                  << cols;
      }
      for (std::size_t i = 0; i < scale_count; ++i) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(gpu_scales[i]),
                  std::bit_cast<std::uint32_t>(scales[i]))
            << "x_scales at " << i << ": gpu " << gpu_scales[i] << ", cpu " << scales[i] << ", n "
            << n << ", cols " << cols;
      }
    }
  }
}

// Checked before any launch, so this runs without a GPU; the pointers are never dereferenced.
TEST(CudaFp8QuantizeParams, RejectedBeforeLaunch) {
  const float x[4] = {};
  std::uint8_t q[4] = {};
  float s[4] = {};
  EXPECT_THROW(quantize_activations_fp8(x, 1, 0, q, s, nullptr), Error);
  EXPECT_THROW(quantize_activations_fp8(x, -1, 4, q, s, nullptr), Error);
  EXPECT_THROW(quantize_activations_fp8(nullptr, 1, 4, q, s, nullptr), Error);
  EXPECT_THROW(quantize_activations_fp8(x, 1, 4, nullptr, s, nullptr), Error);
  EXPECT_THROW(quantize_activations_fp8(x, 1, 4, q, nullptr, nullptr), Error);
  EXPECT_NO_THROW(quantize_activations_fp8(x, 0, 4, q, s, nullptr));
}

}  // namespace
}  // namespace rbench::moe::cuda
