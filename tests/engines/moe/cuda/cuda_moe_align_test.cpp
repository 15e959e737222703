// The device-side MoE of decode steps (engines/moe/cuda/moe.h): moe_align against the expert
// order Model::moe serves tokens in (exact), and grouped_gemv against one gemv per expert over its
// gathered rows (bit for bit: the path CudaModel took before) and against the CPU's matmul (the
// route -> per-expert product twin). Device tests skip without a GPU; the parameter checks run
// everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/cuda_weight_matrix.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/moe.h"
#include "engines/moe/cuda/weights.h"

namespace rbench::moe::cuda {
namespace {

using CudaMoeAlign = CudaOps;

// n tokens each choosing k distinct experts of `experts`, drawn from the first `used` only, so
// that some experts are never chosen.
std::vector<std::int32_t> random_choices(int n, int k, int used, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> pool(used);
  for (int t = 0; t < n; ++t) {
    std::iota(pool.begin(), pool.end(), 0);
    std::shuffle(pool.begin(), pool.end(), rng);
    ids.insert(ids.end(), pool.begin(), pool.begin() + k);
  }
  return ids;
}

// What moe_align must write, built the way Model::moe (and CudaModel's host path) serves tokens.
struct Alignment {
  std::vector<std::int32_t> offsets, active, perm, slot_row;
  int active_count = 0;
};

Alignment expected_alignment(const std::vector<std::int32_t>& ids, int k, int experts) {
  const int slots = static_cast<int>(ids.size());
  std::vector<std::vector<int>> served(experts);
  for (int i = 0; i < slots; ++i) served[ids[i]].push_back(i);
  Alignment a;
  a.slot_row.resize(slots);
  for (int e = 0; e < experts; ++e) {
    a.offsets.push_back(static_cast<std::int32_t>(a.perm.size()));
    if (!served[e].empty()) a.active.push_back(e);
    for (int i : served[e]) {
      a.slot_row[i] = static_cast<std::int32_t>(a.perm.size());
      a.perm.push_back(i / k);
    }
  }
  a.offsets.push_back(slots);
  a.active_count = static_cast<int>(a.active.size());
  a.active.resize(std::min(slots, experts), -1);
  return a;
}

struct DeviceAlignment {
  DeviceAlignment(int n, int k, int experts)
      : offsets(experts + 1),
        active(std::min(n * k, experts)),
        perm(static_cast<std::size_t>(n) * k),
        slot_row(static_cast<std::size_t>(n) * k),
        count(1) {}
  DeviceBuffer<std::int32_t> offsets, active, perm, slot_row, count;
};

void run_align(const DeviceBuffer<std::int32_t>& ids, int n, int k, int experts,
               DeviceAlignment& out, cudaStream_t stream) {
  moe_align({.ids = ids.data(),
             .n = n,
             .k = k,
             .experts = experts,
             .offsets = out.offsets.data(),
             .active = out.active.data(),
             .perm = out.perm.data(),
             .slot_row = out.slot_row.data(),
             .active_count = out.count.data()},
            stream);
}

TEST_F(CudaMoeAlign, AlignMatchesTheServedOrder) {
  const std::vector<int> n_grid =
      reduced_grid() ? std::vector<int>{1, 17} : std::vector<int>{1, 2, 3, 17, 64, 512};
  int cases = 0;
  for (int experts : {8, 64, 256}) {
    for (int k : {1, 2, 8}) {
      for (int n : n_grid) {
        if (k > experts || n * k > kAlignMaxSlots) continue;
        // Half the experts at most: some are never chosen.
        const int used = std::max(k, experts / 2);
        const auto ids = random_choices(n, k, used, experts * 1000 + k * 100 + n);
        const Alignment want = expected_alignment(ids, k, experts);
        DeviceBuffer<std::int32_t> d_ids{std::span<const std::int32_t>(ids)};
        DeviceAlignment got(n, k, experts);
        run_align(d_ids, n, k, experts, got, stream());
        synchronize();
        const std::string what = "experts " + std::to_string(experts) + ", k " + std::to_string(k) +
                                 ", n " + std::to_string(n);
        EXPECT_EQ(got.offsets.download(), want.offsets) << what;
        EXPECT_EQ(got.active.download(), want.active) << what;
        EXPECT_EQ(got.perm.download(), want.perm) << what;
        EXPECT_EQ(got.slot_row.download(), want.slot_row) << what;
        EXPECT_EQ(got.count.download().front(), want.active_count) << what;
        ++cases;
      }
    }
  }
  std::cout << "OK, " << cases << " alignments exact\n";
}

// Route -> align -> gather -> grouped gemv, against (a) one gemv per chosen expert over its
// gathered rows, bit for bit, and (b) the CPU's matmul per expert, within
// 1e-5 x sum_c |W[r][c] x[c]| + 1e-6 (the tolerance of GemvMatchesMatmul: the same f32 products
// summed in another order). cols 1024 takes the 16-byte path, 1000 the scalar one (fp8: 1000 is
// not a multiple of the width either).
TEST_F(CudaMoeAlign, GroupedGemvIsPerExpertGemvBitForBit) {
  constexpr int kExperts = 16;
  constexpr int kRows = 129;  // not a multiple of the 4 rows a block computes
  const std::vector<int> n_grid =
      reduced_grid() ? std::vector<int>{1, 9} : std::vector<int>{1, 3, 9, 64};
  for (DType dtype : {DType::f32, DType::bf16, DType::f8_e4m3}) {
    for (int cols : {1024, 1000}) {
      std::vector<WeightMatrix> host;
      std::vector<DeviceWeights> device;
      std::vector<WeightView> views;
      for (int e = 0; e < kExperts; ++e) {
        host.push_back(random_weight_matrix(dtype, kRows, cols, e * 31 + cols));
      }
      for (const WeightMatrix& w : host) device.emplace_back(w);
      for (const DeviceWeights& d : device) views.push_back(d.view);
      std::vector<std::vector<float>> dequantised;
      for (const WeightMatrix& w : host) dequantised.push_back(w.to_f32());
      DeviceBuffer<WeightView> d_views{std::span<const WeightView>(views)};
      const bool vector = grouped_gemv_uses_vector_loads(views.front());
      EXPECT_EQ(vector, cols == 1024) << to_string(dtype) << " cols " << cols;
      for (int n : n_grid) {
        for (int k : {1, 4}) {
          const int slots = n * k;
          const auto ids = random_choices(n, k, kExperts - 3, n * 7 + k + cols);
          const Alignment a = expected_alignment(ids, k, kExperts);
          const auto x = random_floats(static_cast<std::size_t>(n) * cols, n + cols);
          DeviceBuffer<std::int32_t> d_ids{std::span<const std::int32_t>(ids)};
          DeviceBuffer<float> d_x{std::span<const float>(x)};
          DeviceAlignment al(n, k, kExperts);
          run_align(d_ids, n, k, kExperts, al, stream());
          DeviceBuffer<float> xe(static_cast<std::size_t>(slots) * cols);
          gather_rows(d_x.data(), al.perm.data(), slots, cols, xe.data(), stream());
          DeviceBuffer<float> y(static_cast<std::size_t>(slots) * kRows);
          grouped_gemv({.matrices = d_views.data(),
                        .type = views.front().type,
                        .rows = kRows,
                        .cols = cols,
                        .vector = vector,
                        .x = xe.data(),
                        .y = y.data(),
                        .offsets = al.offsets.data(),
                        .active = al.active.data(),
                        .slots = slots,
                        .experts = kExperts},
                       stream());
          DeviceBuffer<float> y_ref(static_cast<std::size_t>(slots) * kRows);
          for (int e : a.active) {
            if (e < 0) break;
            const int first = a.offsets[e];
            gemv({.w = views[e],
                  .x = xe.data() + static_cast<std::size_t>(first) * cols,
                  .y = y_ref.data() + static_cast<std::size_t>(first) * kRows,
                  .n = a.offsets[e + 1] - first},
                 stream());
          }
          synchronize();
          const auto got = y.download();
          const auto ref = y_ref.download();
          const std::string what = std::string(to_string(dtype)) + " cols " + std::to_string(cols) +
                                   ", n " + std::to_string(n) + ", k " + std::to_string(k);
          int differ = 0;
          for (std::size_t i = 0; i < got.size(); ++i) {
            differ += std::bit_cast<std::uint32_t>(got[i]) != std::bit_cast<std::uint32_t>(ref[i]);
          }
          EXPECT_EQ(differ, 0) << what << ": outputs not bitwise equal to per-expert gemv";
          // The CPU twin: each expert's rows through matmul.
          for (int e : a.active) {
            if (e < 0) break;
            for (int r = a.offsets[e]; r < a.offsets[e + 1]; ++r) {
              const float* xr = x.data() + static_cast<std::size_t>(a.perm[r]) * cols;
              std::vector<float> want(kRows);
              matmul(host[e], xr, 1, want.data());
              const std::vector<float>& w_f32 = dequantised[e];
              for (int o = 0; o < kRows; ++o) {
                double scale = 0;
                for (int c = 0; c < cols; ++c) {
                  scale += std::abs(
                      static_cast<double>(w_f32[static_cast<std::size_t>(o) * cols + c]) * xr[c]);
                }
                EXPECT_NEAR(got[static_cast<std::size_t>(r) * kRows + o], want[o],
                            1e-5 * scale + 1e-6)
                    << what << ", expert " << e << " row " << r << " output " << o;
              }
            }
          }
        }
      }
    }
  }
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaMoeAlignParams, RejectedBeforeLaunch) {
  std::int32_t buf[8] = {};
  const AlignParams ok{.ids = buf,
                       .n = 1,
                       .k = 2,
                       .experts = 4,
                       .offsets = buf,
                       .active = buf,
                       .perm = buf,
                       .slot_row = buf};
  AlignParams p = ok;
  p.n = -1;
  EXPECT_THROW(moe_align(p, nullptr), Error);
  p = ok;
  p.k = 5;  // more than the experts
  EXPECT_THROW(moe_align(p, nullptr), Error);
  p = ok;
  p.experts = kMaxExperts + 1;
  EXPECT_THROW(moe_align(p, nullptr), Error);
  p = ok;
  p.n = kAlignMaxSlots;  // n * k past the shared-memory ranking
  EXPECT_THROW(moe_align(p, nullptr), Error);
  p = ok;
  p.perm = nullptr;
  EXPECT_THROW(moe_align(p, nullptr), Error);
  p = ok;
  p.n = 0;
  EXPECT_NO_THROW(moe_align(p, nullptr));  // nothing to do launches nothing

  alignas(16) static const float x[8] = {};
  float y[8] = {};
  const WeightView view{.type = WeightType::f32, .data = x, .rows = 4, .cols = 4};
  const GroupedGemvParams g{.matrices = &view,
                            .type = WeightType::f32,
                            .rows = 4,
                            .cols = 4,
                            .vector = true,
                            .x = x,
                            .y = y,
                            .offsets = buf,
                            .active = buf,
                            .slots = 2,
                            .experts = 1};
  GroupedGemvParams q = g;
  q.cols = 0;
  EXPECT_THROW(grouped_gemv(q, nullptr), Error);
  q = g;
  q.experts = 0;
  EXPECT_THROW(grouped_gemv(q, nullptr), Error);
  q = g;
  q.offsets = nullptr;
  EXPECT_THROW(grouped_gemv(q, nullptr), Error);
  q = g;
  q.x = x + 1;  // vector loads from a misaligned x
  EXPECT_THROW(grouped_gemv(q, nullptr), Error);
  q = g;
  q.slots = 0;
  EXPECT_NO_THROW(grouped_gemv(q, nullptr));
}

// The grouped gemv's path is gemv's for the same matrix: from W's shape and alignment alone.
TEST(CudaMoeAlignParams, GroupedPathIsGemvPath) {
  alignas(16) static const std::uint8_t w[64] = {};
  const float scale = 1.0f;
  const WeightView f32{.type = WeightType::f32, .data = w, .rows = 1, .cols = 4};
  const WeightView fp8{
      .type = WeightType::f8_e4m3, .data = w, .scales = &scale, .rows = 1, .cols = 16};
  EXPECT_TRUE(grouped_gemv_uses_vector_loads(f32));
  EXPECT_TRUE(grouped_gemv_uses_vector_loads(fp8));
  WeightView odd = f32;
  odd.cols = 5;
  EXPECT_FALSE(grouped_gemv_uses_vector_loads(odd));
  WeightView misaligned = f32;
  misaligned.data = w + 4;
  EXPECT_FALSE(grouped_gemv_uses_vector_loads(misaligned));
}

}  // namespace
}  // namespace rbench::moe::cuda
