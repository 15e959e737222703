// Multi-head latent attention in the absorbed formulation over a paged latent KV cache: the
// CUDA twin of Model::attention (engines/moe/model/model.cpp) between the projections.
//
// The cache is a pool of fixed-size blocks. A block holds block_size positions of every layer:
// for layer l and slot i, kv_lora_rank latent elements then qk_rope_head_dim rope-key elements,
// at element offset (l * block_size + i) * (rank + rope_dim) of the block, in bf16 (raw bits,
// for bf16 and fp8 checkpoints) or f32 (for f32 checkpoints). A sequence's block table lists its
// blocks in position order; position s is in block table[s / block_size], slot s % block_size.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace rbench::moe::cuda {

struct PagedCacheView {
  void* const* blocks = nullptr;  // device: base address of each block, by block id
  int block_size = 64;            // positions per block
  int layers = 1;                 // layers per block
  int layer = 0;                  // the layer this call reads or writes
  int rank = 0;                   // kv_lora_rank
  int rope_dim = 0;               // qk_rope_head_dim
  bool bf16 = true;               // element type: bf16 or f32
  // Per token of the call: the offset of its sequence's block table in `tables`.
  const std::int32_t* tables = nullptr;       // device: all block tables, concatenated
  const std::int32_t* token_table = nullptr;  // device, [n]
};

// For each token t at position positions[t]: the latent rms_norm(kva[t][0:rank]) * norm_weight
// (eps as given) and the rope key rotate(kva[t][rank:rank + rope_dim], position) written to the
// cache. Twin: the cache writes of Model::attention (rms_norm in f32 here, double on the CPU:
// a few ulp before the bf16 rounding; the rotation through Rope::cos_sin_table, within 1e-6).
// A position outside the table writes a NaN key (as cuda::rope); a negative one writes nothing.
struct CacheWriteParams {
  PagedCacheView cache;
  const float* kva = nullptr;  // [n][rank + rope_dim]
  const float* norm_weight = nullptr;
  float eps = 1e-6f;
  const std::int32_t* positions = nullptr;  // device, [n]
  const float* cos_sin = nullptr;           // Rope::cos_sin_table(table_positions)
  int table_positions = 0;
  int n = 0;
};
void mla_cache_write(const CacheWriteParams& p, cudaStream_t stream);

// q_latent[t][h][j] = sum_{i < nope} q[t][h][i] * w_kvb[h][i][j]: each head's no-rope query
// carried into the latent space by the key half of kv_b_proj (f32, [heads][nope + v_dim][rank]
// as AttentionWeights::kv_b_f32). Each output summed in i order by one thread: batch-invariant.
// Twin: Model::attention's q_latent loop; tolerance relative to sum |q w|.
struct AbsorbQueryParams {
  const float* q = nullptr;  // [n][heads][nope + rope_dim]
  const float* w_kvb = nullptr;
  float* q_latent = nullptr;  // [n][heads][rank]
  int n = 0;
  int heads = 0;
  int nope = 0;
  int rope_dim = 0;
  int v_dim = 0;
  int rank = 0;
};
void mla_absorb_query(const AbsorbQueryParams& p, cudaStream_t stream);

// o_latent[t][h] = softmax_s((q_latent[t][h] . latent_s + q_pe[t][h] . key_s) * scale) latent_s
// over the positions s <= positions[t] of t's sequence (causal; entries of earlier tokens of the
// same call are already written). The KV length is split into chunks of split_len positions,
// each reduced by one block to a partial (max, sum, weighted latent), and the partials combined
// in chunk order. split_len is a constant, not chosen from the batch, so a token's result does
// not depend on what else is in the call. Prefill and decode use this same kernel (see
// engines/moe/gpu/cuda_model.h for why). Twin: Model::attention; tolerance relative to
// max |latent| (softmax in f32 with expf here; the CPU sums in double).
// A token whose position is negative or not below max_length gets NaN (its splits would lie
// outside the workspace).
struct AttentionParams {
  PagedCacheView cache;
  const float* q_latent = nullptr;  // [n][heads][rank]
  const float* q = nullptr;         // [n][heads][nope + rope_dim]: q_pe at offset nope, rotated
  const std::int32_t* positions = nullptr;  // device, [n]
  float* o_latent = nullptr;                // [n][heads][rank]
  float* workspace = nullptr;  // attention_workspace_floats(n, heads, rank, max_position + 1)
  int n = 0;
  int heads = 0;
  int nope = 0;
  float scale = 1.0f;
  int max_length = 0;  // the longest causal length of the call (max position + 1)
};
inline constexpr int kAttentionSplitLen = 256;
std::size_t attention_workspace_floats(int n, int heads, int rank, int max_length);
void mla_attention(const AttentionParams& p, cudaStream_t stream);

// o[t][h][k] = sum_j w_kvb[h][nope + k][j] * o_latent[t][h][j]: the attended latent lifted out
// through the value half of kv_b_proj. Twin: Model::attention's last loop.
struct LiftValueParams {
  const float* o_latent = nullptr;  // [n][heads][rank]
  const float* w_kvb = nullptr;
  float* o = nullptr;  // [n][heads][v_dim]
  int n = 0;
  int heads = 0;
  int nope = 0;
  int v_dim = 0;
  int rank = 0;
};
void mla_lift_value(const LiftValueParams& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
