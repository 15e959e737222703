// A seeded random WeightMatrix for the CUDA weight and MoE tests: f32, bf16, or fp8 e4m3
// quantised band by band as the checkpoint tools do.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"

namespace rbench::moe::cuda {

inline WeightMatrix random_weight_matrix(DType dtype, int rows, int cols, std::uint32_t seed) {
  WeightMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.dtype = dtype;
  const auto values = random_floats(static_cast<std::size_t>(rows) * cols, seed);
  if (dtype == DType::f32) {
    w.f32 = values;
  } else if (dtype == DType::bf16) {
    for (float v : values) w.bf16.push_back(f32_to_bf16(v));
  } else {
    const int scale_cols = (cols + w.block_cols - 1) / w.block_cols;
    w.f8.resize(values.size());
    w.scales.resize(static_cast<std::size_t>((rows + w.block_rows - 1) / w.block_rows) *
                    scale_cols);
    for (int r0 = 0, band = 0; r0 < rows; r0 += w.block_rows, ++band) {
      const std::size_t begin = static_cast<std::size_t>(r0) * cols;
      const std::size_t size = static_cast<std::size_t>(std::min(rows - r0, w.block_rows)) * cols;
      quantize_fp8_band(std::span<const float>(values).subspan(begin, size), cols, w.block_cols,
                        std::span<std::uint8_t>(w.f8).subspan(begin, size),
                        std::span<float>(w.scales).subspan(
                            static_cast<std::size_t>(band) * scale_cols, scale_cols));
    }
  }
  return w;
}

}  // namespace rbench::moe::cuda
