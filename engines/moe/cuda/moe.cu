// MoE routing, alignment into expert order, the grouped expert gemv, gather and un-permute on the
// device (see moe.h). The router runs one thread per token through the same steps, in the same
// order, as route_token in engines/moe/model/model.cpp.
#include "engines/moe/cuda/moe.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/gemv.cuh"
#include "engines/moe/cuda/launch.h"

namespace rbench::moe::cuda {
namespace {

constexpr int kThreads = 256;
// The router keeps scores and choices of every expert in per-thread (local) memory, 4 KiB for
// 512 experts; few threads per block keep that spill cheap to schedule.
constexpr int kRouteThreads = 64;
// The alignment is one block: its ranking loop is short for decode-sized batches.
constexpr int kAlignThreads = 512;

// e^x rounded once to f32: exp in double (1 ulp there) then one rounding, so the result is the
// correctly rounded f32 but for results within about 2^-29 of a rounding boundary. glibc's expf,
// which route_token calls through std::exp(float), is as close (0.502 ulp), so the scores are
// the CPU's bits but in rare cases, where CUDA's expf (2 ulp) would often differ by an ulp and
// could flip a near-tie between experts.
__device__ float exp_f32(float x) {
  return static_cast<float>(exp(static_cast<double>(x)));
}

// `a` ranks before `b` (different ids): the higher value, ties to the lower id.
__device__ bool ranks_before(float va, int a, float vb, int b) {
  return va > vb || (va == vb && a < b);
}

__global__ void route_kernel(RouteParams p) {
  const int t = blockIdx.x * kRouteThreads + threadIdx.x;
  if (t >= p.n) return;
  const int experts = p.experts;
  const float* logits = p.logits + static_cast<std::size_t>(t) * experts;
  float scores[kMaxExperts];
  float choice[kMaxExperts];

  if (p.scoring == Scoring::softmax) {
    // softmax_inplace: max subtracted, exps stored as f32, their sum in double.
    float m = logits[0];
    for (int e = 1; e < experts; ++e) m = fmaxf(m, logits[e]);
    double sum = 0.0;
    for (int e = 0; e < experts; ++e) {
      scores[e] = exp_f32(logits[e] - m);
      sum += scores[e];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int e = 0; e < experts; ++e) scores[e] *= inv;
  } else {
    for (int e = 0; e < experts; ++e) scores[e] = 1.0f / (1.0f + exp_f32(-logits[e]));
  }
  for (int e = 0; e < experts; ++e) {
    choice[e] = p.method == TopkMethod::noaux_tc ? scores[e] + p.bias[e] : scores[e];
  }

  if (p.method != TopkMethod::greedy && p.n_group > 1) {
    const int per_group = experts / p.n_group;
    // Kept groups as a bit set: at most kMaxExperts groups.
    unsigned kept[kMaxExperts / 32] = {};
    float group_score[kMaxExperts];
    for (int g = 0; g < p.n_group; ++g) {
      // The best two values of the group (duplicates count twice, as in a sorted copy).
      float best = -INFINITY;
      float second = -INFINITY;
      for (int e = g * per_group; e < (g + 1) * per_group; ++e) {
        const float v = choice[e];
        if (v > best) {
          second = best;
          best = v;
        } else if (v > second) {
          second = v;
        }
      }
      group_score[g] =
          p.method == TopkMethod::noaux_tc ? best + (per_group > 1 ? second : 0.0f) : best;
    }
    // The first topk_group groups of a stable sort by descending score: repeatedly the best
    // group not yet kept, ties to the lower index.
    for (int i = 0; i < p.topk_group; ++i) {
      int pick = -1;
      for (int g = 0; g < p.n_group; ++g) {
        if (kept[g / 32] & (1u << (g % 32))) continue;
        if (pick < 0 || group_score[g] > group_score[pick]) pick = g;
      }
      kept[pick / 32] |= 1u << (pick % 32);
    }
    for (int e = 0; e < experts; ++e) {
      const int g = e / per_group;
      if (!(kept[g / 32] & (1u << (g % 32)))) choice[e] = -INFINITY;
    }
  }

  // Top-k by choice, ties to the lower id: repeatedly the best expert not yet picked.
  unsigned picked[kMaxExperts / 32] = {};
  std::int32_t* ids = p.ids + static_cast<std::size_t>(t) * p.k;
  float* weights = p.weights + static_cast<std::size_t>(t) * p.k;
  double sum = 0.0;
  for (int i = 0; i < p.k; ++i) {
    int best = -1;
    for (int e = 0; e < experts; ++e) {
      if (picked[e / 32] & (1u << (e % 32))) continue;
      if (best < 0 || ranks_before(choice[e], e, choice[best], best)) best = e;
    }
    picked[best / 32] |= 1u << (best % 32);
    ids[i] = best;
    weights[i] = scores[best];  // the unbiased score
    sum += scores[best];
  }
  const bool normalise = p.k > 1 && p.norm_topk_prob;
  for (int i = 0; i < p.k; ++i) {
    float w = weights[i];
    if (normalise) w = static_cast<float>(w / (sum + 1e-20));
    if (!p.v2 || !normalise) w *= p.routed_scaling;
    weights[i] = w;
  }
}

__global__ void gather_rows_kernel(const float* x, const std::int32_t* rows, int m, int dim,
                                   float* out) {
  const long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= static_cast<long long>(m) * dim) return;
  const long long r = i / dim;
  const int d = static_cast<int>(i % dim);
  out[i] = x[static_cast<long long>(rows[r]) * dim + d];
}

// One thread per (t, d); __fmul_rn and __fadd_rn so that no multiply-add is fused: each product
// is rounded to f32 before it is added, as the CPU stores w * y before summing slots.
__global__ void unpermute_kernel(UnpermuteParams p) {
  const long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= static_cast<long long>(p.n) * p.dim) return;
  const long long t = i / p.dim;
  const int d = static_cast<int>(i % p.dim);
  float acc = p.out[i];
  for (int s = 0; s < p.k; ++s) {
    const long long slot = t * p.k + s;
    const float y = p.y[static_cast<long long>(p.slot_row[slot]) * p.dim + d];
    acc = __fadd_rn(acc, __fmul_rn(p.weights[slot], y));
  }
  p.out[i] = acc;
}

