// For the CUDA weight and MoE tests: a seeded random WeightMatrix (f32, bf16, or fp8 e4m3
// quantised band by band as the checkpoint tools do), and its copy on the device.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/weights.h"

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

// A copy on the device; none (no copy call) for an empty vector.
template <typename T>
DeviceBuffer<T> upload_vector(const std::vector<T>& host) {
  return host.empty() ? DeviceBuffer<T>() : DeviceBuffer<T>(std::span<const T>(host));
}

// A WeightMatrix copied to the device, and the view of it the launchers take.
struct DeviceWeights {
  explicit DeviceWeights(const WeightMatrix& w)
      : f32(upload_vector(w.f32)),
        bf16(upload_vector(w.bf16)),
        f8(upload_vector(w.f8)),
        scales(upload_vector(w.scales)) {
    view.rows = w.rows;
    view.cols = w.cols;
    view.block_rows = w.block_rows;
    view.block_cols = w.block_cols;
    if (w.dtype == DType::f32) {
      view.type = WeightType::f32;
      view.data = f32.data();
    } else if (w.dtype == DType::bf16) {
      view.type = WeightType::bf16;
      view.data = bf16.data();
    } else {
      view.type = WeightType::f8_e4m3;
      view.data = f8.data();
      view.scales = scales.data();
    }
  }
  DeviceBuffer<float> f32;
  DeviceBuffer<std::uint16_t> bf16;
  DeviceBuffer<std::uint8_t> f8;
  DeviceBuffer<float> scales;
  WeightView view;
};

}  // namespace rbench::moe::cuda
