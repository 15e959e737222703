// The weight ops of weights.h: embedding rows, whole-matrix dequantisation, and the decode-step
// gemv straight from the stored dtype. Dequantisation is the CPU's arithmetic exactly (bf16 is the
// top half of an f32; fp8 e4m3 is decoded exactly and multiplied once by its block's scale), so
// embedding and dequantize match WeightMatrix bit for bit.
#include "engines/moe/cuda/weights.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/gemv.cuh"

namespace rbench::moe::cuda {
namespace {

// Element-wise kernels: a grid-stride loop over at most this many blocks, so that a matrix of
// any size needs no grid dimension past the hardware's limits.
constexpr int kThreads = 256;
constexpr long long kMaxBlocks = 1 << 20;

unsigned grid_for(long long count) {
  return static_cast<unsigned>(std::min(kMaxBlocks, (count + kThreads - 1) / kThreads));
}

std::string shape(const WeightView& w) {
  return std::to_string(w.rows) + "x" + std::to_string(w.cols);
}

void check_view(const char* op, const WeightView& w) {
  if (w.rows < 0 || w.cols <= 0) bad_params(op, "weight shape " + shape(w));
  if (!w.data) bad_params(op, "null weight pointer (" + shape(w) + ")");
  switch (w.type) {
    case WeightType::f32:
    case WeightType::bf16:
      return;
    case WeightType::f8_e4m3:
      if (!w.scales) bad_params(op, "fp8 weight " + shape(w) + " without scales");
      if (w.block_rows <= 0 || w.block_cols <= 0) {
        bad_params(op, "fp8 weight " + shape(w) + " with scale blocks " +
                           std::to_string(w.block_rows) + "x" + std::to_string(w.block_cols));
      }
      return;
  }
  bad_params(op, "unknown weight type " + std::to_string(static_cast<int>(w.type)));
}

__global__ void embedding_kernel(WeightView w, const std::int32_t* ids, int n, float* out) {
  const long long count = static_cast<long long>(n) * w.cols;
  for (long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x; i < count;
       i += static_cast<long long>(gridDim.x) * kThreads) {
    const int t = static_cast<int>(i / w.cols);
    const int c = static_cast<int>(i % w.cols);
    const std::int32_t id = ids[t];
    // NaN, visible in every later result, rather than a read outside the matrix.
    out[i] = id >= 0 && id < w.rows ? load_weight(w, id, c) : __uint_as_float(0x7fc00000u);
  }
}

template <typename Out>
__global__ void dequantize_kernel(WeightView w, Out* out) {
  const long long count = static_cast<long long>(w.rows) * w.cols;
  for (long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x; i < count;
       i += static_cast<long long>(gridDim.x) * kThreads) {
    const float v = load_weight(w, static_cast<int>(i / w.cols), static_cast<int>(i % w.cols));
    if constexpr (sizeof(Out) == 2) {
      out[i] = f32_to_bf16(v);
    } else {
      out[i] = v;
    }
  }
}

// One warp per output row (see gemv_pass_row).
template <WeightType T, bool kVector>
__global__ void gemv_kernel(GemvPass p) {
  const int row = blockIdx.x * kGemvWarps + threadIdx.x / kWarp;
  if (row >= p.w.rows) return;  // the whole warp: row is the same for its lanes
  gemv_pass_row<T, kVector>(p, row, threadIdx.x % kWarp);
}

template <WeightType T>
void launch_gemv(const GemvPass& pass, bool vector, cudaStream_t stream) {
  const unsigned blocks = (pass.w.rows + kGemvWarps - 1) / kGemvWarps;
  if (vector) {
    gemv_kernel<T, true><<<blocks, kGemvWarps * kWarp, 0, stream>>>(pass);
  } else {
    gemv_kernel<T, false><<<blocks, kGemvWarps * kWarp, 0, stream>>>(pass);
  }
  check_launch("gemv_kernel");
}

bool aligned16(const void* ptr) {
  return reinterpret_cast<std::uintptr_t>(ptr) % 16 == 0;
}

}  // namespace

void embedding(const WeightView& w, const std::int32_t* ids, int n, float* out,
               cudaStream_t stream) {
  check_view("embedding", w);
  if (n < 0) bad_params("embedding", "n " + std::to_string(n));
  if (!ids || !out) bad_params("embedding", "null ids or output");
  if (n == 0) return;
  embedding_kernel<<<grid_for(static_cast<long long>(n) * w.cols), kThreads, 0, stream>>>(w, ids, n,
                                                                                          out);
  check_launch("embedding_kernel");
}

void dequantize(const WeightView& w, float* out, cudaStream_t stream) {
  check_view("dequantize", w);
  if (!out) bad_params("dequantize", "null output");
  if (w.rows == 0) return;
  dequantize_kernel<float>
      <<<grid_for(static_cast<long long>(w.rows) * w.cols), kThreads, 0, stream>>>(w, out);
  check_launch("dequantize_kernel<float>");
}

void dequantize_bf16(const WeightView& w, std::uint16_t* out, cudaStream_t stream) {
  check_view("dequantize_bf16", w);
  if (!out) bad_params("dequantize_bf16", "null output");
  if (w.rows == 0) return;
  dequantize_kernel<std::uint16_t>
      <<<grid_for(static_cast<long long>(w.rows) * w.cols), kThreads, 0, stream>>>(w, out);
  check_launch("dequantize_kernel<bf16>");
}

bool gemv_uses_vector_loads(const GemvParams& p) {
  const int width = vector_width(p.w.type);
  const int x_stride = p.x_stride == 0 ? p.w.cols : p.x_stride;
  // Every row of W and of x must start on a 16-byte boundary, and an fp8 chunk must not
  // straddle two scale blocks. Nothing here may depend on n (batch invariance).
  return p.w.cols % width == 0 && aligned16(p.w.data) && aligned16(p.x) && x_stride % 4 == 0 &&
         (p.w.type != WeightType::f8_e4m3 || p.w.block_cols % width == 0);
}

void gemv(const GemvParams& p, cudaStream_t stream) {
  check_view("gemv", p.w);
  if (p.n < 0) bad_params("gemv", "n " + std::to_string(p.n));
  if (!p.x || !p.y) bad_params("gemv", "null x or y (W " + shape(p.w) + ")");
  if (p.x_stride < 0 || (p.x_stride > 0 && p.x_stride < p.w.cols)) {
    bad_params("gemv", "x_stride " + std::to_string(p.x_stride) + " below cols " +
                           std::to_string(p.w.cols));
  }
  if (p.y_stride < 0 || (p.y_stride > 0 && p.y_stride < p.w.rows)) {
    bad_params("gemv", "y_stride " + std::to_string(p.y_stride) + " below rows " +
                           std::to_string(p.w.rows));
  }
  if (p.n == 0 || p.w.rows == 0) return;
  const bool vector = gemv_uses_vector_loads(p);
  const long long x_stride = p.x_stride == 0 ? p.w.cols : p.x_stride;
  const long long y_stride = p.y_stride == 0 ? p.w.rows : p.y_stride;
  // Larger batches in passes of kGemvMaxBatch inputs, each reading W again.
  for (int t0 = 0; t0 < p.n; t0 += kGemvMaxBatch) {
    const GemvPass pass{.w = p.w,
                        .x = p.x + t0 * x_stride,
                        .x_stride = x_stride,
                        .y = p.y + t0 * y_stride,
                        .y_stride = y_stride,
                        .batch = std::min(kGemvMaxBatch, p.n - t0)};
    switch (p.w.type) {
      case WeightType::f32:
        launch_gemv<WeightType::f32>(pass, vector, stream);
        break;
      case WeightType::bf16:
        launch_gemv<WeightType::bf16>(pass, vector, stream);
        break;
      case WeightType::f8_e4m3:
        launch_gemv<WeightType::f8_e4m3>(pass, vector, stream);
        break;
    }
  }
}

}  // namespace rbench::moe::cuda