// One block. Counts per expert, then one warp scans them (each lane a contiguous range of
// experts, lanes combined with shuffles) into offsets and the active list, then each choice's
// row is its expert's offset plus the number of earlier choices of the same expert: the order
// Model::moe serves them in, whatever order the threads run in.
__global__ void align_kernel(AlignParams p) {
  __shared__ std::int32_t ids[kAlignMaxSlots];
  __shared__ std::int32_t counts[kMaxExperts];
  __shared__ std::int32_t starts[kMaxExperts];
  __shared__ int total_active;
  const int slots = p.n * p.k;
  for (int e = threadIdx.x; e < p.experts; e += kAlignThreads) counts[e] = 0;
  for (int i = threadIdx.x; i < slots; i += kAlignThreads) {
    const std::int32_t e = p.ids[i];
    if (e < 0 || e >= p.experts) __trap();
    ids[i] = e;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < slots; i += kAlignThreads) atomicAdd(&counts[ids[i]], 1);
  __syncthreads();
  if (threadIdx.x < kWarp) {
    const int lane = threadIdx.x;
    const int per_lane = (p.experts + kWarp - 1) / kWarp;
    const int lo = min(lane * per_lane, p.experts);
    const int hi = min(lo + per_lane, p.experts);
    int rows = 0;
    int chosen = 0;
    for (int e = lo; e < hi; ++e) {
      rows += counts[e];
      chosen += counts[e] > 0 ? 1 : 0;
    }
    int rows_incl = rows;
    int chosen_incl = chosen;
    for (int offset = 1; offset < kWarp; offset *= 2) {
      const int r = __shfl_up_sync(kFullMask, rows_incl, offset);
      const int c = __shfl_up_sync(kFullMask, chosen_incl, offset);
      if (lane >= offset) {
        rows_incl += r;
        chosen_incl += c;
      }
    }
    int row = rows_incl - rows;
    int at = chosen_incl - chosen;
    for (int e = lo; e < hi; ++e) {
      starts[e] = row;
      p.offsets[e] = row;
      row += counts[e];
      if (counts[e] > 0) p.active[at++] = e;
    }
    if (lane == kWarp - 1) {
      p.offsets[p.experts] = rows_incl;
      total_active = chosen_incl;
      if (p.active_count) *p.active_count = chosen_incl;
    }
  }
  __syncthreads();
  const int max_active = min(slots, p.experts);
  for (int i = total_active + threadIdx.x; i < max_active; i += kAlignThreads) p.active[i] = -1;
  for (int i = threadIdx.x; i < slots; i += kAlignThreads) {
    const std::int32_t e = ids[i];
    int rank = 0;
    for (int j = 0; j < i; ++j) rank += ids[j] == e ? 1 : 0;
    const int row = starts[e] + rank;
    p.slot_row[i] = row;
    p.perm[row] = i / p.k;
  }
}

