// The activation quantiser of the fp8-by-fp8 product (blas.h): one warp per (input row, block of
// 128 columns). Bit for bit the CPU twin quantize_activations_fp8 of engines/moe/cpu/fp8_gemm.h:
// the block's amax is exact in any order, the scale is one IEEE division, and each value is one
// IEEE division then the hardware's round-to-nearest-even, saturating e4m3 conversion (the CPU's
// f32_to_f8_e4m3).
#include <cuda_fp8.h>

#include <cfloat>
#include <string>

#include "engines/moe/cuda/blas.h"
#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/launch.h"

namespace rbench::moe::cuda {
namespace {

constexpr int kBlock = 128;  // columns per activation scale
constexpr int kWarpsPerBlock = 4;
constexpr float kE4m3Max = 448.0f;
// More rows would overflow activation_scale_rows' int (and no batch comes near).
constexpr int kMaxRows = 1 << 30;

struct QuantizeParams {
  const float* x = nullptr;
  int n = 0;
  int padded_rows = 0;  // activation_scale_rows(n)
  int cols = 0;
  int blocks = 0;  // ceil(cols / 128)
  std::uint8_t* x_q = nullptr;
  float* x_scales = nullptr;
};

__global__ void quantize_kernel(QuantizeParams p) {
  const long long warp = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  if (warp >= static_cast<long long>(p.padded_rows) * p.blocks) return;  // whole warps
  const int lane = threadIdx.x % kWarp;
  const int t = static_cast<int>(warp / p.blocks);
  const int b = static_cast<int>(warp % p.blocks);
  float* scale_out = p.x_scales + static_cast<long long>(b) * p.padded_rows + t;
  if (t >= p.n) {  // a padding row: a defined scale, no values
    if (lane == 0) *scale_out = 1.0f;
    return;
  }
  const int c0 = b * kBlock;
  const int c1 = min(p.cols, c0 + kBlock);
  const float* x = p.x + static_cast<long long>(t) * p.cols;
  float amax = 0.0f;
  for (int c = c0 + lane; c < c1; c += kWarp) amax = fmaxf(amax, fabsf(x[c]));
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    amax = fmaxf(amax, __shfl_xor_sync(kFullMask, amax, offset));
  }
  float scale = __fdiv_rn(amax, kE4m3Max);
  if (amax == 0.0f) {
    scale = 1.0f;
  } else if (scale < FLT_MIN) {
    scale = FLT_MIN;
  }
  if (lane == 0) *scale_out = scale;
  std::uint8_t* q = p.x_q + static_cast<long long>(t) * p.cols;
  for (int c = c0 + lane; c < c1; c += kWarp) {
    q[c] = __nv_cvt_float_to_fp8(__fdiv_rn(x[c], scale), __NV_SATFINITE, __NV_E4M3);
  }
}

}  // namespace

void quantize_activations_fp8(const float* x, int n, int cols, std::uint8_t* x_q, float* x_scales,
                              cudaStream_t stream) {
  if (n < 0 || cols <= 0) {
    throw Error("cuda::quantize_activations_fp8: n " + std::to_string(n) + ", cols " +
                std::to_string(cols));
  }
  if (!x || !x_q || !x_scales) throw Error("cuda::quantize_activations_fp8: null pointer");
  if (n > kMaxRows) {
    throw Error("cuda::quantize_activations_fp8: n " + std::to_string(n) + " above " +
                std::to_string(kMaxRows));
  }
  if (n == 0) return;
  const QuantizeParams p{.x = x,
                         .n = n,
                         .padded_rows = activation_scale_rows(n),
                         .cols = cols,
                         .blocks = (cols + kBlock - 1) / kBlock,
                         .x_q = x_q,
                         .x_scales = x_scales};
  const long long warps = static_cast<long long>(p.padded_rows) * p.blocks;
  const auto grid = static_cast<unsigned>((warps + kWarpsPerBlock - 1) / kWarpsPerBlock);
  quantize_kernel<<<grid, kWarpsPerBlock * kWarp, 0, stream>>>(p);
  check_launch("quantize_activations_fp8");
}

}  // namespace rbench::moe::cuda
