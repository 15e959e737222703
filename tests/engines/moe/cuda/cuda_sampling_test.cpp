// Next-token choice on the device (engines/moe/cuda/sampling.h) against the CPU Sampler: argmax
// exactly, and sampling given the same draw over top_k / top_p / temperature variants. Device
// tests skip without a CUDA device; the parameter checks run everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cpu/sampler.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/sampling.h"

namespace rbench::moe::cuda {
namespace {

std::vector<int> vocab_grid() {
  return reduced_grid() ? std::vector<int>{7, 1000} : std::vector<int>{1, 7, 255, 1000, 129280};
}

// Distinct logits well apart (0.05), in a scrambled order: no two candidates' weights are within
// rounding of each other, so the same draw must pick the same token.
std::vector<float> separated_logits(int rows, int vocab, std::uint32_t seed) {
  std::vector<float> out(static_cast<std::size_t>(rows) * vocab);
  std::mt19937 rng(seed);
  std::vector<int> order(vocab);
  for (int r = 0; r < rows; ++r) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < vocab; ++i) {
      out[static_cast<std::size_t>(r) * vocab + i] = 0.05f * static_cast<float>(order[i] - vocab);
    }
  }
  return out;
}

// Logits from a handful of values: long runs of ties, which both sides order by id.
std::vector<float> tied_logits(int rows, int vocab, std::uint32_t seed) {
  std::vector<float> out(static_cast<std::size_t>(rows) * vocab);
  std::mt19937 rng(seed);
  for (float& x : out) x = 0.5f * static_cast<float>(rng() % 5) - 1.0f;
  return out;
}

struct Setting {
  float temperature;
  int top_k;
  float top_p;
};

std::vector<Setting> settings_grid() {
  std::vector<Setting> out;
  for (float temperature : {0.0f, 0.3f, 0.7f, 1.0f, 1.7f}) {
    for (int top_k : {0, 1, 2, 5, 40, 1 << 20}) {
      for (float top_p : {1.0f, 0.95f, 0.5f, 0.01f}) out.push_back({temperature, top_k, top_p});
    }
  }
  return out;
}

class CudaSampling : public CudaOps {
 protected:
  // Runs every setting as one row of one call, each row with its own seed, and compares with the
  // CPU Sampler seeded the same. Exact: the logits are chosen so that the draw is never within
  // rounding of a boundary between candidates (or ties are ordered by id on both sides).
  void expect_same_as_sampler(const std::vector<float>& logits_rows, int vocab,
                              const std::vector<Setting>& settings, std::uint64_t seed0,
                              const char* what) {
    const int rows = static_cast<int>(settings.size());
    std::vector<RowSampling> row_settings(rows);
    std::vector<std::int32_t> expected(rows);
    for (int r = 0; r < rows; ++r) {
      const Setting& s = settings[r];
      const std::uint64_t seed = seed0 + static_cast<std::uint64_t>(r);
      std::mt19937_64 rng(seed);
      row_settings[r] = {.temperature = s.temperature,
                         .top_k = s.top_k,
                         .top_p = s.top_p,
                         .uniform = std::generate_canonical<double, 53>(rng)};
      Sampler sampler(
          {.temperature = s.temperature, .top_k = s.top_k, .top_p = s.top_p, .seed = seed});
      expected[r] = sampler.sample(
          std::span<const float>(logits_rows.data() + static_cast<std::size_t>(r) * vocab, vocab));
    }
    DeviceBuffer<float> d_logits{std::span<const float>(logits_rows)};
    DeviceBuffer<RowSampling> d_settings{std::span<const RowSampling>(row_settings)};
    DeviceBuffer<std::int32_t> d_ids(rows);
    const std::size_t bytes = sample_workspace_bytes(rows, vocab);
    DeviceBuffer<unsigned char> d_workspace(bytes);
    sample_rows({.logits = d_logits.data(),
                 .settings = d_settings.data(),
                 .ids = d_ids.data(),
                 .rows = rows,
                 .vocab = vocab,
                 .workspace = d_workspace.data(),
                 .workspace_bytes = bytes},
                stream());
    synchronize();
    const auto ids = d_ids.download();
    for (int r = 0; r < rows; ++r) {
      const Setting& s = settings[r];
      EXPECT_EQ(ids[r], expected[r])
          << what << ", vocab " << vocab << ", row " << r << ": temperature " << s.temperature
          << ", top_k " << s.top_k << ", top_p " << s.top_p << ", uniform "
          << row_settings[r].uniform;
    }
  }
};

