// The first CUDA kernels of the built-in engine, each the twin of a CPU reference:
//   rms_norm   -> engines/moe/cpu/cpu_kernels.h rms_norm, row by row
//   rope       -> engines/moe/model/rope.h Rope::apply (rotation only; the table is
//                 Rope::cos_sin_table)
//   softmax    -> engines/moe/cpu/cpu_kernels.h softmax_inplace, row by row
//   gemv_bf16  -> engines/moe/cpu/cpu_kernels.h matmul with a bf16 WeightMatrix and one input
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

// y = W x with W bf16 row-major [rows][cols] (bf16 as its raw 16 bits), x and y f32. The decode
// hot path: bound by reading W, so it is measured against device-copy bandwidth.
struct GemvBf16Params {
  const std::uint16_t* w = nullptr;
  const float* x = nullptr;  // [cols]
  float* y = nullptr;        // [rows]
  int rows = 0;
  int cols = 0;
};
// Which gemv kernel the parameters get: 16-byte loads need cols % 8 == 0 and aligned W and x.
enum class GemvKernel { vector16, scalar };
GemvKernel choose_gemv_bf16(const GemvBf16Params& p);
void gemv_bf16(const GemvBf16Params& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
