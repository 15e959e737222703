#include "engines/moe/cpu/cpu_kernels.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace rbench::moe {
namespace {

const std::array<float, 256>& f8_table() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i) t[i] = f8_e4m3_to_f32(static_cast<std::uint8_t>(i));
    return t;
  }();
  return table;
}

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
      const auto& table = f8_table();
      const int scale_cols = (cols + block_cols - 1) / block_cols;
      const float* scale_row =
          scales.data() + static_cast<std::size_t>(row / block_rows) * scale_cols;
      // Block by block: one scale per block_cols elements, no division per element.
      for (int c0 = 0, b = 0; c0 < cols; c0 += block_cols, ++b) {
        const int c1 = std::min(cols, c0 + block_cols);
        const float scale = scale_row[b];
        for (int c = c0; c < c1; ++c) out[c] = table[f8[base + c]] * scale;
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
  // drafts against logits that must not change with the batch. (fp8 rows used to be multiplied
  // without decoding them first for n <= 2, which summed in another order; decoding first is
  // also faster on AVX-512: 2048x7168 on one core, n = 1: 12-13 ms against 15-18 ms, n = 2:
  // 15 ms against 42-50 ms.)
  auto rows_block = [&](int r0, int r1) {
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
      const float* wr = w.f32.data() + base;
      if (w.dtype == DType::f8_e4m3) {
        w.row_to_f32(r, row.data());
        wr = row.data();
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
