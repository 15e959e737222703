// Small element-wise and row-wise kernels of the forward pass, each the twin of a loop in
// engines/moe/model/model.cpp. All exact against the CPU except where noted.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace rbench::moe::cuda {

// y[i] += x[i] (the residual stream). Twin: model.cpp's `h[i] += out[i]`. Exact.
void add_inplace(float* y, const float* x, std::size_t count, cudaStream_t stream);

// g[i] = silu(g[i]) * u[i] (the SwiGLU MLP). Twin: model.cpp dense_mlp with cpu silu; expf
// against the CPU's expf: a few ulp.
void silu_mul(float* g, const float* u, std::size_t count, cudaStream_t stream);

// dst[r * dst_stride + c] = src[r * src_stride + c] for r < rows, c < cols (the MTP module's
// concatenation [enorm(embedding); hnorm(hidden)] and the selection of logits rows). Exact.
void copy_rows(float* dst, int dst_stride, const float* src, int src_stride, int rows, int cols,
               cudaStream_t stream);

}  // namespace rbench::moe::cuda
