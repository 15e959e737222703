// The routed-expert half of a DeepSeek MoE layer on the device: routing, permutation of tokens
// into expert order (on the device for decode-sized batches: moe_align), the grouped expert
// product, and the weighted un-permute. Twins in engines/moe/model/model.cpp (route_token,
// Model::moe).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "engines/moe/cuda/weights.h"

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

// Sorts the n * k (token, slot) choices of moe_route into expert order on the device, as
// Model::moe serves them: experts ascending, each expert's slots in t * k + slot order. One block,
// a fixed grid, no host round trip (so a decode step can be captured in a CUDA graph). Writes
//   offsets[e] .. offsets[e + 1]: the rows of expert e in the expert-ordered batch,
//   active[i]: the chosen experts ascending, then -1 up to min(n * k, experts) entries,
//   perm[row]: the token of each row (gather_rows' input),
//   slot_row[t * k + s]: the row holding token t's slot s (moe_unpermute's input),
//   active_count (when not null): how many experts were chosen (the bytes a step read).
// An id outside [0, experts) traps (a CUDA error at the next sync, never a wrong answer).
// Twin: the `served` lists of Model::moe. Exact.
struct AlignParams {
  const std::int32_t* ids = nullptr;  // [n][k], moe_route's
  int n = 0;
  int k = 0;
  int experts = 0;                       // at most kMaxExperts
  std::int32_t* offsets = nullptr;       // [experts + 1]
  std::int32_t* active = nullptr;        // [min(n * k, experts)]
  std::int32_t* perm = nullptr;          // [n * k]
  std::int32_t* slot_row = nullptr;      // [n * k]
  std::int32_t* active_count = nullptr;  // [1], optional
};
// n * k at most this: the choices are ranked in shared memory.
inline constexpr int kAlignMaxSlots = 4096;
void moe_align(const AlignParams& p, cudaStream_t stream);

// y[r] = W_e x[r] for every row r of the expert-ordered batch, e the expert owning r
// (offsets[e] <= r < offsets[e + 1]): the routed experts' gate, up or down product of a decode
// step in one launch. Blocks are (output tile, active slot i); those whose active[i] is -1 exit
// at once, so each chosen expert's matrix is read once per pass of up to kGemvMaxBatch rows and
// an expert no token chose costs nothing. Every output is reduced by gemv's own per-output code
// (gemv.cuh) on the same path (vector or not) gemv would take for that expert alone, so y has
// exactly the bits of one gemv per expert over its gathered rows. Twin: gemv (weights.h).
struct GroupedGemvParams {
  const WeightView* matrices = nullptr;  // device, [experts]: one type and shape for all
  WeightType type = WeightType::f32;     // the matrices' type, rows and cols (host copies)
  int rows = 0;
  int cols = 0;
  bool vector = false;       // grouped_gemv_uses_vector_loads of every expert (they must agree)
  const float* x = nullptr;  // [slots][cols], expert order, 16-byte aligned
  float* y = nullptr;        // [slots][rows]
  const std::int32_t* offsets = nullptr;  // device, moe_align's
  const std::int32_t* active = nullptr;   // device, moe_align's
  int slots = 0;                          // n * k
  int experts = 0;                        // matrices in `matrices`
};
void grouped_gemv(const GroupedGemvParams& p, cudaStream_t stream);
// The path gemv takes for expert matrix `w` over rows of a 16-byte aligned [slots][cols] buffer
// (its choice depends on W's alignment and shape, not on which rows): what `vector` must say.
bool grouped_gemv_uses_vector_loads(const WeightView& w);

}  // namespace rbench::moe::cuda
