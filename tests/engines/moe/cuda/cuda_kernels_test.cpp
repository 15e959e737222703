// The CUDA kernels (engines/moe/cuda/kernels.h) against their CPU references on random inputs of
// awkward sizes (1, 3, 63, non-multiples of 32 and 128), each tolerance stated beside its test.
// Kernel tests skip, with the runtime's reason, where no CUDA device is present; the device query
// and the launchers' parameter checks run everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/kernels.h"
#include "engines/moe/cuda/stream.h"
#include "engines/moe/model/rope.h"

namespace rbench::moe::cuda {
namespace {

// NaN must match NaN; otherwise |gpu - cpu| <= tolerance.
void expect_close(float gpu, float cpu, float tolerance, const char* what, std::size_t at) {
  if (std::isnan(cpu)) {
    EXPECT_TRUE(std::isnan(gpu)) << what << " [" << at << "]: gpu " << gpu << ", cpu NaN";
    return;
  }
  EXPECT_NEAR(gpu, cpu, tolerance) << what << " [" << at << "]";
}

// The kernels of kernels.h, under their own suite name.
using CudaKernels = CudaOps;

TEST(CudaDevice, AbsentIsNulloptNotAnError) {
  std::optional<DeviceInfo> info;
  ASSERT_NO_THROW(info = cuda_device());
  if (!info) {
    const std::string reason = cuda_unavailable_reason();
    EXPECT_FALSE(reason.empty());
    EXPECT_EQ(reason.find("is available"), std::string::npos) << reason;
    std::cout << "no CUDA device: " << reason << "\n";
  } else {
    EXPECT_FALSE(info->name.empty());
    EXPECT_GT(info->total_bytes, 0u);
    EXPECT_LE(info->free_bytes, info->total_bytes);
    EXPECT_GT(info->sm_count, 0);
    EXPECT_GE(info->major, 7);  // CUDA 13 supports Turing and later
    std::cout << info->name << ", " << info->sm_count << " SMs, sm_" << info->major << info->minor
              << ", " << info->total_bytes / (1 << 20) << " MiB\n";
  }
  EXPECT_FALSE(cuda_device(-1));
  EXPECT_FALSE(cuda_device(1 << 20));
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaKernelParams, RejectedBeforeLaunch) {
  float dummy = 0.0f;
  EXPECT_THROW(
      rms_norm({.x = &dummy, .weight = &dummy, .out = &dummy, .rows = 1, .dim = 0}, nullptr),
      Error);
  EXPECT_THROW(rms_norm({.rows = 1, .dim = 4}, nullptr), Error);
  const int position = 0;
  EXPECT_THROW(rope({.x = &dummy,
                     .positions = &position,
                     .cos_sin = &dummy,
                     .rows = 1,
                     .row_stride = 8,
                     .rope_dim = 5,
                     .table_positions = 1},
                    nullptr),
               Error);
  EXPECT_THROW(rope({.x = &dummy,
                     .positions = &position,
                     .cos_sin = &dummy,
                     .rows = 1,
                     .row_stride = 8,
                     .rope_offset = 4,
                     .rope_dim = 6,
                     .table_positions = 1},
                    nullptr),
               Error);
  EXPECT_THROW(softmax({.x = &dummy, .rows = 1, .cols = 0}, nullptr), Error);
}

// Tolerance: 1e-5 relative. The CPU sums squares in double, the GPU in f32 over a tree; the sum's
// relative error (~1e-7 at 7168) reaches the output through one square root.
TEST_F(CudaKernels, RmsNormMatchesCpu) {
  constexpr int kRows = 3;
  constexpr float kEps = 1e-6f;
  for (int dim : {1, 3, 63, 100, 513, 1000, 7168}) {
    const auto x = random_floats(static_cast<std::size_t>(kRows) * dim, dim);
    const auto weight = random_floats(dim, dim + 1, 0.5f, 1.5f);
    std::vector<float> expected(x.size());
    for (int r = 0; r < kRows; ++r) {
      const std::size_t row = static_cast<std::size_t>(r) * dim;
      rbench::moe::rms_norm(x.data() + row, weight.data(), dim, kEps, expected.data() + row);
    }
    DeviceBuffer<float> d_x{std::span<const float>(x)};
    DeviceBuffer<float> d_w{std::span<const float>(weight)};
    DeviceBuffer<float> d_out(x.size());
    rms_norm({.x = d_x.data(),
              .weight = d_w.data(),
              .out = d_out.data(),
              .rows = kRows,
              .dim = dim,
              .eps = kEps},
             stream());
    // In place, as the CPU allows.
    rms_norm({.x = d_x.data(),
              .weight = d_w.data(),
              .out = d_x.data(),
              .rows = kRows,
              .dim = dim,
              .eps = kEps},
             stream());
    synchronize();
    const auto out = d_out.download();
    const auto in_place = d_x.download();
    for (std::size_t i = 0; i < out.size(); ++i) {
      expect_close(out[i], expected[i], 1e-5f * std::fabs(expected[i]), "rms_norm", i);
      EXPECT_EQ(in_place[i], out[i]) << "in place differs at " << i << ", dim " << dim;
    }
  }
}

// Tolerance: 1e-6 x (|a| + |b|) x mscale per rotated pair (a, b). The CPU rotates in double with
// the unrounded cos and sin; the GPU in f32 with the table's rounded ones: a few f32 roundings of
// terms no larger than (|a| + |b|) x mscale.
TEST_F(CudaKernels, RopeMatchesCpu) {
  struct Shape {
    int nope, rope_dim, heads;
    bool yarn;
  };
  for (const Shape s : {Shape{128, 64, 3, true}, Shape{5, 6, 1, false}, Shape{0, 2, 7, true}}) {
    ModelConfig c;
    c.qk_nope_head_dim = s.nope;
    c.qk_rope_head_dim = s.rope_dim;
    if (s.yarn)
      c.rope_scaling = YarnScaling{.factor = 40.0, .mscale = 1.0, .mscale_all_dim = 0.707};
    const Rope cpu_rope(c);
    const std::vector<int> positions = {0, 1, 17, 4095, 5000};  // 5000: past YaRN's 4096
    constexpr int kTablePositions = 5001;
    const int tokens = static_cast<int>(positions.size());
    const int stride = c.qk_head_dim();
    const int rows = tokens * s.heads;
    const auto x = random_floats(static_cast<std::size_t>(rows) * stride, stride + s.heads);
    std::vector<float> expected = x;
    for (int r = 0; r < rows; ++r) {
      cpu_rope.apply(expected.data() + static_cast<std::size_t>(r) * stride + s.nope,
                     positions[r / s.heads]);
    }
    DeviceBuffer<float> d_x{std::span<const float>(x)};
    DeviceBuffer<int> d_pos{std::span<const int>(positions)};
    DeviceBuffer<float> d_table{std::span<const float>(cpu_rope.cos_sin_table(kTablePositions))};
    rope({.x = d_x.data(),
          .positions = d_pos.data(),
          .cos_sin = d_table.data(),
          .rows = rows,
          .row_stride = stride,
          .rope_offset = s.nope,
          .rope_dim = s.rope_dim,
          .rows_per_position = s.heads,
          .table_positions = kTablePositions},
         stream());
    synchronize();
    const auto out = d_x.download();
    const double mscale = cpu_rope.cos_sin_scale();
    for (int r = 0; r < rows; ++r) {
      for (int j = 0; j < stride; ++j) {
        const std::size_t at = static_cast<std::size_t>(r) * stride + j;
        if (j < s.nope) {
          EXPECT_EQ(out[at], x[at]) << "the non-rope part must be untouched, at " << at;
          continue;
        }
        const std::size_t pair = at - (j - s.nope) % 2;
        const float bound =
            static_cast<float>(1e-6 * (std::fabs(x[pair]) + std::fabs(x[pair + 1])) * mscale);
        expect_close(out[at], expected[at], bound, "rope", at);
      }
    }
  }
}

TEST_F(CudaKernels, RopePositionOutsideTableWritesNan) {
  const std::vector<int> positions = {3};
  const std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
  const std::vector<float> table(2 * 2 * 2, 1.0f);  // 2 positions of rope_dim 4
  DeviceBuffer<float> d_x{std::span<const float>(x)};
  DeviceBuffer<int> d_pos{std::span<const int>(positions)};
  DeviceBuffer<float> d_table{std::span<const float>(table)};
  rope({.x = d_x.data(),
        .positions = d_pos.data(),
        .cos_sin = d_table.data(),
        .rows = 1,
        .row_stride = 4,
        .rope_dim = 4,
        .table_positions = 2},
       stream());
  synchronize();
  for (float v : d_x.download()) EXPECT_TRUE(std::isnan(v));
}

// Tolerance: 1e-5 relative. expf (2 ulp) against std::exp, and an f32 tree sum against the CPU's
// double sum. Masked (-inf) entries give exactly 0; a row of only -inf gives NaN on both.
TEST_F(CudaKernels, SoftmaxMatchesCpu) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr int kRows = 4;
  for (int cols : {1, 3, 63, 100, 1000, 4097}) {
    auto x = random_floats(static_cast<std::size_t>(kRows) * cols, cols, -20.0f, 20.0f);
    for (int j = 1; j < cols; j += 3) x[static_cast<std::size_t>(cols) + j] = -kInf;   // row 1
    for (int j = 0; j < cols; ++j) x[static_cast<std::size_t>(3) * cols + j] = -kInf;  // row 3
    std::vector<float> expected = x;
    for (int r = 0; r < kRows; ++r) {
      softmax_inplace(expected.data() + static_cast<std::size_t>(r) * cols, cols);
    }
    DeviceBuffer<float> d_x{std::span<const float>(x)};
    softmax({.x = d_x.data(), .rows = kRows, .cols = cols}, stream());
    synchronize();
    const auto out = d_x.download();
    for (std::size_t i = 0; i < out.size(); ++i) {
      expect_close(out[i], expected[i], 1e-5f * std::fabs(expected[i]), "softmax", i);
    }
  }
}

}  // namespace
}  // namespace rbench::moe::cuda
