// The fp8 e4m3 matrix product at memory speed: 64 codes at a time are dequantised in registers
// (two in-register byte lookups give each code's bf16 bits, which all e4m3 values fit exactly),
// multiplied into f32 accumulators, and each 128-column block's sum is scaled once. Needs
// AVX-512 VBMI (the byte lookups) in the build; elsewhere matmul keeps decoding each row with
// fp8_decode.h and taking its dot product.
//
// Summation order, fixed whatever the batch: per block, four 16-lane accumulators over the
// block's codes in order; the block's lanes scaled into the row's 16-lane accumulator; the row's
// lanes summed last. A row's result thus depends on its weights and one input only (batch
// invariance), and differs in the last bits from decoding first and summing w * scale * x.
// Inputs go through a row in pairs, each decoded chunk serving both: a 2-token verification
// step decodes its weights once.
#pragma once

#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"

namespace rbench::moe {

// Columns per kernel step: the codes one 512-bit register holds.
inline constexpr int kFp8GemvChunk = 64;

// Whether matmul takes this kernel for w: an fp8 matrix whose columns and scale blocks are
// multiples of kFp8GemvChunk, in a build with AVX-512 VBMI.
bool fp8_gemv_applies(const WeightMatrix& w);

// x [n][cols] in the lane order the kernel's dequantisation yields (cols floats per input).
std::vector<float> fp8_gemv_inputs(const float* x, int n, int x_stride, int cols);

// y[t * y_stride + r] = sum_c W[r][c] * x[t][c] for rows [r0, r1) and t in [0, n); xp from
// fp8_gemv_inputs. Only where fp8_gemv_applies(w).
void fp8_gemv_rows(const WeightMatrix& w, int r0, int r1, const float* xp, int n, float* y,
                   int y_stride);

}  // namespace rbench::moe