// Exact: the lowest index among equal maxima, as std::max_element.
TEST_F(CudaSampling, ArgmaxMatchesCpu) {
  constexpr int kRows = 5;
  for (int vocab : vocab_grid()) {
    auto logits = random_floats(static_cast<std::size_t>(kRows) * vocab, vocab, -10.0f, 10.0f);
    // Row 1: the maximum twice, late and early; row 2: all equal; row 3: few distinct values.
    float* row1 = logits.data() + vocab;
    row1[vocab - 1] = 20.0f;
    row1[vocab / 2] = 20.0f;
    std::fill_n(logits.data() + 2 * static_cast<std::size_t>(vocab), vocab, -3.0f);
    const auto tied = tied_logits(1, vocab, vocab + 1);
    std::copy(tied.begin(), tied.end(), logits.data() + 3 * static_cast<std::size_t>(vocab));
    DeviceBuffer<float> d_logits{std::span<const float>(logits)};
    DeviceBuffer<std::int32_t> d_ids(kRows);
    argmax_rows(d_logits.data(), kRows, vocab, d_ids.data(), stream());
    synchronize();
    const auto ids = d_ids.download();
    for (int r = 0; r < kRows; ++r) {
      EXPECT_EQ(ids[r], argmax(std::span<const float>(
                            logits.data() + static_cast<std::size_t>(r) * vocab, vocab)))
          << "row " << r << ", vocab " << vocab;
    }
  }
}

TEST_F(CudaSampling, SampleMatchesSamplerGivenTheSameDraw) {
  const auto settings = settings_grid();
  const int rows = static_cast<int>(settings.size());
  for (int vocab : vocab_grid()) {
    if (static_cast<long long>(vocab) * rows > (reduced_grid() ? 200000 : 20000000)) continue;
    expect_same_as_sampler(separated_logits(rows, vocab, vocab), vocab, settings, 1000 + vocab,
                           "separated logits");
    expect_same_as_sampler(tied_logits(rows, vocab, vocab + 3), vocab, settings, 5000 + vocab,
                           "tied logits");
  }
}

// The full DeepSeek-V3 vocabulary at a few settings (the grid above skips it for its size).
TEST_F(CudaSampling, SampleFullVocabulary) {
  if (reduced_grid()) GTEST_SKIP() << "reduced grid";
  constexpr int kVocab = 129280;
  const std::vector<Setting> settings = {
      {0.0f, 0, 1.0f}, {0.6f, 0, 0.95f}, {1.0f, 40, 1.0f}, {0.7f, 0, 1.0f}, {1.0f, 0, 0.5f}};
  const int rows = static_cast<int>(settings.size());
  expect_same_as_sampler(separated_logits(rows, kVocab, 7), kVocab, settings, 77,
                         "full vocabulary");
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaSamplingParams, RejectedBeforeLaunch) {
  float f = 0.0f;
  std::int32_t i = 0;
  const RowSampling s;
  EXPECT_THROW(argmax_rows(&f, 1, 0, &i, nullptr), Error);
  EXPECT_THROW(argmax_rows(nullptr, 1, 4, &i, nullptr), Error);
  EXPECT_THROW(argmax_rows(&f, 1, 4, nullptr, nullptr), Error);
  EXPECT_THROW(argmax_rows(&f, 1 << 16, 1 << 16, &i, nullptr), Error);  // over 2^31 elements
  EXPECT_THROW(argmax_rows(&f, -1, 4, &i, nullptr), Error);
  EXPECT_NO_THROW(argmax_rows(&f, 0, 4, &i, nullptr));
  EXPECT_THROW(sample_workspace_bytes(1, 0), Error);
  EXPECT_THROW(sample_workspace_bytes(1 << 16, 1 << 16), Error);
  EXPECT_EQ(sample_workspace_bytes(0, 4), 0u);
  EXPECT_THROW(
      sample_rows({.logits = &f, .settings = &s, .ids = &i, .rows = 1, .vocab = 0}, nullptr),
      Error);
  EXPECT_THROW(
      sample_rows({.logits = &f, .settings = nullptr, .ids = &i, .rows = 1, .vocab = 4}, nullptr),
      Error);
  // No workspace, and a misaligned one: rejected before the workspace's size is worked out.
  EXPECT_THROW(
      sample_rows({.logits = &f, .settings = &s, .ids = &i, .rows = 1, .vocab = 4}, nullptr),
      Error);
  alignas(256) static unsigned char small[512];
  EXPECT_THROW(sample_rows({.logits = &f,
                            .settings = &s,
                            .ids = &i,
                            .rows = 1,
                            .vocab = 4,
                            .workspace = small + 1,
                            .workspace_bytes = 511},
                           nullptr),
               Error);
  EXPECT_NO_THROW(
      sample_rows({.logits = &f, .settings = &s, .ids = &i, .rows = 0, .vocab = 4}, nullptr));
}

// A workspace smaller than sample_workspace_bytes is rejected; needs the size, which asks cub.
TEST_F(CudaSampling, SmallWorkspaceRejected) {
  const std::size_t bytes = sample_workspace_bytes(3, 1000);
  EXPECT_GE(bytes, 3u * 1000u * 24u);
  DeviceBuffer<unsigned char> d_workspace(bytes);
  DeviceBuffer<float> d_logits(3000);
  DeviceBuffer<RowSampling> d_settings(3);
  DeviceBuffer<std::int32_t> d_ids(3);
  EXPECT_THROW(sample_rows({.logits = d_logits.data(),
                            .settings = d_settings.data(),
                            .ids = d_ids.data(),
                            .rows = 3,
                            .vocab = 1000,
                            .workspace = d_workspace.data(),
                            .workspace_bytes = bytes - 1},
                           stream()),
               Error);
}

}  // namespace
}  // namespace rbench::moe::cuda
