// cuBLAS and cuBLASLt through dlopen (engines/moe/cuda/blas.h) against their CPU twins: the f32
// product of prefill against matmul of cpu_kernels.h, and the block-scaled fp8-by-fp8 product
// against fp8_blockscaled_matmul of engines/moe/cpu/fp8_gemm.h. Skips without a device; the fp8
// product also where the loaded cuBLASLt or the device does not offer it (the reason is printed).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <span>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cpu/fp8_gemm.h"
#include "engines/moe/cuda/blas.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"

namespace rbench::moe::cuda {
namespace {

using CudaBlas = CudaOps;

// |gpu - cpu| <= relative * sum_c |w x| + 1e-6 for each output: the products are the same, only
// the order of the sum (and, for fp8, the tensor cores' accumulation) differs.
void expect_close_rows(const std::vector<float>& gpu, const std::vector<float>& cpu,
                       const std::vector<double>& magnitude, double relative, const char* what) {
  ASSERT_EQ(gpu.size(), cpu.size());
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    ASSERT_NEAR(gpu[i], cpu[i], relative * magnitude[i] + 1e-6) << what << " [" << i << "]";
  }
}

TEST_F(CudaBlas, GemmF32MatchesMatmulWithStrides) {
  const Blas blas;
  std::cout << blas.describe() << "\n";
  const std::vector<std::array<int, 3>> shapes =
      reduced_grid() ? std::vector<std::array<int, 3>>{{33, 70, 65}}
                     : std::vector<std::array<int, 3>>{
                           {1, 8, 65}, {33, 70, 65}, {300, 129, 100}, {1024, 512, 257}};
  for (const auto [rows, cols, n] : shapes) {
    WeightMatrix w;
    w.rows = rows;
    w.cols = cols;
    w.f32 = random_floats(static_cast<std::size_t>(rows) * cols, 1);
    const int x_stride = cols + 3;
    const int y_stride = rows + 5;
    std::vector<float> x = random_floats(static_cast<std::size_t>(n) * x_stride, 2);
    std::vector<float> cpu(static_cast<std::size_t>(n) * y_stride, 0.0f);
    matmul(w, x.data(), n, x_stride, cpu.data(), y_stride);
    std::vector<double> magnitude(cpu.size(), 0.0);
    for (int t = 0; t < n; ++t) {
      for (int r = 0; r < rows; ++r) {
        double m = 0;
        for (int c = 0; c < cols; ++c) {
          m += std::abs(static_cast<double>(w.f32[static_cast<std::size_t>(r) * cols + c]) *
                        x[static_cast<std::size_t>(t) * x_stride + c]);
        }
        magnitude[static_cast<std::size_t>(t) * y_stride + r] = m;
      }
    }
    DeviceBuffer<float> dw{std::span<const float>(w.f32)};
    DeviceBuffer<float> dx{std::span<const float>(x)};
    DeviceBuffer<float> dy{std::span<const float>(std::vector<float>(cpu.size(), 0.0f))};
    blas.gemm_f32(dw.data(), rows, cols, dx.data(), x_stride, n, dy.data(), y_stride, stream());
    synchronize();
    // TF32 is off: f32 products, so 1e-5 of sum |w x| covers the summation order.
    expect_close_rows(dy.download(), cpu, magnitude, 1e-5, "gemm_f32");
  }
}

TEST_F(CudaBlas, Fp8BlockScaledMatchesItsCpuTwin) {
  const Blas blas;
  if (const std::string why = blas.fp8_blockscaled_unsupported(); !why.empty()) {
    GTEST_SKIP() << "block-scaled fp8 unavailable: " << why;
  }
  const std::vector<std::array<int, 3>> shapes =
      reduced_grid() ? std::vector<std::array<int, 3>>{{256, 256, 3}}
                     : std::vector<std::array<int, 3>>{
                           {16, 128, 1}, {256, 512, 3}, {384, 1024, 16}, {2048, 2048, 33}};
  std::mt19937 rng(5);
  for (const auto [rows, cols, n] : shapes) {
    WeightMatrix w;
    w.rows = rows;
    w.cols = cols;
    w.dtype = DType::f8_e4m3;
    w.f8.resize(static_cast<std::size_t>(rows) * cols);
    // Any e4m3 code but the NaNs (0x7f, 0xff).
    for (auto& b : w.f8) {
      do {
        b = static_cast<std::uint8_t>(rng() & 0xff);
      } while ((b & 0x7f) == 0x7f);
    }
    const int scale_rows = (rows + 127) / 128;
    const int scale_cols = (cols + 127) / 128;
    std::uniform_real_distribution<float> scale(1e-3f, 1e-2f);
    w.scales.resize(static_cast<std::size_t>(scale_rows) * scale_cols);
    for (float& s : w.scales) s = scale(rng);

    const std::vector<float> x = random_floats(static_cast<std::size_t>(n) * cols, 3, -4.0f, 4.0f);
    std::vector<std::uint8_t> x_q(x.size());
    std::vector<float> x_scales(static_cast<std::size_t>(scale_cols) * activation_scale_rows(n));
    moe::quantize_activations_fp8(x.data(), n, cols, x_q.data(), x_scales.data());
    const std::vector<float> cpu = fp8_blockscaled_matmul(w, x_q.data(), x_scales.data(), n);
    // The dequantised magnitudes of each output's terms.
    const std::vector<float> w_deq = w.to_f32();
    std::vector<double> magnitude(cpu.size(), 0.0);
    for (int t = 0; t < n; ++t) {
      for (int r = 0; r < rows; ++r) {
        double m = 0;
        for (int c = 0; c < cols; ++c) {
          const std::size_t xi = static_cast<std::size_t>(t) * cols + c;
          m += std::abs(static_cast<double>(w_deq[static_cast<std::size_t>(r) * cols + c]) *
                        f8_e4m3_to_f32(x_q[xi]) *
                        x_scales[static_cast<std::size_t>(c / 128) * activation_scale_rows(n) + t]);
        }
        magnitude[static_cast<std::size_t>(t) * rows + r] = m;
      }
    }

    DeviceBuffer<std::uint8_t> dw{std::span<const std::uint8_t>(w.f8)};
    DeviceBuffer<float> dws{std::span<const float>(w.scales)};
    DeviceBuffer<std::uint8_t> dxq{std::span<const std::uint8_t>(x_q)};
    DeviceBuffer<float> dxs{std::span<const float>(x_scales)};
    DeviceBuffer<float> dy(cpu.size());
    blas.gemm_fp8_blockscaled({.w = dw.data(),
                               .w_scales = dws.data(),
                               .x = dxq.data(),
                               .x_scales = dxs.data(),
                               .y = dy.data(),
                               .rows = rows,
                               .cols = cols,
                               .n = n},
                              stream());
    synchronize();
    // The e4m3 products are exact; Hopper's fp8 tensor cores accumulate with fewer bits than
    // f32 (DeepSeek-V3's report: about 14), so 2e-3 of sum |w x| rather than f32's 1e-5.
    expect_close_rows(dy.download(), cpu, magnitude, 2e-3, "gemm_fp8_blockscaled");
  }
}

}  // namespace
}  // namespace rbench::moe::cuda
