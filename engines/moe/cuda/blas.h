// cuBLAS and cuBLASLt, loaded with dlopen when a CUDA device is asked for. The toolkit ships them
// as shared libraries only, and rbench links the CUDA runtime statically so that the binary starts
// where no toolkit is installed; a missing library is then an error of `--device cuda` alone,
// with a message naming the file, not a failure to start.
//
// Prefill products go through cuBLAS (its kernel choice depends on the shape, so they are not
// batch-invariant; decode steps use gemv of weights.h). TF32 is off: f32 products are f32.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <string>

namespace rbench::moe::cuda {

// The fp8-by-fp8 product with DeepSeek's block scales through cuBLASLt (CUDA 12.9+ on sm_90):
// y[t][r] = sum_c (W_q[r][c] w_scale[r / 128][c / 128]) (x_q[t][c] x_scale[t][c / 128]).
// The activations are quantised too (quantize_activations_fp8), which is other arithmetic than
// the dequantising path: its CPU twin is fp8_blockscaled_matmul (engines/moe/cpu/fp8_gemm.h).
struct Fp8GemmParams {
  const std::uint8_t* w = nullptr;  // [rows][cols] e4m3
  const float* w_scales = nullptr;  // [ceil(rows / 128)][ceil(cols / 128)], as the checkpoint
  const std::uint8_t* x = nullptr;  // [n][cols] e4m3
  const float* x_scales = nullptr;  // activation_scale_layout: [ceil(cols / 128)][n_padded]
  float* y = nullptr;               // [n][rows]
  int rows = 0;                     // a multiple of 16 (cuBLASLt's fp8 alignment)
  int cols = 0;                     // a multiple of 128
  int n = 0;
};

// Activation scales as cuBLASLt's VEC128_32F mode reads them: one f32 per (row, 128 columns),
// the row index fastest, rows padded to a multiple of 4.
inline int activation_scale_rows(int n) {
  return (n + 3) / 4 * 4;
}

// x_q[t][c] = e4m3(x[t][c] / s), s = amax(|x[t][block]|) / 448 (1 for an all-zero block; the
// smallest normal f32 where it would underflow, as quantize_fp8_band does for weights), into
// x_scales[block * activation_scale_rows(n) + t]; the padding rows t in [n, scale rows) get 1.
// x is [n][cols] f32, x_q [n][cols]; cols need not be a multiple of 128 here (the last block is
// narrower). Twin: quantize_activations_fp8 of engines/moe/cpu/fp8_gemm.h. Exact.
void quantize_activations_fp8(const float* x, int n, int cols, std::uint8_t* x_q, float* x_scales,
                              cudaStream_t stream);

class Blas {
 public:
  // dlopens libcublas and libcublasLt of the major version rbench was built with; Error naming
  // the library and dlerror() when one is missing. Creates the handles on the current device.
  Blas();
  ~Blas();
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;

  // y[t * y_stride + r] = sum_c w[r * cols + c] * x[t * x_stride + c] for t < n, all f32 (TF32
  // off). Twin: matmul of cpu_kernels.h; tolerance relative to sum |w x| (another order).
  void gemm_f32(const float* w, int rows, int cols, const float* x, int x_stride, int n, float* y,
                int y_stride, cudaStream_t stream) const;

  // Empty when the loaded cuBLASLt and this device support gemm_fp8_blockscaled, else why not.
  std::string fp8_blockscaled_unsupported() const;
  void gemm_fp8_blockscaled(const Fp8GemmParams& p, cudaStream_t stream) const;

  std::string describe() const;  // the libraries' versions, for logs

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rbench::moe::cuda
