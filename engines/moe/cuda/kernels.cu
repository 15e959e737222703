// The first CUDA kernels (see kernels.h for what each computes and its CPU twin). Reductions are
// in f32 with warp shuffles; where the CPU accumulates in double the tests state the tolerance.
#include "engines/moe/cuda/kernels.h"

#include <cmath>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device_math.cuh"

namespace rbench::moe::cuda {
namespace {

// One block per row for the row-wise kernels: enough threads to stream a 7168-wide hidden state,
// few enough that a 64-wide row leaves most of them idle only briefly.
constexpr int kRowThreads = 256;
// gemv: one warp per output row, four rows per block.
constexpr int kGemvWarps = 4;
constexpr int kRopeThreads = 256;

__global__ void rms_norm_kernel(RmsNormParams p) {
  const float* x = p.x + static_cast<std::size_t>(blockIdx.x) * p.x_stride;
  float* out = p.out + static_cast<std::size_t>(blockIdx.x) * p.out_stride;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < p.dim; i += kRowThreads) ss += x[i] * x[i];
  ss = block_reduce<kRowThreads, false>(ss);
  // IEEE sqrt and division (not rsqrtf's 2 ulp), and the CPU's (x * inv) * weight order.
  const float inv = 1.0f / sqrtf(ss / p.dim + p.eps);
  for (int i = threadIdx.x; i < p.dim; i += kRowThreads) out[i] = x[i] * inv * p.weight[i];
}

__global__ void rope_kernel(RopeParams p) {
  const int half = p.rope_dim / 2;
  const long long pair = static_cast<long long>(blockIdx.x) * kRopeThreads + threadIdx.x;
  if (pair >= static_cast<long long>(p.rows) * half) return;
  const int row = static_cast<int>(pair / half);
  const int i = static_cast<int>(pair % half);
  const int position = p.positions[row / p.rows_per_position];
  float* v = p.x + static_cast<std::size_t>(row) * p.row_stride + p.rope_offset + 2 * i;
  if (position < 0 || position >= p.table_positions) {
    v[0] = v[1] = NAN;  // visible in every later result, unlike a read past the table
    return;
  }
  const float2 cs =
      reinterpret_cast<const float2*>(p.cos_sin)[static_cast<std::size_t>(position) * half + i];
  const float a = v[0];
  const float b = v[1];
  v[0] = a * cs.x - b * cs.y;
  v[1] = b * cs.x + a * cs.y;
}

__global__ void softmax_kernel(SoftmaxParams p) {
  float* x = p.x + static_cast<std::size_t>(blockIdx.x) * p.cols;
  float m = -INFINITY;
  for (int i = threadIdx.x; i < p.cols; i += kRowThreads) m = fmaxf(m, x[i]);
  m = block_reduce<kRowThreads, true>(m);
  float sum = 0.0f;
  for (int i = threadIdx.x; i < p.cols; i += kRowThreads) {
    const float e = expf(x[i] - m);
    x[i] = e;
    sum += e;
  }
  sum = block_reduce<kRowThreads, false>(sum);
  const float inv = 1.0f / sum;
  for (int i = threadIdx.x; i < p.cols; i += kRowThreads) x[i] *= inv;
}

// bf16 is the top half of an f32: element 2k of a 32-bit word is its low half (little endian).
__device__ float bf16_lo(unsigned v) {
  return __uint_as_float(v << 16);
}
__device__ float bf16_hi(unsigned v) {
  return __uint_as_float(v & 0xffff0000u);
}

__device__ float dot8(uint4 w, float4 x0, float4 x1) {
  float acc = bf16_lo(w.x) * x0.x;
  acc += bf16_hi(w.x) * x0.y;
  acc += bf16_lo(w.y) * x0.z;
  acc += bf16_hi(w.y) * x0.w;
  acc += bf16_lo(w.z) * x1.x;
  acc += bf16_hi(w.z) * x1.y;
  acc += bf16_lo(w.w) * x1.z;
  acc += bf16_hi(w.w) * x1.w;
  return acc;
}

// One warp per row; each lane loads 8 weights (16 bytes) at a time, so a warp reads 512
// contiguous bytes per step. The weights are read once: __ldcs marks them evict-first so they
// do not push x out of the caches.
__global__ void gemv_bf16_vector16_kernel(GemvBf16Params p) {
  const int row = blockIdx.x * kGemvWarps + threadIdx.x / kWarp;
  if (row >= p.rows) return;
  const int lane = threadIdx.x % kWarp;
  const uint4* w = reinterpret_cast<const uint4*>(p.w + static_cast<std::size_t>(row) * p.cols);
  const float4* x = reinterpret_cast<const float4*>(p.x);
  const int chunks = p.cols / 8;
  float acc = 0.0f;
#pragma unroll 4
  for (int c = lane; c < chunks; c += kWarp) acc += dot8(__ldcs(w + c), x[2 * c], x[2 * c + 1]);
  acc = warp_sum(acc);
  if (lane == 0) p.y[row] = acc;
}

// Any cols and alignment: one bf16 per lane per step.
__global__ void gemv_bf16_scalar_kernel(GemvBf16Params p) {
  const int row = blockIdx.x * kGemvWarps + threadIdx.x / kWarp;
  if (row >= p.rows) return;
  const int lane = threadIdx.x % kWarp;
  const std::uint16_t* w = p.w + static_cast<std::size_t>(row) * p.cols;
  float acc = 0.0f;
  for (int c = lane; c < p.cols; c += kWarp) acc += __uint_as_float(unsigned{w[c]} << 16) * p.x[c];
  acc = warp_sum(acc);
  if (lane == 0) p.y[row] = acc;
}

bool aligned16(const void* ptr) {
  return reinterpret_cast<std::uintptr_t>(ptr) % 16 == 0;
}

}  // namespace

