// The element-wise kernels (engines/moe/cuda/elementwise.h) against model.cpp's loops: add and
// copy exact, silu_mul within a few ulp. Device tests skip without a GPU; the parameter checks
// run everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/elementwise.h"

namespace rbench::moe::cuda {
namespace {

std::vector<std::size_t> sizes() {
  if (reduced_grid()) return {1, 3, 1000};
  return {1, 3, 255, 257, 1000, (std::size_t{1} << 20) + 7};
}

TEST_F(CudaOps, AddInplaceIsExact) {
  for (std::size_t count : sizes()) {
    const auto y = random_floats(count, static_cast<std::uint32_t>(count));
    const auto x = random_floats(count, static_cast<std::uint32_t>(count) + 1, -100.0f, 100.0f);
    DeviceBuffer<float> d_y{std::span<const float>(y)};
    DeviceBuffer<float> d_x{std::span<const float>(x)};
    add_inplace(d_y.data(), d_x.data(), count, stream());
    synchronize();
    const auto out = d_y.download();
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(out[i], y[i] + x[i]) << "at " << i << " of " << count;
    }
  }
}

// Tolerance: 8 x 2^-23 relative to the CPU's result, plus 1e-30 absolute. Both compute
// x / (1 + expf(-x)) * u with IEEE addition, division and product (half an ulp each); CUDA's expf
// is within 2 ulp, glibc's within 1, and the relative error of 1 + e is at most that of e. So
// each side is within 3.5 ulp of the exact value, about 7 apart at worst. Near expf's overflow
// (x ~ -88.7) one side may give 0 where the other gives ~1e-37: the absolute term.
TEST_F(CudaOps, SiluMulMatchesCpu) {
  for (std::size_t count : sizes()) {
    auto g = random_floats(count, static_cast<std::uint32_t>(count) + 2, -20.0f, 20.0f);
    const auto u = random_floats(count, static_cast<std::uint32_t>(count) + 3, -3.0f, 3.0f);
    const float specials[] = {0.0f,   -0.0f,  1e-30f,  -1e-30f, 88.0f, -88.0f,
                              -88.7f, -89.0f, -100.0f, 100.0f,  1e30f};
    for (std::size_t i = 0; i < std::size(specials) && i < count; ++i) g[i] = specials[i];
    std::vector<float> expected(count);
    for (std::size_t i = 0; i < count; ++i) expected[i] = silu(g[i]) * u[i];
    DeviceBuffer<float> d_g{std::span<const float>(g)};
    DeviceBuffer<float> d_u{std::span<const float>(u)};
    silu_mul(d_g.data(), d_u.data(), count, stream());
    synchronize();
    const auto out = d_g.download();
    for (std::size_t i = 0; i < count; ++i) {
      const float tolerance = 8.0f * std::numeric_limits<float>::epsilon() * std::fabs(expected[i]);
      ASSERT_NEAR(out[i], expected[i], tolerance + 1e-30f)
          << "g " << g[i] << ", u " << u[i] << " at " << i << " of " << count;
    }
  }
}

// Rows of a wider source into rows of a wider destination; the destination's gaps keep what they
// held.
TEST_F(CudaOps, CopyRowsIsExactAndStaysInItsColumns) {
  constexpr float kSentinel = -7.0f;
  struct Shape {
    int rows, cols, dst_stride, src_stride;
  };
  for (const Shape s :
       {Shape{1, 1, 1, 1}, Shape{5, 3, 7, 4}, Shape{3, 100, 100, 300}, Shape{17, 129, 200, 129}}) {
    const auto src = random_floats(static_cast<std::size_t>(s.rows) * s.src_stride, s.cols);
    std::vector<float> expected(static_cast<std::size_t>(s.rows) * s.dst_stride, kSentinel);
    for (int r = 0; r < s.rows; ++r) {
      for (int c = 0; c < s.cols; ++c) {
        expected[static_cast<std::size_t>(r) * s.dst_stride + c] =
            src[static_cast<std::size_t>(r) * s.src_stride + c];
      }
    }
    DeviceBuffer<float> d_src{std::span<const float>(src)};
    DeviceBuffer<float> d_dst{std::span<const float>(
        std::vector<float>(static_cast<std::size_t>(s.rows) * s.dst_stride, kSentinel))};
    copy_rows(d_dst.data(), s.dst_stride, d_src.data(), s.src_stride, s.rows, s.cols, stream());
    synchronize();
    EXPECT_EQ(d_dst.download(), expected) << s.rows << "x" << s.cols;
  }
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaElementwiseParams, RejectedBeforeLaunch) {
  float dummy[4] = {};
  EXPECT_THROW(add_inplace(nullptr, dummy, 4, nullptr), Error);
  EXPECT_THROW(add_inplace(dummy, nullptr, 4, nullptr), Error);
  EXPECT_THROW(silu_mul(nullptr, dummy, 4, nullptr), Error);
  EXPECT_THROW(silu_mul(dummy, nullptr, 4, nullptr), Error);
  EXPECT_THROW(copy_rows(dummy, 2, dummy, 4, 1, 3, nullptr), Error);  // dst_stride < cols
  EXPECT_THROW(copy_rows(dummy, 4, dummy, 2, 1, 3, nullptr), Error);  // src_stride < cols
  EXPECT_THROW(copy_rows(dummy, 4, dummy, 4, -1, 3, nullptr), Error);
  EXPECT_THROW(copy_rows(dummy, 4, dummy, 4, 1, 0, nullptr), Error);
  EXPECT_THROW(copy_rows(nullptr, 4, dummy, 4, 1, 3, nullptr), Error);
  // Nothing to do launches nothing, GPU or not.
  EXPECT_NO_THROW(add_inplace(dummy, dummy, 0, nullptr));
  EXPECT_NO_THROW(copy_rows(dummy, 4, dummy, 4, 0, 3, nullptr));
}

}  // namespace
}  // namespace rbench::moe::cuda
