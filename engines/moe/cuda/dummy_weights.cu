// The random weight fill of dummy models (dummy_weights.h): one thread per element for f32 and
// bf16; for fp8 one thread block per quantisation block, which computes the block's values twice
// (once for the amax, once to quantise) rather than holding them.
#include <cuda_fp8.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "engines/moe/cuda/device_math.cuh"
#include "engines/moe/cuda/dummy_weights.h"
#include "engines/moe/cuda/launch.h"
#include "harness/core/splitmix.h"

namespace rbench::moe::cuda {
namespace {

constexpr int kThreads = 256;
constexpr float kE4m3Max = 448.0f;

__device__ __forceinline__ float value_at(const RandomFillParams& p, long long r, long long c) {
  const std::uint64_t state0 =
      splitmix::row_state(p.seed, p.name_hash, static_cast<std::uint64_t>(r));
  return splitmix::uniform_value(state0, static_cast<std::uint64_t>(c), p.mean, p.half_width);
}

// f32 and bf16: element i of the row-major matrix, grid-strided.
__global__ void fill_elements_kernel(RandomFillParams p) {
  const long long total = static_cast<long long>(p.rows) * p.cols;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += stride) {
    const float v = value_at(p, i / p.cols, i % p.cols);
    if (p.type == WeightType::f32) {
      static_cast<float*>(p.data)[i] = v;
    } else {
      static_cast<std::uint16_t*>(p.data)[i] = f32_to_bf16(v);
    }
  }
}

// The largest value over the thread block (every thread gets it).
__device__ float block_max(float v) {
  __shared__ float warp_max_of[kThreads / kWarp];
  __shared__ float result;
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  }
  if (threadIdx.x % kWarp == 0) warp_max_of[threadIdx.x / kWarp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float m = warp_max_of[0];
    for (int w = 1; w < kThreads / kWarp; ++w) m = fmaxf(m, warp_max_of[w]);
    result = m;
  }
  __syncthreads();
  return result;
}

// fp8: block b of the scale grid, as quantize_fp8_band quantises it. The amax is exact in any
// order; the scale and each quantised value are single IEEE operations, as on the CPU.
__global__ void fill_fp8_kernel(RandomFillParams p, int scale_cols) {
  const int br = static_cast<int>(blockIdx.x / scale_cols);
  const int bc = static_cast<int>(blockIdx.x % scale_cols);
  const long long r0 = static_cast<long long>(br) * p.block_rows;
  const long long c0 = static_cast<long long>(bc) * p.block_cols;
  const int nr = static_cast<int>(min(static_cast<long long>(p.block_rows), p.rows - r0));
  const int nc = static_cast<int>(min(static_cast<long long>(p.block_cols), p.cols - c0));
  const int count = nr * nc;  // at most block_rows x block_cols, checked on the host
  float amax = 0.0f;
  for (int i = threadIdx.x; i < count; i += blockDim.x) {
    amax = fmaxf(amax, fabsf(value_at(p, r0 + i / nc, c0 + i % nc)));
  }
  amax = block_max(amax);
  float scale = __fdiv_rn(amax, kE4m3Max);
  if (amax == 0.0f) {
    scale = 1.0f;
  } else if (scale < FLT_MIN) {
    scale = FLT_MIN;
  }
  if (threadIdx.x == 0) p.scales[blockIdx.x] = scale;
  auto* q = static_cast<std::uint8_t*>(p.data);
  for (int i = threadIdx.x; i < count; i += blockDim.x) {
    const long long r = r0 + i / nc;
    const long long c = c0 + i % nc;
    q[r * p.cols + c] =
        __nv_cvt_float_to_fp8(__fdiv_rn(value_at(p, r, c), scale), __NV_SATFINITE, __NV_E4M3);
  }
}

}  // namespace

void random_fill(const RandomFillParams& p, cudaStream_t stream) {
  if (p.rows <= 0 || p.cols <= 0) {
    bad_params("random_fill",
               "rows " + std::to_string(p.rows) + ", cols " + std::to_string(p.cols));
  }
  if (!p.data) bad_params("random_fill", "null data pointer");
  if (!(p.half_width >= 0.0) || !std::isfinite(p.half_width)) {
    bad_params("random_fill", "half width " + std::to_string(p.half_width));
  }
  if (p.type != WeightType::f8_e4m3) {
    const long long total = static_cast<long long>(p.rows) * p.cols;
    // Grid-strided: a bounded grid covers any size.
    const unsigned grid =
        static_cast<unsigned>(std::min<long long>((total + kThreads - 1) / kThreads, 65536LL * 16));
    fill_elements_kernel<<<grid, kThreads, 0, stream>>>(p);
    check_launch("fill_elements_kernel");
    return;
  }
  if (!p.scales) bad_params("random_fill", "fp8 needs a scales pointer");
  if (p.block_rows <= 0 || p.block_cols <= 0 ||
      static_cast<long long>(p.block_rows) * p.block_cols > (1LL << 30)) {
    bad_params("random_fill",
               "block " + std::to_string(p.block_rows) + " x " + std::to_string(p.block_cols));
  }
  const long long scale_rows = (p.rows + p.block_rows - 1) / p.block_rows;
  const long long scale_cols = (p.cols + p.block_cols - 1) / p.block_cols;
  if (scale_rows * scale_cols > 0x7fffffffLL) {
    bad_params("random_fill", std::to_string(scale_rows * scale_cols) + " scale blocks");
  }
  fill_fp8_kernel<<<static_cast<unsigned>(scale_rows * scale_cols), kThreads, 0, stream>>>(
      p, static_cast<int>(scale_cols));
  check_launch("fill_fp8_kernel");
}

}  // namespace rbench::moe::cuda
