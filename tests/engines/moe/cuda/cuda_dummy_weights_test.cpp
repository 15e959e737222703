// cuda::random_fill against its CPU twin random_matrix (engines/moe/model/random_weights.h), bit
// for bit, over awkward shapes: one element, widths that end in a partial fp8 block, blocks
// smaller than the default, a stddev of 1 (the embedding's) and a mean of 0. Small enough to run
// whole under compute-sanitizer. Skips without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/dummy_weights.h"
#include "engines/moe/model/random_weights.h"
#include "harness/core/splitmix.h"

namespace rbench::moe::cuda {
namespace {

struct Shape {
  int rows;
  int cols;
  int block;  // fp8 block edge
};

class CudaRandomFill : public CudaOps {};

TEST_F(CudaRandomFill, MatchesRandomMatrixBitForBit) {
  const std::vector<Shape> shapes = {{1, 1, 128},     {3, 130, 128}, {129, 257, 128},
                                     {256, 128, 128}, {70, 45, 32},  {5, 2048, 128}};
  const std::string name = "model.layers.7.mlp.experts.3.up_proj.weight";
  for (const DType dtype : {DType::f32, DType::bf16, DType::f8_e4m3}) {
    for (const Shape& s : shapes) {
      for (const float stddev : {-1.0f, 1.0f}) {
        const std::uint64_t seed = 11;
        const WeightMatrix host =
            random_matrix(name, s.rows, s.cols, dtype, seed, stddev, s.block, s.block);
        const float sd = stddev < 0 ? 1.0f / std::sqrt(static_cast<float>(s.cols)) : stddev;
        DeviceBuffer<std::byte> data(host.element_bytes());
        DeviceBuffer<float> scales(host.scale_bytes() / sizeof(float));
        random_fill({.type = dtype == DType::f32    ? WeightType::f32
                             : dtype == DType::bf16 ? WeightType::bf16
                                                    : WeightType::f8_e4m3,
                     .data = data.data(),
                     .scales = scales.size() ? scales.data() : nullptr,
                     .rows = s.rows,
                     .cols = s.cols,
                     .block_rows = s.block,
                     .block_cols = s.block,
                     .seed = seed,
                     .name_hash = splitmix::fnv1a(name),
                     .mean = 0.0f,
                     .half_width = uniform_half_width(sd)},
                    stream());
        synchronize();
        const std::vector<std::byte> got = data.download();
        const void* want = dtype == DType::f32    ? static_cast<const void*>(host.f32.data())
                           : dtype == DType::bf16 ? static_cast<const void*>(host.bf16.data())
                                                  : static_cast<const void*>(host.f8.data());
        const std::string what = std::string(to_string(dtype)) + " " + std::to_string(s.rows) +
                                 "x" + std::to_string(s.cols) + " block " +
                                 std::to_string(s.block) + " stddev " + std::to_string(sd);
        ASSERT_EQ(got.size(), host.element_bytes()) << what;
        EXPECT_EQ(std::memcmp(got.data(), want, got.size()), 0) << what;
        if (dtype == DType::f8_e4m3) {
          const std::vector<float> got_scales = scales.download();
          ASSERT_EQ(got_scales.size(), host.scales.size()) << what;
          EXPECT_EQ(
              std::memcmp(got_scales.data(), host.scales.data(), got_scales.size() * sizeof(float)),
              0)
              << what << ": block scales";
        }
      }
    }
  }
}

TEST_F(CudaRandomFill, RefusesBadParameters) {
  DeviceBuffer<float> data(4);
  const RandomFillParams ok{.data = data.data(), .rows = 2, .cols = 2, .half_width = 0.5};
  RandomFillParams p = ok;
  p.rows = 0;
  EXPECT_THROW(random_fill(p, stream()), Error);
  p = ok;
  p.data = nullptr;
  EXPECT_THROW(random_fill(p, stream()), Error);
  p = ok;
  p.half_width = -1.0;
  EXPECT_THROW(random_fill(p, stream()), Error);
  p = ok;
  p.type = WeightType::f8_e4m3;  // without scales
  EXPECT_THROW(random_fill(p, stream()), Error);
  EXPECT_NO_THROW(random_fill(ok, stream()));
  synchronize();
}

}  // namespace
}  // namespace rbench::moe::cuda
