// The decode-step gemv's per-output reduction (weights.h), shared by the gemv of weights.cu and
// the grouped expert gemv of moe.cu, so that both reduce every output in the same order and give
// the same bits. For the .cu files of this room only.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "engines/moe/cuda/device_math.cuh"
#include "engines/moe/cuda/weights.h"

namespace rbench::moe::cuda {

// gemv: one warp per output row, four rows per block.
inline constexpr int kGemvWarps = 4;

// e4m3fn (no infinities; S.1111.111 is NaN) to f32, exactly as f8_e4m3_to_f32 of
// engines/moe/checkpoint/dtype.cpp: every e4m3 value, subnormals included, is an f32.
__device__ __forceinline__ float e4m3_to_f32(unsigned v) {
  const bool negative = (v & 0x80u) != 0;
  const unsigned exp = (v >> 3) & 0xFu;
  const unsigned mant = v & 0x7u;
  float magnitude;
  if (exp == 0xF && mant == 0x7) {
    magnitude = __uint_as_float(0x7fc00000u);
  } else if (exp == 0) {
    magnitude = static_cast<float>(mant) * 0x1p-9f;  // subnormal: mant * 2^-9, exact
  } else {
    // 2^(exp - 7) * (1 + mant / 8): rebias 7 -> 127 and place the 3 mantissa bits on top.
    magnitude = __uint_as_float(((exp + 120u) << 23) | (mant << 20));
  }
  return negative ? -magnitude : magnitude;
}

// The scale of the block holding (row, col) of an fp8 matrix.
__device__ __forceinline__ float block_scale(const WeightView& w, int row, int col) {
  const long long scale_cols = (w.cols + w.block_cols - 1) / w.block_cols;
  return w.scales[static_cast<long long>(row / w.block_rows) * scale_cols + col / w.block_cols];
}

// W[row][col] in f32, the CPU's row_to_f32 value (for fp8: decoded, then one f32 multiply).
__device__ __forceinline__ float load_weight(const WeightView& w, int row, int col) {
  const long long at = static_cast<long long>(row) * w.cols + col;
  switch (w.type) {
    case WeightType::f32:
      return static_cast<const float*>(w.data)[at];
    case WeightType::bf16:
      return bf16_to_f32(static_cast<const std::uint16_t*>(w.data)[at]);
    case WeightType::f8_e4m3:
      return __fmul_rn(e4m3_to_f32(static_cast<const std::uint8_t*>(w.data)[at]),
                       block_scale(w, row, col));
  }
  return __uint_as_float(0x7fc00000u);
}

// Weight elements in one 16-byte load: 4 f32, 8 bf16 or 16 fp8.
__host__ __device__ constexpr int vector_width(WeightType t) {
  return t == WeightType::f32 ? 4 : t == WeightType::bf16 ? 8 : 16;
}

// One pass of gemv: at most kGemvMaxBatch inputs, x and y already offset to the pass's first.
struct GemvPass {
  WeightView w;
  const float* x = nullptr;
  long long x_stride = 0;
  float* y = nullptr;
  long long y_stride = 0;
  int batch = 0;  // in [1, kGemvMaxBatch]
};

// Chunk `chunk` (vector_width(T) elements) of a weight row, dequantised. The chunk lies within one
// scale block: the vector path is chosen only when block_cols is a multiple of the width.
template <WeightType T>
__device__ __forceinline__ void load_chunk(const WeightView& w, int row, int chunk, float* out) {
  constexpr int kWidth = vector_width(T);
  const long long at =
      static_cast<long long>(row) * w.cols + static_cast<long long>(chunk) * kWidth;
  // The weights are read once per pass: evict-first (__ldcs) keeps x in the caches.
  if constexpr (T == WeightType::f32) {
    const float4 v =
        __ldcs(reinterpret_cast<const float4*>(static_cast<const float*>(w.data) + at));
    out[0] = v.x;
    out[1] = v.y;
    out[2] = v.z;
    out[3] = v.w;
  } else {
    const uint4 v = __ldcs(reinterpret_cast<const uint4*>(
        static_cast<const unsigned char*>(w.data) + at * (T == WeightType::bf16 ? 2 : 1)));
    const unsigned words[4] = {v.x, v.y, v.z, v.w};
    if constexpr (T == WeightType::bf16) {
      // Element 2k of a 32-bit word is its low half (little endian).
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        out[2 * k] = bf16_to_f32(words[k] & 0xffffu);
        out[2 * k + 1] = bf16_to_f32(words[k] >> 16);
      }
    } else {
      const float scale = block_scale(w, row, chunk * kWidth);
      // Byte k of the 16 is byte k % 4 of word k / 4 (little endian).
#pragma unroll
      for (int k = 0; k < 16; ++k) {
        out[k] = __fmul_rn(e4m3_to_f32((words[k / 4] >> (8 * (k % 4))) & 0xffu), scale);
      }
    }
  }
}

// Output `row` of one pass, computed by one whole warp (`lane` its lane). Each lane accumulates
// its own strided slice of the row for every input of the pass, in an order that depends on cols
// and the path alone (explicit fmaf: no contraction left to the compiler), then the warp sums the
// lanes in a fixed tree. So y[t] has the same bits whichever pass and slot of the pass its input
// lands in, and whichever kernel calls this.
template <WeightType T, bool kVector>
__device__ __forceinline__ void gemv_pass_row(const GemvPass& p, int row, int lane) {
  float acc[kGemvMaxBatch];
#pragma unroll
  for (int t = 0; t < kGemvMaxBatch; ++t) acc[t] = 0.0f;
  if constexpr (kVector) {
    constexpr int kWidth = vector_width(T);
    const int chunks = p.w.cols / kWidth;
    for (int chunk = lane; chunk < chunks; chunk += kWarp) {
      float wv[kWidth];
      load_chunk<T>(p.w, row, chunk, wv);
#pragma unroll
      for (int t = 0; t < kGemvMaxBatch; ++t) {
        if (t >= p.batch) break;
        const float4* x = reinterpret_cast<const float4*>(p.x + t * p.x_stride +
                                                          static_cast<long long>(chunk) * kWidth);
#pragma unroll
        for (int q = 0; q < kWidth / 4; ++q) {
          const float4 xv = x[q];
          acc[t] = fmaf(wv[4 * q], xv.x, acc[t]);
          acc[t] = fmaf(wv[4 * q + 1], xv.y, acc[t]);
          acc[t] = fmaf(wv[4 * q + 2], xv.z, acc[t]);
          acc[t] = fmaf(wv[4 * q + 3], xv.w, acc[t]);
        }
      }
    }
  } else {
    for (int c = lane; c < p.w.cols; c += kWarp) {
      const float wc = load_weight(p.w, row, c);
#pragma unroll
      for (int t = 0; t < kGemvMaxBatch; ++t) {
        if (t >= p.batch) break;
        acc[t] = fmaf(wc, p.x[t * p.x_stride + c], acc[t]);
      }
    }
  }
#pragma unroll
  for (int t = 0; t < kGemvMaxBatch; ++t) {
    if (t >= p.batch) break;
    const float sum = warp_sum(acc[t]);
    if (lane == 0) p.y[t * p.y_stride + row] = sum;
  }
}

}  // namespace rbench::moe::cuda
