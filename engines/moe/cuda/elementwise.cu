// The element-wise and row-copy kernels of elementwise.h: one thread per element in a grid-stride
// loop (64-bit indices: a hidden state times a prefill batch passes 2^31).
#include "engines/moe/cuda/elementwise.h"

#include <algorithm>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/launch.h"

namespace rbench::moe::cuda {
namespace {

constexpr int kThreads = 256;
// At most this many blocks: the grid-stride loop covers the rest, and no grid dimension nears
// the hardware's limits.
constexpr long long kMaxBlocks = 1 << 20;

unsigned grid_for(long long count) {
  return static_cast<unsigned>(std::min(kMaxBlocks, (count + kThreads - 1) / kThreads));
}

__device__ long long first_index() {
  return static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
}
__device__ long long grid_step() {
  return static_cast<long long>(gridDim.x) * kThreads;
}

__global__ void add_inplace_kernel(float* y, const float* x, long long count) {
  for (long long i = first_index(); i < count; i += grid_step()) y[i] += x[i];
}

__global__ void silu_mul_kernel(float* g, const float* u, long long count) {
  for (long long i = first_index(); i < count; i += grid_step()) {
    const float v = g[i];
    // The CPU's silu (cpu_kernels.h), IEEE division; expf is the one non-exact step.
    g[i] = v / (1.0f + expf(-v)) * u[i];
  }
}

__global__ void copy_rows_kernel(float* dst, int dst_stride, const float* src, int src_stride,
                                 int rows, int cols) {
  const long long count = static_cast<long long>(rows) * cols;
  for (long long i = first_index(); i < count; i += grid_step()) {
    const long long r = i / cols;
    const long long c = i % cols;
    dst[r * dst_stride + c] = src[r * src_stride + c];
  }
}

}  // namespace

void add_inplace(float* y, const float* x, std::size_t count, cudaStream_t stream) {
  if (!y || !x) bad_params("add_inplace", "null pointer (count " + std::to_string(count) + ")");
  if (count == 0) return;
  const auto n = static_cast<long long>(count);
  add_inplace_kernel<<<grid_for(n), kThreads, 0, stream>>>(y, x, n);
  check_launch("add_inplace_kernel");
}

void silu_mul(float* g, const float* u, std::size_t count, cudaStream_t stream) {
  if (!g || !u) bad_params("silu_mul", "null pointer (count " + std::to_string(count) + ")");
  if (count == 0) return;
  const auto n = static_cast<long long>(count);
  silu_mul_kernel<<<grid_for(n), kThreads, 0, stream>>>(g, u, n);
  check_launch("silu_mul_kernel");
}

void copy_rows(float* dst, int dst_stride, const float* src, int src_stride, int rows, int cols,
               cudaStream_t stream) {
  if (rows < 0 || cols <= 0 || dst_stride < cols || src_stride < cols) {
    bad_params("copy_rows", "rows " + std::to_string(rows) + ", cols " + std::to_string(cols) +
                                ", strides dst " + std::to_string(dst_stride) + " src " +
                                std::to_string(src_stride) + " (each at least cols)");
  }
  if (!dst || !src) bad_params("copy_rows", "null pointer");
  if (rows == 0) return;
  copy_rows_kernel<<<grid_for(static_cast<long long>(rows) * cols), kThreads, 0, stream>>>(
      dst, dst_stride, src, src_stride, rows, cols);
  check_launch("copy_rows_kernel");
}

}  // namespace rbench::moe::cuda