// Block (output tile, active slot): kGemvWarps output rows of one chosen expert's matrix, each
// over that expert's rows in passes of kGemvMaxBatch, exactly as gemv would run them.
template <WeightType T, bool kVector>
__global__ void grouped_gemv_kernel(GroupedGemvParams p) {
  const int e = p.active[blockIdx.y];
  if (e < 0) return;
  const int row = blockIdx.x * kGemvWarps + threadIdx.x / kWarp;
  if (row >= p.rows) return;  // the whole warp: row is the same for its lanes
  const int lane = threadIdx.x % kWarp;
  const int first = p.offsets[e];
  const int count = p.offsets[e + 1] - first;
  for (int t0 = 0; t0 < count; t0 += kGemvMaxBatch) {
    const long long r0 = static_cast<long long>(first) + t0;
    const GemvPass pass{.w = p.matrices[e],
                        .x = p.x + r0 * p.cols,
                        .x_stride = p.cols,
                        .y = p.y + r0 * p.rows,
                        .y_stride = p.rows,
                        .batch = min(kGemvMaxBatch, count - t0)};
    gemv_pass_row<T, kVector>(pass, row, lane);
  }
}

template <WeightType T>
void launch_grouped(const GroupedGemvParams& p, dim3 grid, cudaStream_t stream) {
  if (p.vector) {
    grouped_gemv_kernel<T, true><<<grid, kGemvWarps * kWarp, 0, stream>>>(p);
  } else {
    grouped_gemv_kernel<T, false><<<grid, kGemvWarps * kWarp, 0, stream>>>(p);
  }
  check_launch("moe grouped_gemv_kernel");
}

}  // namespace

void moe_route(const RouteParams& p, cudaStream_t stream) {
  const std::string shape = "n " + std::to_string(p.n) + ", experts " + std::to_string(p.experts) +
                            ", k " + std::to_string(p.k) + ", n_group " +
                            std::to_string(p.n_group) + ", topk_group " +
                            std::to_string(p.topk_group);
  if (p.n < 0 || p.experts <= 0 || p.experts > kMaxExperts || p.k <= 0 || p.k > p.experts) {
    bad_params("moe_route",
               shape + " (experts in 1.." + std::to_string(kMaxExperts) + ", k in 1..experts)");
  }
  const bool grouped = p.method != TopkMethod::greedy && p.n_group > 1;
  if (p.n_group <= 0 ||
      (grouped && (p.experts % p.n_group != 0 || p.topk_group <= 0 || p.topk_group > p.n_group))) {
    bad_params("moe_route", shape + " (groups must divide the experts, topk_group in 1..n_group)");
  }
  if (!p.logits || !p.ids || !p.weights) bad_params("moe_route", "null pointer");
  if (p.method == TopkMethod::noaux_tc && !p.bias) {
    bad_params("moe_route", "noaux_tc needs the correction bias, got a null pointer");
  }
  if (p.n == 0) return;
  route_kernel<<<blocks_for(p.n, kRouteThreads), kRouteThreads, 0, stream>>>(p);
  check_launch("moe route_kernel");
}

