// MLA over the paged latent cache (see mla.h for what each launcher computes and its CPU twin).
// Every reduction has a fixed shape that depends only on the token's own length, never on n or
// on the other tokens of the call, so a token's result is the same bits in any batch.
#include "engines/moe/cuda/mla.h"

#include <cmath>
#include <cstddef>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device_math.cuh"

namespace rbench::moe::cuda {
namespace {

constexpr int kThreads = 256;  // every kernel here: 8 warps
constexpr int kWarps = kThreads / kWarp;
// The attention kernel keeps one split's scores, q_latent and q_pe in shared memory; past the
// default 48 KiB a launch would need an opt-in attribute, and DeepSeek-V3 needs 3.3 KiB.
constexpr std::size_t kMaxSharedBytes = 48 * 1024;
constexpr int kMaxGridY = 65535;

// Element offset of (layer, position) within its block, and the block's base address: the layout
// of mla.h. The caller has checked position >= 0.
__device__ std::size_t cache_offset(const PagedCacheView& c, int position) {
  const int slot = position % c.block_size;
  return (static_cast<std::size_t>(c.layer) * c.block_size + slot) *
         static_cast<std::size_t>(c.rank + c.rope_dim);
}

__device__ void* cache_block(const PagedCacheView& c, int token, int position) {
  const std::int32_t* table = c.tables + c.token_table[token];
  return c.blocks[table[position / c.block_size]];
}

template <bool kBf16>
__device__ void cache_store(void* block, std::size_t at, float v) {
  if constexpr (kBf16) {
    static_cast<std::uint16_t*>(block)[at] = f32_to_bf16(v);
  } else {
    static_cast<float*>(block)[at] = v;
  }
}

template <bool kBf16>
__device__ float cache_load(const void* block, std::size_t at) {
  if constexpr (kBf16) {
    return bf16_to_f32(static_cast<const std::uint16_t*>(block)[at]);
  } else {
    return static_cast<const float*>(block)[at];
  }
}

// One block per token: rms_norm of the latent as kernels.cu's rms_norm_kernel, then the rope key
// rotated as its rope_kernel.
template <bool kBf16>
__global__ void cache_write_kernel(CacheWriteParams p) {
  const int t = blockIdx.x;
  const PagedCacheView& c = p.cache;
  const int position = p.positions[t];
  if (position < 0) return;  // no address to write to; the attention of such a token is NaN
  const int width = c.rank + c.rope_dim;
  const float* x = p.kva + static_cast<std::size_t>(t) * width;
  void* block = cache_block(c, t, position);
  const std::size_t base = cache_offset(c, position);

  float ss = 0.0f;
  for (int i = threadIdx.x; i < c.rank; i += kThreads) ss += x[i] * x[i];
  ss = block_reduce<kThreads, false>(ss);
  const float inv = 1.0f / sqrtf(ss / c.rank + p.eps);
  for (int i = threadIdx.x; i < c.rank; i += kThreads) {
    cache_store<kBf16>(block, base + i, x[i] * inv * p.norm_weight[i]);
  }

  const int half = c.rope_dim / 2;
  const bool in_table = position < p.table_positions;
  for (int i = threadIdx.x; i < half; i += kThreads) {
    float r0 = NAN;
    float r1 = NAN;
    if (in_table) {
      const float2 cs =
          reinterpret_cast<const float2*>(p.cos_sin)[static_cast<std::size_t>(position) * half + i];
      const float a = x[c.rank + 2 * i];
      const float b = x[c.rank + 2 * i + 1];
      r0 = a * cs.x - b * cs.y;
      r1 = b * cs.x + a * cs.y;
    }
    cache_store<kBf16>(block, base + c.rank + 2 * i, r0);
    cache_store<kBf16>(block, base + c.rank + 2 * i + 1, r1);
  }
}

// One thread per output (t, h, j), summing over i in order.
__global__ void absorb_query_kernel(AbsorbQueryParams p) {
  const long long out = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  const long long total = static_cast<long long>(p.n) * p.heads * p.rank;
  if (out >= total) return;
  const int j = static_cast<int>(out % p.rank);
  const long long th = out / p.rank;  // t * heads + h
  const int h = static_cast<int>(th % p.heads);
  const float* q = p.q + th * (p.nope + p.rope_dim);
  const float* w = p.w_kvb + static_cast<std::size_t>(h) * (p.nope + p.v_dim) * p.rank + j;
  float acc = 0.0f;
  for (int i = 0; i < p.nope; ++i) acc += q[i] * w[static_cast<std::size_t>(i) * p.rank];
  p.q_latent[out] = acc;
}

// Workspace of one (token, head, split): m, l, then o[rank].
__device__ float* partial_at(const AttentionParams& p, int max_splits, int rank, long long th,
                             int split) {
  return p.workspace + (th * max_splits + split) * static_cast<long long>(rank + 2);
}

// Block (t * heads + h, split): scores of the split's positions (one warp per position, lanes
// striding over the elements), their max, exp and sum, and the exp-weighted latent sum (one
// thread per latent element, positions in order).
template <bool kBf16>
__global__ void attention_split_kernel(AttentionParams p, int max_splits) {
  extern __shared__ float shared[];
  const PagedCacheView& c = p.cache;
  const int rank = c.rank;
  const int rope_dim = c.rope_dim;
  float* q_latent = shared;
  float* q_pe = shared + rank;
  float* scores = q_pe + rope_dim;  // kAttentionSplitLen

  const long long th = blockIdx.x;
  const int t = static_cast<int>(th / p.heads);
  const int split = blockIdx.y;
  const int position = p.positions[t];
  const int length = position + 1;
  if (position < 0 || length > p.max_length) return;  // the combine writes NaN
  const int splits = (length + kAttentionSplitLen - 1) / kAttentionSplitLen;
  if (split >= splits) return;
  const int first = split * kAttentionSplitLen;
  const int count = min(kAttentionSplitLen, length - first);

  const float* ql = p.q_latent + th * rank;
  const float* qp = p.q + th * (p.nope + rope_dim) + p.nope;
  for (int j = threadIdx.x; j < rank; j += kThreads) q_latent[j] = ql[j];
  for (int j = threadIdx.x; j < rope_dim; j += kThreads) q_pe[j] = qp[j];
  __syncthreads();

  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  for (int i = warp; i < count; i += kWarps) {
    const int s = first + i;
    const void* block = cache_block(c, t, s);
    const std::size_t base = cache_offset(c, s);
    float latent_dot = 0.0f;
    for (int j = lane; j < rank; j += kWarp) {
      latent_dot += q_latent[j] * cache_load<kBf16>(block, base + j);
    }
    float rope_dot = 0.0f;
    for (int j = lane; j < rope_dim; j += kWarp) {
      rope_dot += q_pe[j] * cache_load<kBf16>(block, base + rank + j);
    }
    latent_dot = warp_sum(latent_dot);
    rope_dot = warp_sum(rope_dot);
    if (lane == 0) scores[i] = (latent_dot + rope_dot) * p.scale;
  }
  __syncthreads();

  float m = -INFINITY;
  for (int i = threadIdx.x; i < count; i += kThreads) m = fmaxf(m, scores[i]);
  m = block_reduce<kThreads, true>(m);
  float l = 0.0f;
  for (int i = threadIdx.x; i < count; i += kThreads) {
    const float e = expf(scores[i] - m);
    scores[i] = e;
    l += e;
  }
  l = block_reduce<kThreads, false>(l);  // its barrier also publishes the exps to every thread

  float* out = partial_at(p, max_splits, rank, th, split);
  if (threadIdx.x == 0) {
    out[0] = m;
    out[1] = l;
  }
  for (int j = threadIdx.x; j < rank; j += kThreads) {
    float acc = 0.0f;
    for (int i = 0; i < count; ++i) {
      const int s = first + i;
      acc += scores[i] * cache_load<kBf16>(cache_block(c, t, s), cache_offset(c, s) + j);
    }
    out[2 + j] = acc;
  }
}

// Block t * heads + h: the splits merged in split order; every thread computes the same M and
// denominator sequentially, then its latent elements.
__global__ void attention_combine_kernel(AttentionParams p, int max_splits) {
  const int rank = p.cache.rank;
  const long long th = blockIdx.x;
  const int t = static_cast<int>(th / p.heads);
  const int position = p.positions[t];
  float* o = p.o_latent + th * rank;
  if (position < 0 || position + 1 > p.max_length) {
    for (int j = threadIdx.x; j < rank; j += kThreads) o[j] = NAN;
    return;
  }
  const int splits = (position + 1 + kAttentionSplitLen - 1) / kAttentionSplitLen;
  float big_m = -INFINITY;
  for (int i = 0; i < splits; ++i) big_m = fmaxf(big_m, partial_at(p, max_splits, rank, th, i)[0]);
  float denominator = 0.0f;
  for (int i = 0; i < splits; ++i) {
    const float* part = partial_at(p, max_splits, rank, th, i);
    denominator += expf(part[0] - big_m) * part[1];
  }
  for (int j = threadIdx.x; j < rank; j += kThreads) {
    float acc = 0.0f;
    for (int i = 0; i < splits; ++i) {
      const float* part = partial_at(p, max_splits, rank, th, i);
      acc += expf(part[0] - big_m) * part[2 + j];
    }
    o[j] = acc / denominator;
  }
}

// One warp per output (t, h, k): a dot product of rank elements.
__global__ void lift_value_kernel(LiftValueParams p) {
  const long long out = static_cast<long long>(blockIdx.x) * kWarps + threadIdx.x / kWarp;
  const long long total = static_cast<long long>(p.n) * p.heads * p.v_dim;
  if (out >= total) return;  // whole warps leave together: out is the same across a warp
  const int lane = threadIdx.x % kWarp;
  const int k = static_cast<int>(out % p.v_dim);
  const long long th = out / p.v_dim;
  const int h = static_cast<int>(th % p.heads);
  const float* w = p.w_kvb + (static_cast<std::size_t>(h) * (p.nope + p.v_dim) + p.nope + k) *
                                 static_cast<std::size_t>(p.rank);
  const float* x = p.o_latent + th * p.rank;
  float acc = 0.0f;
  for (int j = lane; j < p.rank; j += kWarp) acc += w[j] * x[j];
  acc = warp_sum(acc);
  if (lane == 0) p.o[out] = acc;
}

void check_cache_view(const char* kernel, const PagedCacheView& c) {
  if (c.block_size <= 0 || c.layers <= 0 || c.layer < 0 || c.layer >= c.layers || c.rank <= 0 ||
      c.rope_dim < 0 || c.rope_dim % 2 != 0) {
    bad_params(kernel, "cache view: block_size " + std::to_string(c.block_size) + ", layer " +
                           std::to_string(c.layer) + " of " + std::to_string(c.layers) + ", rank " +
                           std::to_string(c.rank) + ", rope_dim " + std::to_string(c.rope_dim) +
                           " (positive sizes, a layer within the block, an even rope_dim)");
  }
  if (!c.blocks || !c.tables || !c.token_table) bad_params(kernel, "null pointer in cache view");
}

std::string sizes(std::initializer_list<std::pair<const char*, long long>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += ", ";
    out += std::string(name) + " " + std::to_string(value);
  }
  return out;
}

}  // namespace

