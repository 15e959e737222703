// The MoE ops of engines/moe/cuda/moe.h against their CPU twins: moe_route against route_token
// over every routing variant, gather_rows and moe_unpermute against Model::moe's loops (exact).
// Device tests skip without a CUDA device; the parameter checks run everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/moe.h"
#include "engines/moe/model/model.h"

namespace rbench::moe::cuda {
namespace {

using CudaMoe = CudaOps;

struct RouteCase {
  Scoring scoring;
  TopkMethod method;
  bool norm;
  bool v2;
  int experts;
  int k;
  int n_group;
};

std::string describe(const RouteCase& c) {
  return std::string(c.scoring == Scoring::softmax ? "softmax" : "sigmoid") + " " +
         (c.method == TopkMethod::greedy                 ? "greedy"
          : c.method == TopkMethod::group_limited_greedy ? "group_limited_greedy"
                                                         : "noaux_tc") +
         (c.norm ? " norm" : "") + (c.v2 ? " v2" : " v3") + ", experts " +
         std::to_string(c.experts) + ", k " + std::to_string(c.k) + ", n_group " +
         std::to_string(c.n_group);
}

// Tolerance: ids exact, weights 1e-6 relative. Both compute the scores as f32 e^x correctly
// rounded (glibc's expf on the CPU, exp in double rounded on the GPU, see moe.cu), then the same
// f32 and double operations in the same order; 1e-6 leaves room for an ulp or two where the two
// exps round differently.
TEST_F(CudaMoe, RouteMatchesRouteTokenOverEveryVariant) {
  const bool reduced = reduced_grid();
  const int tokens = reduced ? 4 : 33;
  const std::vector<int> expert_counts =
      reduced ? std::vector<int>{8, 256} : std::vector<int>{8, 64, 256};
  int cases = 0;
  for (Scoring scoring : {Scoring::softmax, Scoring::sigmoid}) {
    for (TopkMethod method :
         {TopkMethod::greedy, TopkMethod::group_limited_greedy, TopkMethod::noaux_tc}) {
      for (bool norm : {false, true}) {
        for (bool v2 : {false, true}) {
          for (int experts : expert_counts) {
            for (int k : {1, 2, 8}) {
              for (int n_group : {1, 4, 8}) {
                if (k > experts) continue;
                const RouteCase rc{scoring, method, norm, v2, experts, k, n_group};
                // Keep enough groups to hold k experts, and fewer than all when there are
                // groups, so the masking matters.
                const int per_group = experts / n_group;
                const int topk_group =
                    std::max(std::min(n_group, (k + per_group - 1) / per_group), n_group / 2);
                ModelConfig config;
                config.model_type = v2 ? "deepseek_v2" : "deepseek_v3";
                config.n_routed_experts = experts;
                config.num_experts_per_tok = k;
                config.n_group = n_group;
                config.topk_group = topk_group;
                config.norm_topk_prob = norm;
                config.routed_scaling_factor = 2.5;
                config.scoring_func =
                    scoring == Scoring::softmax ? ScoringFunc::softmax : ScoringFunc::sigmoid;
                config.topk_method = method == TopkMethod::greedy ? moe::TopkMethod::greedy
                                     : method == TopkMethod::group_limited_greedy
                                         ? moe::TopkMethod::group_limited_greedy
                                         : moe::TopkMethod::noaux_tc;
                const std::uint32_t seed = static_cast<std::uint32_t>(1000 + cases);
                const auto logits =
                    random_floats(static_cast<std::size_t>(tokens) * experts, seed, -4.0f, 4.0f);
                const auto bias = random_floats(experts, seed + 7, -0.2f, 0.2f);

                DeviceBuffer<float> d_logits{std::span<const float>(logits)};
                DeviceBuffer<float> d_bias{std::span<const float>(bias)};
                DeviceBuffer<std::int32_t> d_ids(static_cast<std::size_t>(tokens) * k);
                DeviceBuffer<float> d_weights(static_cast<std::size_t>(tokens) * k);
                moe_route({.logits = d_logits.data(),
                           .bias = d_bias.data(),
                           .ids = d_ids.data(),
                           .weights = d_weights.data(),
                           .n = tokens,
                           .experts = experts,
                           .k = k,
                           .n_group = n_group,
                           .topk_group = topk_group,
                           .scoring = scoring,
                           .method = method,
                           .norm_topk_prob = norm,
                           .v2 = v2,
                           .routed_scaling = static_cast<float>(config.routed_scaling_factor)},
                          stream());
                synchronize();
                const auto ids = d_ids.download();
                const auto weights = d_weights.download();
                for (int t = 0; t < tokens; ++t) {
                  const auto expected = route_token(
                      config, logits.data() + static_cast<std::size_t>(t) * experts, bias);
                  ASSERT_EQ(expected.size(), static_cast<std::size_t>(k));
                  for (int i = 0; i < k; ++i) {
                    const std::size_t at = static_cast<std::size_t>(t) * k + i;
                    ASSERT_EQ(ids[at], expected[i].first)
                        << describe(rc) << ": token " << t << ", slot " << i;
                    EXPECT_NEAR(weights[at], expected[i].second,
                                1e-6f * std::fabs(expected[i].second))
                        << describe(rc) << ": token " << t << ", slot " << i;
                  }
                }
                ++cases;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 100);
}

// Ties: equal logits pick the lower expert id first, and equal groups the lower group, as the
// CPU's stable sorts do.
TEST_F(CudaMoe, RouteBreaksTiesByLowerId) {
  constexpr int kExperts = 16;
  const std::vector<float> logits(kExperts, 0.5f);
  const std::vector<float> bias(kExperts, 0.0f);
  for (TopkMethod method : {TopkMethod::greedy, TopkMethod::noaux_tc}) {
    ModelConfig config;
    config.model_type = "deepseek_v3";
    config.n_routed_experts = kExperts;
    config.num_experts_per_tok = 4;
    config.n_group = 4;
    config.topk_group = 2;
    config.scoring_func = ScoringFunc::sigmoid;
    config.topk_method =
        method == TopkMethod::greedy ? moe::TopkMethod::greedy : moe::TopkMethod::noaux_tc;
    const auto expected = route_token(config, logits.data(), bias);
    DeviceBuffer<float> d_logits{std::span<const float>(logits)};
    DeviceBuffer<float> d_bias{std::span<const float>(bias)};
    DeviceBuffer<std::int32_t> d_ids(4);
    DeviceBuffer<float> d_weights(4);
    moe_route({.logits = d_logits.data(),
               .bias = d_bias.data(),
               .ids = d_ids.data(),
               .weights = d_weights.data(),
               .n = 1,
               .experts = kExperts,
               .k = 4,
               .n_group = 4,
               .topk_group = 2,
               .scoring = Scoring::sigmoid,
               .method = method},
              stream());
    synchronize();
    const auto ids = d_ids.download();
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(ids[i], i);
      EXPECT_EQ(ids[i], expected[i].first);
    }
  }
}

// gather_rows and moe_unpermute reproduce Model::moe's data movement bit for bit: rows copied,
// and out += w * y slot by slot with each product rounded to f32 first.
TEST_F(CudaMoe, GatherAndUnpermuteAreExact) {
  struct Shape {
    int n, k, dim;
  };
  const std::vector<Shape> shapes =
      reduced_grid() ? std::vector<Shape>{{3, 2, 33}}
                     : std::vector<Shape>{{1, 1, 1}, {3, 2, 33}, {17, 8, 300}, {64, 8, 7168}};
  for (const Shape s : shapes) {
    const int m = s.n * s.k;  // rows in expert order
    const auto x = random_floats(static_cast<std::size_t>(s.n) * s.dim, s.dim, -3.0f, 3.0f);
    // Row r of the expert order serves a token; a scrambled map, as experts group them.
    std::vector<std::int32_t> rows(m);
    std::mt19937 rng(static_cast<std::uint32_t>(m));
    for (int i = 0; i < m; ++i) rows[i] = static_cast<std::int32_t>(rng() % s.n);
    std::vector<std::int32_t> slot_row(m);
    std::iota(slot_row.begin(), slot_row.end(), 0);
    std::shuffle(slot_row.begin(), slot_row.end(), rng);
    const auto y = random_floats(static_cast<std::size_t>(m) * s.dim, m + 1, -5.0f, 5.0f);
    const auto w = random_floats(m, m + 2, 0.0f, 1.0f);
    const auto out0 = random_floats(static_cast<std::size_t>(s.n) * s.dim, m + 3);

    std::vector<float> gathered(static_cast<std::size_t>(m) * s.dim);
    for (int i = 0; i < m; ++i) {
      std::copy_n(x.data() + static_cast<std::size_t>(rows[i]) * s.dim, s.dim,
                  gathered.data() + static_cast<std::size_t>(i) * s.dim);
    }
    std::vector<float> expected = out0;
    for (int t = 0; t < s.n; ++t) {
      for (int slot = 0; slot < s.k; ++slot) {
        const std::size_t ts = static_cast<std::size_t>(t) * s.k + slot;
        for (int d = 0; d < s.dim; ++d) {
          // Stored first (a volatile keeps the compiler from fusing), then added.
          const volatile float product =
              w[ts] * y[static_cast<std::size_t>(slot_row[ts]) * s.dim + d];
          expected[static_cast<std::size_t>(t) * s.dim + d] += product;
        }
      }
    }

    DeviceBuffer<float> d_x{std::span<const float>(x)};
    DeviceBuffer<std::int32_t> d_rows{std::span<const std::int32_t>(rows)};
    DeviceBuffer<float> d_gathered(gathered.size());
    DeviceBuffer<float> d_y{std::span<const float>(y)};
    DeviceBuffer<std::int32_t> d_slot_row{std::span<const std::int32_t>(slot_row)};
    DeviceBuffer<float> d_w{std::span<const float>(w)};
    DeviceBuffer<float> d_out{std::span<const float>(out0)};
    gather_rows(d_x.data(), d_rows.data(), m, s.dim, d_gathered.data(), stream());
    moe_unpermute({.y = d_y.data(),
                   .slot_row = d_slot_row.data(),
                   .weights = d_w.data(),
                   .out = d_out.data(),
                   .n = s.n,
                   .k = s.k,
                   .dim = s.dim},
                  stream());
    synchronize();
    EXPECT_EQ(d_gathered.download(), gathered) << "gather_rows, n " << s.n << ", dim " << s.dim;
    EXPECT_EQ(d_out.download(), expected) << "moe_unpermute, n " << s.n << ", dim " << s.dim;
  }
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaMoeParams, RejectedBeforeLaunch) {
  float f = 0.0f;
  std::int32_t i = 0;
  const RouteParams good{.logits = &f,
                         .bias = &f,
                         .ids = &i,
                         .weights = &f,
                         .n = 1,
                         .experts = 8,
                         .k = 2,
                         .n_group = 4,
                         .topk_group = 2,
                         .method = TopkMethod::noaux_tc};
  auto with = [&](auto change) {
    RouteParams p = good;
    change(p);
    return p;
  };
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.experts = 0; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.experts = kMaxExperts + 8; }), nullptr),
               Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.k = 0; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.k = 9; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.n_group = 3; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.topk_group = 5; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.topk_group = 0; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.bias = nullptr; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.logits = nullptr; }), nullptr), Error);
  EXPECT_THROW(moe_route(with([](RouteParams& p) { p.n = -1; }), nullptr), Error);
  // n == 0 is no work, not an error.
  EXPECT_NO_THROW(moe_route(with([](RouteParams& p) { p.n = 0; }), nullptr));

  EXPECT_THROW(gather_rows(&f, &i, 1, 0, &f, nullptr), Error);
  EXPECT_THROW(gather_rows(&f, nullptr, 1, 4, &f, nullptr), Error);
  EXPECT_THROW(gather_rows(&f, &i, -1, 4, &f, nullptr), Error);
  EXPECT_THROW(
      moe_unpermute({.y = &f, .slot_row = &i, .weights = &f, .out = &f, .n = 1, .k = 0, .dim = 4},
                    nullptr),
      Error);
  EXPECT_THROW(
      moe_unpermute(
          {.y = &f, .slot_row = &i, .weights = nullptr, .out = &f, .n = 1, .k = 2, .dim = 4},
          nullptr),
      Error);
}

}  // namespace
}  // namespace rbench::moe::cuda
