// The CPU twin of the CUDA backend's fp8-by-fp8 block-scaled product (engines/moe/cuda/blas.h):
// activations quantised to e4m3 with one scale per (row, 128 columns), multiplied against fp8
// weights with DeepSeek's 128x128 block scales. Other arithmetic than the dequantising matmul of
// cpu_kernels.h (the activations lose precision too), so the GPU path is checked against this.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"

namespace rbench::moe {

// Columns per activation scale, and per weight scale block along a row.
inline constexpr int kFp8ActivationBlock = 128;

// Rows of the activation scale array: n padded to a multiple of 4, as cuBLASLt's VEC128_32F mode
// reads it (the same figure as cuda::activation_scale_rows, which this room cannot include).
inline int activation_scale_rows(int n) {
  return (n + 3) / 4 * 4;
}

// x is [n][cols] f32. x_q[t][c] = e4m3(x[t][c] / s) (f32_to_f8_e4m3: nearest even, saturating),
// s = amax(|x[t][block]|) / 448 for each block of 128 columns (the last may be narrower): 1 for an
// all-zero block, the smallest normal f32 where it would underflow. s goes to
// x_scales[block * activation_scale_rows(n) + t]; the padding rows t in [n, scale rows) get 1.
// x_q holds n * cols bytes, x_scales ceil(cols / 128) * activation_scale_rows(n) floats.
void quantize_activations_fp8(const float* x, int n, int cols, std::uint8_t* x_q, float* x_scales);

// y[t * w.rows + r] = sum over blocks b of 128 columns of
//   (sum_{c in b} e4m3(W_q[r][c]) * e4m3(x_q[t][c])) * w_scale[r / block_rows][b] * x_scale[t][b]
// accumulated in double, for an fp8 w with block_cols 128; x_q and x_scales as
// quantize_activations_fp8 writes them. Throws Error for another dtype or block width.
std::vector<float> fp8_blockscaled_matmul(const WeightMatrix& w, const std::uint8_t* x_q,
                                          const float* x_scales, int n);

}  // namespace rbench::moe
