// A weight matrix in device memory, laid out as the CPU's WeightMatrix holds it
// (engines/moe/cpu/cpu_kernels.h): row-major [rows = out features][cols = in features], f32, bf16
// (raw 16 bits) or fp8 e4m3 with one f32 scale per block_rows x block_cols block
// (DeepSeek's weight_scale_inv, [ceil(rows / block_rows)][ceil(cols / block_cols)]).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace rbench::moe::cuda {

enum class WeightType { f32, bf16, f8_e4m3 };

struct WeightView {
  WeightType type = WeightType::f32;
  const void* data = nullptr;
  const float* scales = nullptr;  // f8_e4m3 only
  int rows = 0;
  int cols = 0;
  int block_rows = 128;
  int block_cols = 128;
};

// out[t] = W[ids[t]] in f32 ([n][cols]); an id outside [0, rows) gives a row of NaN.
// Twin: WeightMatrix::row_to_f32. Exact (dequantisation is one multiply in both).
void embedding(const WeightView& w, const std::int32_t* ids, int n, float* out,
               cudaStream_t stream);

// The whole matrix dequantised to f32 [rows][cols] (for the cuBLAS prefill path).
// Twin: WeightMatrix::to_f32. Exact.
void dequantize(const WeightView& w, float* out, cudaStream_t stream);

// The same into bf16 (raw bits, round to nearest even) for bf16 tensor-core GEMMs.
// Twin: f32_to_bf16(WeightMatrix::to_f32()). Exact.
void dequantize_bf16(const WeightView& w, std::uint16_t* out, cudaStream_t stream);

// y[t * y_stride + r] = sum_c W[r][c] * x[t * x_stride + c] for t in [0, n): the decode-step
// product, read straight from the stored dtype (fp8 dequantised in registers). One warp reduces
// each output in an order fixed by cols alone, so y[t] has the same bits whatever n is and
// whatever the other rows of x hold (batch invariance, as the CPU matmul). Bound by reading W:
// it is read once for all n inputs. Twin: matmul of cpu_kernels.h; tolerance relative to
// sum_c |W[r][c] x[c]|, as the summation order differs from the CPU's.
struct GemvParams {
  WeightView w;
  const float* x = nullptr;
  int x_stride = 0;  // 0: cols
  float* y = nullptr;
  int y_stride = 0;  // 0: rows
  int n = 1;
};
// Inputs per pass over W: larger batches are split into passes of this many rows of x.
inline constexpr int kGemvMaxBatch = 8;
void gemv(const GemvParams& p, cudaStream_t stream);
// Whether gemv reads W and x with 16-byte loads (cols a multiple of 16 bytes of weights, W and
// every row of x 16-byte aligned, fp8 scale blocks a multiple of 16 columns wide) or one element
// at a time. Each path has its own summation order; the choice never depends on n.
bool gemv_uses_vector_loads(const GemvParams& p);

}  // namespace rbench::moe::cuda
