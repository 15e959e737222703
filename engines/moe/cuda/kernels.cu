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

}  // namespace rbench::moe::cuda