void mla_cache_write(const CacheWriteParams& p, cudaStream_t stream) {
  check_cache_view("mla_cache_write", p.cache);
  if (p.n < 0 || p.table_positions <= 0) {
    bad_params("mla_cache_write", sizes({{"n", p.n}, {"table_positions", p.table_positions}}) +
                                      " (n >= 0, table_positions > 0)");
  }
  if (!p.kva || !p.norm_weight || !p.positions || (p.cache.rope_dim > 0 && !p.cos_sin)) {
    bad_params("mla_cache_write", "null pointer");
  }
  if (p.n == 0) return;
  if (p.cache.bf16) {
    cache_write_kernel<true><<<p.n, kThreads, 0, stream>>>(p);
  } else {
    cache_write_kernel<false><<<p.n, kThreads, 0, stream>>>(p);
  }
  check_launch("mla cache_write_kernel");
}

void mla_absorb_query(const AbsorbQueryParams& p, cudaStream_t stream) {
  if (p.n < 0 || p.heads <= 0 || p.nope < 0 || p.rope_dim < 0 || p.v_dim < 0 || p.rank <= 0) {
    bad_params("mla_absorb_query", sizes({{"n", p.n},
                                          {"heads", p.heads},
                                          {"nope", p.nope},
                                          {"rope_dim", p.rope_dim},
                                          {"v_dim", p.v_dim},
                                          {"rank", p.rank}}));
  }
  if (!p.q || !p.w_kvb || !p.q_latent) bad_params("mla_absorb_query", "null pointer");
  if (p.n == 0) return;
  const long long total = static_cast<long long>(p.n) * p.heads * p.rank;
  absorb_query_kernel<<<blocks_for(total, kThreads), kThreads, 0, stream>>>(p);
  check_launch("mla absorb_query_kernel");
}

