// The CPU reference kernels: weight matrices kept in the dtype they were stored in (f32, bf16,
// or fp8 e4m3 with 128x128 block scales, dequantised on the fly) and the few operations the
// forward pass needs. Accumulation is always in f32. Matrix products run on TBB threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"

namespace rbench::moe {

// A Linear weight [rows = out features, cols = in features], row-major, as checkpoints store it.
struct WeightMatrix {
  int rows = 0;
  int cols = 0;
  DType dtype = DType::f32;  // f32, bf16 or f8_e4m3
  std::vector<float> f32;
  std::vector<std::uint16_t> bf16;
  std::vector<std::uint8_t> f8;
  std::vector<float> scales;  // f8 only: [ceil(rows / block_rows)][ceil(cols / block_cols)]
  int block_rows = 128;
  int block_cols = 128;

  // Weights plus scales as held in memory, from the shape and dtype: the same for a matrix
  // whose values live elsewhere (a dummy model's, generated on a device) as for a loaded one.
  std::size_t bytes() const;
  std::size_t element_bytes() const;  // rows x cols x dtype_size
  std::size_t scale_bytes() const;    // f8 only: the f32 block scales
  void row_to_f32(int row, float* out) const;
  std::vector<float> to_f32() const;  // the whole matrix, dequantised
};

float dot(const float* a, const float* b, int n);

// y[t * y_stride + r] = sum_c W[r][c] * x[t * x_stride + c] for t in [0, n).
// Each weight row is read once for all n inputs, which is what makes batched decode cheap.
// Bitwise batch-invariant: y[t] depends on x[t] and W only, never on n or the other inputs.
void matmul(const WeightMatrix& w, const float* x, int n, int x_stride, float* y, int y_stride);
inline void matmul(const WeightMatrix& w, const float* x, int n, float* y) {
  matmul(w, x, n, w.cols, y, w.rows);
}

// out = x / sqrt(mean(x^2) + eps) * weight (out may alias x).
void rms_norm(const float* x, const float* weight, int dim, float eps, float* out);
void softmax_inplace(float* x, int n);
inline float silu(float x) {
  return x / (1.0f + __builtin_expf(-x));
}

}  // namespace rbench::moe