void rms_norm(const RmsNormParams& p, cudaStream_t stream) {
  if (p.rows < 0 || p.dim <= 0) {
    bad_params("rms_norm", "rows " + std::to_string(p.rows) + ", dim " + std::to_string(p.dim));
  }
  if (!p.x || !p.weight || !p.out) bad_params("rms_norm", "null pointer");
  if (p.x_stride < 0 || p.out_stride < 0 || (p.x_stride > 0 && p.x_stride < p.dim) ||
      (p.out_stride > 0 && p.out_stride < p.dim)) {
    bad_params("rms_norm", "row strides " + std::to_string(p.x_stride) + ", " +
                               std::to_string(p.out_stride) + " below dim " +
                               std::to_string(p.dim));
  }
  if (p.rows == 0) return;
  RmsNormParams q = p;
  if (q.x_stride == 0) q.x_stride = q.dim;
  if (q.out_stride == 0) q.out_stride = q.dim;
  rms_norm_kernel<<<p.rows, kRowThreads, 0, stream>>>(q);
  check_launch("rms_norm_kernel");
}

void rope(const RopeParams& p, cudaStream_t stream) {
  if (p.rope_dim <= 0 || p.rope_dim % 2 != 0) {
    bad_params("rope", "rope_dim must be even and positive, got " + std::to_string(p.rope_dim));
  }
  if (p.rows < 0 || p.rows_per_position <= 0 || p.rope_offset < 0 ||
      p.rope_offset + p.rope_dim > p.row_stride || p.table_positions <= 0) {
    bad_params("rope", "rows " + std::to_string(p.rows) + ", rows_per_position " +
                           std::to_string(p.rows_per_position) + ", rope_offset " +
                           std::to_string(p.rope_offset) + " + rope_dim " +
                           std::to_string(p.rope_dim) + " within row_stride " +
                           std::to_string(p.row_stride) + ", table_positions " +
                           std::to_string(p.table_positions));
  }
  if (!p.x || !p.positions || !p.cos_sin) bad_params("rope", "null pointer");
  if (p.rows == 0) return;
  const long long pairs = static_cast<long long>(p.rows) * (p.rope_dim / 2);
  const auto blocks = static_cast<unsigned>((pairs + kRopeThreads - 1) / kRopeThreads);
  rope_kernel<<<blocks, kRopeThreads, 0, stream>>>(p);
  check_launch("rope_kernel");
}

void softmax(const SoftmaxParams& p, cudaStream_t stream) {
  if (p.rows < 0 || p.cols <= 0) {
    bad_params("softmax", "rows " + std::to_string(p.rows) + ", cols " + std::to_string(p.cols));
  }
  if (!p.x) bad_params("softmax", "null pointer");
  if (p.rows == 0) return;
  softmax_kernel<<<p.rows, kRowThreads, 0, stream>>>(p);
  check_launch("softmax_kernel");
}

GemvKernel choose_gemv_bf16(const GemvBf16Params& p) {
  return p.cols % 8 == 0 && aligned16(p.w) && aligned16(p.x) ? GemvKernel::vector16
                                                             : GemvKernel::scalar;
}

void gemv_bf16(const GemvBf16Params& p, cudaStream_t stream) {
  if (p.rows < 0 || p.cols <= 0) {
    bad_params("gemv_bf16", "rows " + std::to_string(p.rows) + ", cols " + std::to_string(p.cols));
  }
  if (!p.w || !p.x || !p.y) bad_params("gemv_bf16", "null pointer");
  if (p.rows == 0) return;
  const unsigned blocks = (p.rows + kGemvWarps - 1) / kGemvWarps;
  if (choose_gemv_bf16(p) == GemvKernel::vector16) {
    gemv_bf16_vector16_kernel<<<blocks, kGemvWarps * kWarp, 0, stream>>>(p);
  } else {
    gemv_bf16_scalar_kernel<<<blocks, kGemvWarps * kWarp, 0, stream>>>(p);
  }
  check_launch("gemv_bf16");
}

}  // namespace rbench::moe::cuda
