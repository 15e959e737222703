// The weight ops (engines/moe/cuda/weights.h) against their CPU twins: embedding and dequantisation
// bit for bit with WeightMatrix, gemv against matmul of cpu_kernels.h over a grid of awkward shapes
// for each dtype and both load paths, and gemv's batch invariance bit for bit. Device tests skip
// without a GPU; the parameter checks run everywhere.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/cuda_weight_matrix.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/weights.h"

namespace rbench::moe::cuda {
namespace {

constexpr DType kDtypes[] = {DType::f32, DType::bf16, DType::f8_e4m3};

std::string name(DType t) {
  return std::string(to_string(t));
}

// Same bits, or NaN on both sides (the GPU's arithmetic returns its canonical NaN).
void expect_same_f32(float gpu, float cpu, const std::string& what) {
  if (std::isnan(cpu)) {
    EXPECT_TRUE(std::isnan(gpu)) << what << ": gpu " << gpu << ", cpu NaN";
  } else {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(gpu), std::bit_cast<std::uint32_t>(cpu))
        << what << ": gpu " << gpu << ", cpu " << cpu;
  }
}

// Every e4m3 code, NaN (0x7F, 0xFF) and subnormals included, under a few scales.
WeightMatrix every_fp8_code() {
  WeightMatrix w;
  w.rows = 3;
  w.cols = 256 + 44;  // two scale blocks along a row, the second narrower
  w.dtype = DType::f8_e4m3;
  w.block_rows = 2;
  for (int i = 0; i < w.rows * w.cols; ++i) w.f8.push_back(static_cast<std::uint8_t>(i % 256));
  w.scales = {1.0f, 0.5f, 3.0f, 1e-3f, 7.25f, 1e20f};  // [2][3]
  return w;
}

TEST_F(CudaOps, EmbeddingMatchesRowToF32) {
  const std::vector<std::int32_t> ids = {0, 16, 3, -1, 17, 3};  // -1 and 17: NaN rows
  for (DType dtype : kDtypes) {
    for (int cols : {1, 100, 129, 300}) {
      const WeightMatrix w = random_weight_matrix(dtype, 17, cols, cols);
      DeviceWeights d(w);
      DeviceBuffer<std::int32_t> d_ids{std::span<const std::int32_t>(ids)};
      const int n = static_cast<int>(ids.size());
      DeviceBuffer<float> d_out(static_cast<std::size_t>(n) * cols);
      embedding(d.view, d_ids.data(), n, d_out.data(), stream());
      synchronize();
      const auto out = d_out.download();
      std::vector<float> row(cols);
      for (int t = 0; t < n; ++t) {
        const bool valid = ids[t] >= 0 && ids[t] < w.rows;
        if (valid) w.row_to_f32(ids[t], row.data());
        for (int c = 0; c < cols; ++c) {
          const float gpu = out[static_cast<std::size_t>(t) * cols + c];
          const std::string what = name(dtype) + " embedding t " + std::to_string(t) + " c " +
                                   std::to_string(c) + ", cols " + std::to_string(cols);
          if (valid) {
            expect_same_f32(gpu, row[c], what);
          } else {
            EXPECT_TRUE(std::isnan(gpu)) << what;
          }
        }
      }
    }
  }
}

TEST_F(CudaOps, DequantizeMatchesToF32Exactly) {
  std::vector<WeightMatrix> matrices = {every_fp8_code()};
  for (DType dtype : kDtypes) {
    for (auto [rows, cols] : {std::pair{1, 1}, {3, 100}, {129, 129}, {300, 1000}}) {
      matrices.push_back(random_weight_matrix(dtype, rows, cols, rows * cols));
    }
  }
  for (const WeightMatrix& w : matrices) {
    DeviceWeights d(w);
    const std::size_t count = static_cast<std::size_t>(w.rows) * w.cols;
    DeviceBuffer<float> d_f32(count);
    DeviceBuffer<std::uint16_t> d_bf16(count);
    dequantize(d.view, d_f32.data(), stream());
    dequantize_bf16(d.view, d_bf16.data(), stream());
    synchronize();
    const auto f32 = d_f32.download();
    const auto bf16 = d_bf16.download();
    const auto expected = w.to_f32();
    for (std::size_t i = 0; i < count; ++i) {
      const std::string what = name(w.dtype) + " " + std::to_string(w.rows) + "x" +
                               std::to_string(w.cols) + " at " + std::to_string(i);
      expect_same_f32(f32[i], expected[i], what);
      expect_same_f32(bf16_to_f32(bf16[i]), bf16_to_f32(f32_to_bf16(expected[i])), what + " bf16");
    }
  }
}

// sum_c |W[r][c] x[t][c]| for each (t, r): the scale of gemv's rounding error.
std::vector<double> abs_products(const WeightMatrix& w, const std::vector<float>& x, int n) {
  const auto wd = w.to_f32();
  std::vector<double> s(static_cast<std::size_t>(n) * w.rows, 0.0);
  for (int t = 0; t < n; ++t) {
    for (int r = 0; r < w.rows; ++r) {
      double sum = 0.0;
      for (int c = 0; c < w.cols; ++c) {
        sum += std::fabs(static_cast<double>(wd[static_cast<std::size_t>(r) * w.cols + c]) *
                         x[static_cast<std::size_t>(t) * w.cols + c]);
      }
      s[static_cast<std::size_t>(t) * w.rows + r] = sum;
    }
  }
  return s;
}

// Tolerance: |gpu - cpu| <= 1e-5 x sum_c |W[r][c] x[c]| + 1e-6. Both sum the same f32 products
// (the dequantised weight times x) in f32, in different orders; reordering moves a sum of cols
// terms by about sqrt(cols) x 2^-24 of that scale. Each shape runs twice: x aligned (16-byte
// loads where cols allows) and x one float off (the scalar path).
TEST_F(CudaOps, GemvMatchesMatmul) {
  const std::vector<int> rows_grid =
      reduced_grid() ? std::vector<int>{1, 17, 129} : std::vector<int>{1, 3, 17, 129, 300};
  const std::vector<int> cols_grid = reduced_grid()
                                         ? std::vector<int>{8, 129, 1000}
                                         : std::vector<int>{8, 100, 128, 129, 1000, 7168};
  const std::vector<int> n_grid =
      reduced_grid() ? std::vector<int>{1, 9} : std::vector<int>{1, 2, 7, 8, 9, 16};
  for (DType dtype : kDtypes) {
    for (int rows : rows_grid) {
      for (int cols : cols_grid) {
        const WeightMatrix w = random_weight_matrix(dtype, rows, cols, rows + cols);
        DeviceWeights d(w);
        for (int n : n_grid) {
          const auto x = random_floats(static_cast<std::size_t>(n) * cols, rows * cols + n);
          std::vector<float> expected(static_cast<std::size_t>(n) * rows);
          matmul(w, x.data(), n, expected.data());
          const auto scale = abs_products(w, x, n);
          std::vector<float> padded(x.size() + 1);
          std::copy(x.begin(), x.end(), padded.begin() + 1);
          DeviceBuffer<float> d_x{std::span<const float>(x)};
          DeviceBuffer<float> d_x_off{std::span<const float>(padded)};
          const float* aligned_x = d_x.data();
          const float* misaligned_x = d_x_off.data() + 1;
          for (const float* xp : {aligned_x, misaligned_x}) {
            DeviceBuffer<float> d_y(expected.size());
            const GemvParams p{.w = d.view, .x = xp, .y = d_y.data(), .n = n};
            gemv(p, stream());
            synchronize();
            const auto y = d_y.download();
            for (std::size_t i = 0; i < y.size(); ++i) {
              EXPECT_NEAR(y[i], expected[i], 1e-5 * scale[i] + 1e-6)
                  << name(dtype) << " " << rows << "x" << cols << ", n " << n << ", output " << i
                  << (gemv_uses_vector_loads(p) ? ", vector" : ", scalar");
            }
          }
        }
      }
    }
  }
}

// Row strides on both sides: x rows cols + 4 apart, y rows rows + 3 apart; the gaps of y keep
// what they held.
TEST_F(CudaOps, GemvHonoursStrides) {
  constexpr int kRows = 33;
  constexpr int kN = 11;
  constexpr float kSentinel = -12345.0f;
  for (DType dtype : kDtypes) {
    for (int cols : {128, 129}) {
      const WeightMatrix w = random_weight_matrix(dtype, kRows, cols, cols);
      DeviceWeights d(w);
      const int x_stride = cols + 4;
      const int y_stride = kRows + 3;
      const auto x = random_floats(static_cast<std::size_t>(kN) * x_stride, cols + 1);
      std::vector<float> expected(static_cast<std::size_t>(kN) * y_stride, kSentinel);
      matmul(w, x.data(), kN, x_stride, expected.data(), y_stride);
      DeviceBuffer<float> d_x{std::span<const float>(x)};
      DeviceBuffer<float> d_y{std::span<const float>(
          std::vector<float>(static_cast<std::size_t>(kN) * y_stride, kSentinel))};
      gemv({.w = d.view,
            .x = d_x.data(),
            .x_stride = x_stride,
            .y = d_y.data(),
            .y_stride = y_stride,
            .n = kN},
           stream());
      synchronize();
      const auto y = d_y.download();
      for (std::size_t i = 0; i < y.size(); ++i) {
        if (static_cast<int>(i % y_stride) >= kRows) {
          EXPECT_EQ(y[i], kSentinel) << "gap of y written at " << i;
        } else {
          EXPECT_NEAR(y[i], expected[i], 1e-4) << name(dtype) << " cols " << cols << " at " << i;
        }
      }
    }
  }
}

// y[t] has the same bits whatever n is and whatever the other inputs hold: input 0 alone (n = 1)
// against input 0 among 12 others (n = 13: two passes), and each of the 13 against itself alone
// (every slot of both passes). For each dtype and both load paths.
TEST_F(CudaOps, GemvIsBatchInvariantBitForBit) {
  constexpr int kRows = 129;
  constexpr int kN = 13;
  for (DType dtype : kDtypes) {
    for (int cols : {1024, 1000}) {
      const WeightMatrix w = random_weight_matrix(dtype, kRows, cols, cols + 3);
      DeviceWeights d(w);
      const auto x = random_floats(static_cast<std::size_t>(kN + 1) * cols, cols + 11);
      DeviceBuffer<float> d_x{std::span<const float>(x)};
      for (int offset : {0, 1}) {  // offset 1: misaligned, the scalar path
        const float* batch = d_x.data() + offset;
        DeviceBuffer<float> d_batch_y(static_cast<std::size_t>(kN) * kRows);
        gemv({.w = d.view, .x = batch, .y = d_batch_y.data(), .n = kN}, stream());
        synchronize();
        const auto batch_y = d_batch_y.download();
        for (int t = 0; t < kN; ++t) {
          DeviceBuffer<float> d_one(kRows);
          const GemvParams one{.w = d.view,
                               .x = batch + static_cast<std::size_t>(t) * cols,
                               .x_stride = cols,
                               .y = d_one.data(),
                               .n = 1};
          gemv(one, stream());
          synchronize();
          const auto y = d_one.download();
          for (int r = 0; r < kRows; ++r) {
            EXPECT_EQ(
                std::bit_cast<std::uint32_t>(y[r]),
                std::bit_cast<std::uint32_t>(batch_y[static_cast<std::size_t>(t) * kRows + r]))
                << name(dtype) << " cols " << cols << ", x offset " << offset << ": input " << t
                << " row " << r << " alone " << y[r] << ", in the batch "
                << batch_y[static_cast<std::size_t>(t) * kRows + r];
          }
        }
      }
    }
  }
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaWeightParams, RejectedBeforeLaunch) {
  const float dummy[4] = {};
  float out[4] = {};
  const std::int32_t id = 0;
  const WeightView ok{.type = WeightType::f32, .data = dummy, .rows = 1, .cols = 4};
  EXPECT_THROW(embedding({.type = WeightType::f32, .data = dummy, .rows = 1, .cols = 0}, &id, 1,
                         out, nullptr),
               Error);
  EXPECT_THROW(embedding({.type = WeightType::f32, .rows = 1, .cols = 4}, &id, 1, out, nullptr),
               Error);
  EXPECT_THROW(embedding(ok, nullptr, 1, out, nullptr), Error);
  EXPECT_THROW(embedding(ok, &id, -1, out, nullptr), Error);
  EXPECT_THROW(embedding({.type = WeightType::f8_e4m3, .data = dummy, .rows = 1, .cols = 4}, &id, 1,
                         out, nullptr),
               Error);  // fp8 without scales
  EXPECT_THROW(embedding({.type = WeightType::f8_e4m3,
                          .data = dummy,
                          .scales = dummy,
                          .rows = 1,
                          .cols = 4,
                          .block_cols = 0},
                         &id, 1, out, nullptr),
               Error);
  EXPECT_THROW(embedding({.type = static_cast<WeightType>(7), .data = dummy, .rows = 1, .cols = 4},
                         &id, 1, out, nullptr),
               Error);
  EXPECT_THROW(dequantize(ok, nullptr, nullptr), Error);
  EXPECT_THROW(
      dequantize({.type = WeightType::bf16, .data = dummy, .rows = -1, .cols = 4}, out, nullptr),
      Error);
  EXPECT_THROW(dequantize_bf16(ok, nullptr, nullptr), Error);
  EXPECT_THROW(gemv({.w = ok, .x = nullptr, .y = out}, nullptr), Error);
  EXPECT_THROW(gemv({.w = ok, .x = dummy, .y = out, .n = -1}, nullptr), Error);
  EXPECT_THROW(gemv({.w = ok, .x = dummy, .x_stride = 3, .y = out}, nullptr), Error);
  EXPECT_THROW(gemv({.w = ok, .x = dummy, .y = out, .y_stride = -1}, nullptr), Error);
  EXPECT_THROW(gemv({.w = {.type = WeightType::f32, .data = dummy, .rows = 2, .cols = 4},
                     .x = dummy,
                     .y = out,
                     .y_stride = 1},
                    nullptr),
               Error);
  // Nothing to do launches nothing, GPU or not.
  EXPECT_NO_THROW(gemv({.w = ok, .x = dummy, .y = out, .n = 0}, nullptr));
  EXPECT_NO_THROW(embedding(ok, &id, 0, out, nullptr));
}

TEST(CudaWeightParams, GemvPathDependsOnShapeAndAlignmentNeverOnN) {
  alignas(16) static const std::uint8_t w[64] = {};
  alignas(16) static const float x[64] = {};
  const float scale = 1.0f;
  float y = 0.0f;
  for (int n : {1, 8, 13}) {
    const WeightView f32{.type = WeightType::f32, .data = w, .rows = 1, .cols = 4};
    const WeightView bf16{.type = WeightType::bf16, .data = w, .rows = 1, .cols = 8};
    const WeightView fp8{
        .type = WeightType::f8_e4m3, .data = w, .scales = &scale, .rows = 1, .cols = 16};
    for (const WeightView& v : {f32, bf16, fp8}) {
      EXPECT_TRUE(gemv_uses_vector_loads({.w = v, .x = x, .y = &y, .n = n}));
      EXPECT_FALSE(gemv_uses_vector_loads({.w = v, .x = x + 1, .y = &y, .n = n}));
      EXPECT_FALSE(
          gemv_uses_vector_loads({.w = v, .x = x, .x_stride = v.cols + 1, .y = &y, .n = n}));
      WeightView odd = v;
      odd.cols = v.cols + 1;
      EXPECT_FALSE(gemv_uses_vector_loads({.w = odd, .x = x, .y = &y, .n = n}));
      WeightView misaligned = v;
      misaligned.data = w + 4;
      EXPECT_FALSE(gemv_uses_vector_loads({.w = misaligned, .x = x, .y = &y, .n = n}));
    }
    WeightView narrow_blocks = fp8;
    narrow_blocks.block_cols = 8;  // a 16-byte chunk would straddle two scales
    EXPECT_FALSE(gemv_uses_vector_loads({.w = narrow_blocks, .x = x, .y = &y, .n = n}));
  }
}

}  // namespace
}  // namespace rbench::moe::cuda
