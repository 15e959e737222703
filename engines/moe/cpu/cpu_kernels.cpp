#include "engines/moe/cpu/cpu_kernels.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "engines/moe/cpu/fp8_decode.h"
#include "engines/moe/cpu/fp8_gemv.h"

namespace rbench::moe {
namespace {

inline float bf16_bits_to_f32(std::uint16_t v) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(v) << 16);
}

float dot_bf16(const std::uint16_t* w, const float* x, int n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += bf16_bits_to_f32(w[i]) * x[i];
  return s;
}

}  // namespace

std::size_t WeightMatrix::bytes() const {
  return element_bytes() + scale_bytes();
}

std::size_t WeightMatrix::element_bytes() const {
  return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * dtype_size(dtype);
}

std::size_t WeightMatrix::scale_bytes() const {
  if (dtype != DType::f8_e4m3 || rows <= 0 || cols <= 0) return 0;
  const auto blocks = [](int n, int block) {
    return static_cast<std::size_t>((n + block - 1) / block);
  };
  return blocks(rows, block_rows) * blocks(cols, block_cols) * sizeof(float);
}

void WeightMatrix::row_to_f32(int row, float* out) const {
  const std::size_t base = static_cast<std::size_t>(row) * cols;
  switch (dtype) {
    case DType::f32:
      std::copy_n(f32.data() + base, cols, out);
      break;
    case DType::bf16:
      for (int c = 0; c < cols; ++c) out[c] = bf16_bits_to_f32(bf16[base + c]);
      break;
    case DType::f8_e4m3: {
      const int scale_cols = (cols + block_cols - 1) / block_cols;
      const float* scale_row =
          scales.data() + static_cast<std::size_t>(row / block_rows) * scale_cols;
      // Block by block: decoded in registers, times the block's one scale (fp8_decode.h).
      for (int c0 = 0, b = 0; c0 < cols; c0 += block_cols, ++b) {
        decode_e4m3_scaled(f8.data() + base + c0, std::min(block_cols, cols - c0), scale_row[b],
                           out + c0);
      }
      break;
    }
    default:
      break;  // load_weights admits only the three types above
  }
}

std::vector<float> WeightMatrix::to_f32() const {
  std::vector<float> out(static_cast<std::size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r) row_to_f32(r, out.data() + static_cast<std::size_t>(r) * cols);
  return out;
}

float dot(const float* a, const float* b, int n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void matmul(const WeightMatrix& w, const float* x, int n, int x_stride, float* y, int y_stride) {
  if (n <= 0 || w.rows == 0) return;
  // Every output is one weight row against one input, computed by the same code whatever n is,
  // so a row's result does not depend on the batch it came in: self-speculative decoding checks
  // drafts against logits that must not change with the batch. fp8 matrices take the
  // register-dequantising kernel where the build has it (fp8_gemv.h: whether an input shares its
  // decoded weights with another or not, its sums run in one fixed order); elsewhere a row is
  // decoded (fp8_decode.h) and multiplied like an f32 one.
  const bool fp8_kernel = fp8_gemv_applies(w);
  const std::vector<float> xp =
      fp8_kernel ? fp8_gemv_inputs(x, n, x_stride, w.cols) : std::vector<float>{};
  auto rows_block = [&](int r0, int r1) {
    if (fp8_kernel) {
      fp8_gemv_rows(w, r0, r1, xp.data(), n, y, y_stride);
      return;
    }
    std::vector<float> row;  // a dequantised fp8 row, reused for all n inputs
    if (w.dtype == DType::f8_e4m3) row.resize(w.cols);
    for (int r = r0; r < r1; ++r) {
      const std::size_t base = static_cast<std::size_t>(r) * w.cols;
      if (w.dtype == DType::bf16) {
        // Convert while multiplying: the row is streamed from memory once at bf16 width and
        // stays in L1 for the other inputs.
        for (int t = 0; t < n; ++t) {
          y[static_cast<std::size_t>(t) * y_stride + r] =
              dot_bf16(w.bf16.data() + base, x + static_cast<std::size_t>(t) * x_stride, w.cols);
        }
        continue;
      }
      // An fp8 matrix has no f32 data: offsetting its empty vector's null pointer is undefined.
      const float* wr = row.data();
      if (w.dtype == DType::f8_e4m3) {
        w.row_to_f32(r, row.data());
      } else {
        wr = w.f32.data() + base;
      }
      for (int t = 0; t < n; ++t) {
        y[static_cast<std::size_t>(t) * y_stride + r] =
            dot(wr, x + static_cast<std::size_t>(t) * x_stride, w.cols);
      }
    }
  };
  const double work = static_cast<double>(w.rows) * w.cols * n;
  if (work < 64.0 * 1024) {
    rows_block(0, w.rows);
    return;
  }
  // About 32k multiply-adds per task keeps the scheduling overhead small.
  const int grain = std::max(1, static_cast<int>(32768.0 / (static_cast<double>(w.cols) * n)));
  tbb::parallel_for(
      tbb::blocked_range<int>(0, w.rows, grain),
      [&](const tbb::blocked_range<int>& range) { rows_block(range.begin(), range.end()); });
}

void rms_norm(const float* x, const float* weight, int dim, float eps, float* out) {
  double ss = 0.0;
  for (int i = 0; i < dim; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float inv = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
  for (int i = 0; i < dim; ++i) out[i] = x[i] * inv * weight[i];
}

void softmax_inplace(float* x, int n) {
  if (n <= 0) return;
  const float m = *std::max_element(x, x + n);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace rbench::moe
