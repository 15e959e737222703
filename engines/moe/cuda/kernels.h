// The first CUDA kernels of the built-in engine, each the twin of a CPU reference:
//   rms_norm   -> engines/moe/cpu/cpu_kernels.h rms_norm, row by row
//   rope       -> engines/moe/model/rope.h Rope::apply (rotation only; the table is
//                 Rope::cos_sin_table)
//   softmax    -> engines/moe/cpu/cpu_kernels.h softmax_inplace, row by row
// Launchers are host functions over device pointers and a stream; each checks its parameters
// before launching (throwing rbench::Error) and checks the launch itself.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace rbench::moe::cuda {

// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight for each row r; out may alias x.
struct RmsNormParams {
  const float* x = nullptr;       // [rows][dim]
  const float* weight = nullptr;  // [dim]
  float* out = nullptr;           // [rows][dim]
  int rows = 0;
  int dim = 0;
  float eps = 1e-6f;
  int x_stride = 0;    // elements between rows of x; 0: dim
  int out_stride = 0;  // elements between rows of out; 0: dim
};
void rms_norm(const RmsNormParams& p, cudaStream_t stream);

// Rotates pairs (x[2i], x[2i+1]) of the rope part of each row in place, the convention of
// Rope::apply. Row r holds rope_dim floats at x + r * row_stride + rope_offset and is at position
// positions[r / rows_per_position] (MLA's query: one row per head, heads rows per token).
struct RopeParams {
  float* x = nullptr;
  const int* positions = nullptr;  // device, [rows / rows_per_position]
  const float* cos_sin = nullptr;  // device, Rope::cos_sin_table(table_positions)
  int rows = 0;
  int row_stride = 0;
  int rope_offset = 0;
  int rope_dim = 0;  // even
  int rows_per_position = 1;
  int table_positions = 0;  // a position outside [0, table_positions) writes NaN, not garbage
};
void rope(const RopeParams& p, cudaStream_t stream);

// Softmax of each row in place; -inf entries get 0 (masking), a row of only -inf becomes NaN as
// on the CPU.
struct SoftmaxParams {
  float* x = nullptr;  // [rows][cols]
  int rows = 0;
  int cols = 0;
};
void softmax(const SoftmaxParams& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
