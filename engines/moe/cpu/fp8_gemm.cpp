// The fp8 activation quantiser and block-scaled product of fp8_gemm.h, written for clarity: they
// are the oracle of the CUDA path, not a path of the CPU engine.
#include "engines/moe/cpu/fp8_gemm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "harness/core/error.h"

namespace rbench::moe {
namespace {

constexpr float kE4m3Max = 448.0f;

int block_count(int cols) {
  return (cols + kFp8ActivationBlock - 1) / kFp8ActivationBlock;
}

}  // namespace

void quantize_activations_fp8(const float* x, int n, int cols, std::uint8_t* x_q, float* x_scales) {
  if (n < 0 || cols <= 0) {
    throw Error("quantize_activations_fp8: n " + std::to_string(n) + ", cols " +
                std::to_string(cols));
  }
  const int padded = activation_scale_rows(n);
  const int blocks = block_count(cols);
  for (int b = 0; b < blocks; ++b) {
    const int c0 = b * kFp8ActivationBlock;
    const int c1 = std::min(cols, c0 + kFp8ActivationBlock);
    for (int t = 0; t < padded; ++t) {
      float& scale = x_scales[static_cast<std::size_t>(b) * padded + t];
      if (t >= n) {
        scale = 1.0f;
        continue;
      }
      const float* row = x + static_cast<std::size_t>(t) * cols;
      float amax = 0.0f;
      for (int c = c0; c < c1; ++c) amax = std::max(amax, std::fabs(row[c]));
      scale = amax / kE4m3Max;
      if (amax == 0.0f) {
        scale = 1.0f;  // any scale represents zeros; 0 would divide by zero
      } else if (scale < std::numeric_limits<float>::min()) {
        scale = std::numeric_limits<float>::min();
      }
      std::uint8_t* q = x_q + static_cast<std::size_t>(t) * cols;
      for (int c = c0; c < c1; ++c) q[c] = f32_to_f8_e4m3(row[c] / scale);
    }
  }
}

std::vector<float> fp8_blockscaled_matmul(const WeightMatrix& w, const std::uint8_t* x_q,
                                          const float* x_scales, int n) {
  if (w.dtype != DType::f8_e4m3 || w.block_cols != kFp8ActivationBlock || w.block_rows <= 0) {
    throw Error(
        "fp8_blockscaled_matmul: needs fp8 e4m3 weights with 128-column scale blocks, got " +
        std::string(to_string(w.dtype)) + " with blocks " + std::to_string(w.block_rows) + "x" +
        std::to_string(w.block_cols));
  }
  if (n < 0) throw Error("fp8_blockscaled_matmul: n " + std::to_string(n));
  const int padded = activation_scale_rows(n);
  const int blocks = block_count(w.cols);
  std::vector<float> y(static_cast<std::size_t>(n) * w.rows);
  for (int t = 0; t < n; ++t) {
    const std::uint8_t* xq = x_q + static_cast<std::size_t>(t) * w.cols;
    for (int r = 0; r < w.rows; ++r) {
      const std::uint8_t* wq = w.f8.data() + static_cast<std::size_t>(r) * w.cols;
      const float* w_scales = w.scales.data() + static_cast<std::size_t>(r / w.block_rows) * blocks;
      double sum = 0.0;
      for (int b = 0; b < blocks; ++b) {
        const int c0 = b * kFp8ActivationBlock;
        const int c1 = std::min(w.cols, c0 + kFp8ActivationBlock);
        // Products of two e4m3 values are exact in double, and so is this sum.
        double block = 0.0;
        for (int c = c0; c < c1; ++c) {
          block += static_cast<double>(f8_e4m3_to_f32(wq[c])) * f8_e4m3_to_f32(xq[c]);
        }
        sum += block * w_scales[b] * x_scales[static_cast<std::size_t>(b) * padded + t];
      }
      y[static_cast<std::size_t>(t) * w.rows + r] = static_cast<float>(sum);
    }
  }
  return y;
}

}  // namespace rbench::moe
