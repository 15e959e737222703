// Shared helpers of the CUDA op tests: the reduced size grid (RBENCH_CUDA_GRID=reduced, for runs
// under compute-sanitizer, ~50x slower), seeded random inputs, and the fixture that skips without
// a device and owns a stream.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "engines/moe/cuda/device.h"
#include "engines/moe/cuda/stream.h"

namespace rbench::moe::cuda {

inline bool reduced_grid() {
  const char* grid = std::getenv("RBENCH_CUDA_GRID");
  return grid != nullptr && std::string_view(grid) == "reduced";
}

inline std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

class CudaOps : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
    stream_.emplace();  // only now: creating a stream needs a device
  }
  cudaStream_t stream() const { return stream_->get(); }
  void synchronize() const { stream_->synchronize(); }

 private:
  std::optional<Stream> stream_;
};

}  // namespace rbench::moe::cuda
