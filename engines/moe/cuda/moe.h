// The routed-expert half of a DeepSeek MoE layer on the device: routing, permutation of tokens
// into expert order and the weighted un-permute. Twins in engines/moe/model/model.cpp
// (route_token, Model::moe).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace rbench::moe::cuda {

enum class Scoring { softmax, sigmoid };
enum class TopkMethod { greedy, group_limited_greedy, noaux_tc };

// For each token: scores from its router logits (softmax or sigmoid), the correction bias added
// for selection only (noaux_tc), group-limited selection (V2: a group by its best expert, V3 by
// its best two), top-k with ties to the lower id, then normalisation (when k > 1 and
// norm_topk_prob) and routed scaling (V3 always, V2 only unnormalised). Experts highest-ranked
// first. One thread per token follows route_token step by step, so the choice is the CPU's; the
// weights agree to an ulp (e^x in double rounded to f32, as glibc's expf: the same bits but in
// rare cases).
struct RouteParams {
  const float* logits = nullptr;  // [n][experts]
  const float* bias = nullptr;    // [experts], noaux_tc only
  std::int32_t* ids = nullptr;    // [n][k]
  float* weights = nullptr;       // [n][k]
  int n = 0;
  int experts = 0;  // at most kMaxExperts
  int k = 0;
  int n_group = 1;
  int topk_group = 1;
  Scoring scoring = Scoring::softmax;
  TopkMethod method = TopkMethod::greedy;
  bool norm_topk_prob = false;
  bool v2 = false;
  float routed_scaling = 1.0f;
};
inline constexpr int kMaxExperts = 512;
void moe_route(const RouteParams& p, cudaStream_t stream);

// out[i] = x[rows[i]] for i < m ([m][dim]): tokens gathered into expert order. Exact.
void gather_rows(const float* x, const std::int32_t* rows, int m, int dim, float* out,
                 cudaStream_t stream);

// out[t][d] += w[t][s] * y[slot_row[t][s]][d] for s = 0..k-1 in that order, each product rounded
// to f32 before the sum, as Model::moe adds its per-slot rows. Exact.
struct UnpermuteParams {
  const float* y = nullptr;                // [rows in expert order][dim]
  const std::int32_t* slot_row = nullptr;  // [n][k]: the row of y holding token t's slot s
  const float* weights = nullptr;          // [n][k]
  float* out = nullptr;                    // [n][dim], holding the shared experts' output or 0
  int n = 0;
  int k = 0;
  int dim = 0;
};
void moe_unpermute(const UnpermuteParams& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
