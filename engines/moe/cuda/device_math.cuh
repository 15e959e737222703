// Device functions the kernels of this room share: warp and block reductions, and the bf16
// conversions, each the same arithmetic as its CPU counterpart in engines/moe/checkpoint/dtype.cpp.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "engines/moe/cuda/launch.h"

namespace rbench::moe::cuda {

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  }
  return v;
}

// Sum (or max) over a block of kThreads, returned to every thread. The trailing barrier lets a
// caller reduce again with the same shared scratch.
template <int kThreads, bool kMax>
__device__ __forceinline__ float block_reduce(float v) {
  static_assert(kThreads % kWarp == 0 && kThreads / kWarp <= kWarp);
  __shared__ float partial[kThreads / kWarp];
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  v = kMax ? warp_max(v) : warp_sum(v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const float identity = kMax ? -INFINITY : 0.0f;
  v = lane < kThreads / kWarp ? partial[lane] : identity;
  v = kMax ? warp_max(v) : warp_sum(v);
  __syncthreads();
  return v;
}

// bf16 is the top half of an f32.
__device__ __forceinline__ float bf16_to_f32(unsigned v) {
  return __uint_as_float(v << 16);
}

// f32_to_bf16 of dtype.cpp: round to nearest even; a NaN keeps its sign and top payload bits and
// never truncates to an all-zero mantissa (which would be infinity).
__device__ __forceinline__ std::uint16_t f32_to_bf16(float f) {
  const unsigned bits = __float_as_uint(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    unsigned r = bits >> 16;
    if ((r & 0x7fu) == 0) r |= 0x40u;
    return static_cast<std::uint16_t>(r);
  }
  return static_cast<std::uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace rbench::moe::cuda