std::size_t attention_workspace_floats(int n, int heads, int rank, int max_length) {
  if (n < 0 || heads < 0 || rank < 0 || max_length < 0) return 0;
  const std::size_t splits =
      (static_cast<std::size_t>(max_length) + kAttentionSplitLen - 1) / kAttentionSplitLen;
  return static_cast<std::size_t>(n) * heads * splits * (static_cast<std::size_t>(rank) + 2);
}

void mla_attention(const AttentionParams& p, cudaStream_t stream) {
  check_cache_view("mla_attention", p.cache);
  if (p.n < 0 || p.heads <= 0 || p.nope < 0 || p.max_length <= 0) {
    bad_params(
        "mla_attention",
        sizes({{"n", p.n}, {"heads", p.heads}, {"nope", p.nope}, {"max_length", p.max_length}}) +
            " (heads and max_length positive)");
  }
  if (!p.q_latent || !p.q || !p.positions || !p.o_latent || !p.workspace) {
    bad_params("mla_attention", "null pointer");
  }
  const std::size_t shared =
      (static_cast<std::size_t>(p.cache.rank) + p.cache.rope_dim + kAttentionSplitLen) *
      sizeof(float);
  if (shared > kMaxSharedBytes) {
    bad_params("mla_attention", sizes({{"rank", p.cache.rank}, {"rope_dim", p.cache.rope_dim}}) +
                                    ": needs " + std::to_string(shared) +
                                    " bytes of shared memory, more than " +
                                    std::to_string(kMaxSharedBytes));
  }
  const int max_splits = (p.max_length + kAttentionSplitLen - 1) / kAttentionSplitLen;
  if (max_splits > kMaxGridY) {
    bad_params("mla_attention", "max_length " + std::to_string(p.max_length) + " needs " +
                                    std::to_string(max_splits) + " splits, more than " +
                                    std::to_string(kMaxGridY));
  }
  const long long rows = static_cast<long long>(p.n) * p.heads;
  if (rows > 0x7fffffffLL) bad_params("mla_attention", "n * heads over 2^31 - 1");
  if (p.n == 0) return;
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(max_splits));
  if (p.cache.bf16) {
    attention_split_kernel<true><<<grid, kThreads, shared, stream>>>(p, max_splits);
  } else {
    attention_split_kernel<false><<<grid, kThreads, shared, stream>>>(p, max_splits);
  }
  check_launch("mla attention_split_kernel");
  attention_combine_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(p, max_splits);
  check_launch("mla attention_combine_kernel");
}

void mla_lift_value(const LiftValueParams& p, cudaStream_t stream) {
  if (p.n < 0 || p.heads <= 0 || p.nope < 0 || p.v_dim <= 0 || p.rank <= 0) {
    bad_params("mla_lift_value", sizes({{"n", p.n},
                                        {"heads", p.heads},
                                        {"nope", p.nope},
                                        {"v_dim", p.v_dim},
                                        {"rank", p.rank}}));
  }
  if (!p.o_latent || !p.w_kvb || !p.o) bad_params("mla_lift_value", "null pointer");
  if (p.n == 0) return;
  const long long total = static_cast<long long>(p.n) * p.heads * p.v_dim;
  lift_value_kernel<<<blocks_for(total, kWarps), kThreads, 0, stream>>>(p);
  check_launch("mla lift_value_kernel");
}

}  // namespace rbench::moe::cuda