void gather_rows(const float* x, const std::int32_t* rows, int m, int dim, float* out,
                 cudaStream_t stream) {
  if (m < 0 || dim <= 0) {
    bad_params("gather_rows", "m " + std::to_string(m) + ", dim " + std::to_string(dim));
  }
  if (!x || !rows || !out) bad_params("gather_rows", "null pointer");
  if (m == 0) return;
  gather_rows_kernel<<<blocks_for(static_cast<long long>(m) * dim, kThreads), kThreads, 0,
                       stream>>>(x, rows, m, dim, out);
  check_launch("gather_rows_kernel");
}

void moe_unpermute(const UnpermuteParams& p, cudaStream_t stream) {
  if (p.n < 0 || p.k <= 0 || p.dim <= 0) {
    bad_params("moe_unpermute", "n " + std::to_string(p.n) + ", k " + std::to_string(p.k) +
                                    ", dim " + std::to_string(p.dim));
  }
  if (!p.y || !p.slot_row || !p.weights || !p.out) bad_params("moe_unpermute", "null pointer");
  if (p.n == 0) return;
  unpermute_kernel<<<blocks_for(static_cast<long long>(p.n) * p.dim, kThreads), kThreads, 0,
                     stream>>>(p);
  check_launch("moe unpermute_kernel");
}

void moe_align(const AlignParams& p, cudaStream_t stream) {
  const long long slots = static_cast<long long>(p.n) * p.k;
  if (p.n < 0 || p.k <= 0 || p.experts <= 0 || p.experts > kMaxExperts || p.k > p.experts ||
      slots > kAlignMaxSlots) {
    bad_params("moe_align", "n " + std::to_string(p.n) + ", k " + std::to_string(p.k) +
                                ", experts " + std::to_string(p.experts) + " (experts in 1.." +
                                std::to_string(kMaxExperts) + ", k in 1..experts, n * k at most " +
                                std::to_string(kAlignMaxSlots) + ")");
  }
  if (!p.ids || !p.offsets || !p.active || !p.perm || !p.slot_row) {
    bad_params("moe_align", "null pointer");
  }
  if (p.n == 0) return;
  align_kernel<<<1, kAlignThreads, 0, stream>>>(p);
  check_launch("moe align_kernel");
}

bool grouped_gemv_uses_vector_loads(const WeightView& w) {
  // Rows of x start every cols floats from an aligned base; gemv's rule then depends on W alone.
  alignas(16) static const float aligned_x[4] = {};
  GemvParams g;
  g.w = w;
  g.x = aligned_x;
  return gemv_uses_vector_loads(g);
}

void grouped_gemv(const GroupedGemvParams& p, cudaStream_t stream) {
  if (p.rows < 0 || p.cols <= 0 || p.slots < 0 || p.experts <= 0 || p.experts > kMaxExperts) {
    bad_params("grouped_gemv",
               "rows " + std::to_string(p.rows) + ", cols " + std::to_string(p.cols) + ", slots " +
                   std::to_string(p.slots) + ", experts " + std::to_string(p.experts) +
                   " (cols positive, experts in 1.." + std::to_string(kMaxExperts) + ")");
  }
  if (!p.matrices || !p.x || !p.y || !p.offsets || !p.active) {
    bad_params("grouped_gemv", "null pointer");
  }
  if (p.vector && reinterpret_cast<std::uintptr_t>(p.x) % 16 != 0) {
    bad_params("grouped_gemv", "vector loads need x 16-byte aligned");
  }
  if (p.slots == 0 || p.rows == 0) return;
  const dim3 grid((p.rows + kGemvWarps - 1) / kGemvWarps, std::min(p.slots, p.experts));
  switch (p.type) {
    case WeightType::f32:
      launch_grouped<WeightType::f32>(p, grid, stream);
      return;
    case WeightType::bf16:
      launch_grouped<WeightType::bf16>(p, grid, stream);
      return;
    case WeightType::f8_e4m3:
      launch_grouped<WeightType::f8_e4m3>(p, grid, stream);
      return;
  }
  bad_params("grouped_gemv", "unknown weight type " + std::to_string(static_cast<int>(p.type)));
}

}  // namespace rbench::moe::cuda
