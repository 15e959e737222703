// Memory figures of the MLA + MoE architecture: parameters (total, and active per token, which
// is what MoE saves in compute), weight bytes by dtype, and the KV cache per token for MLA's
// latent cache against the equivalent multi-head cache (what MLA saves in memory). Analytic from
// the config alone, so published configs (DeepSeek-V3's) can be checked without their weights.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engines/moe/checkpoint/config.h"

namespace rbench::moe {

struct ParameterCounts {
  std::int64_t total = 0;             // main model: embeddings, layers, final norm, LM head
  std::int64_t active_per_token = 0;  // only shared + top-k routed experts, LM head but not the
                                      // embedding table (a lookup)
  std::int64_t embedding = 0;         // embed_tokens + lm_head
  std::int64_t routed_experts = 0;    // all routed expert weights
  std::int64_t mtp = 0;               // multi-token-prediction modules as stored (not in total)
};

ParameterCounts count_parameters(const ModelConfig& config);

struct KvCacheFigures {
  int bytes_per_element = 2;          // 2: bf16, as deployed
  std::int64_t latent_per_token = 0;  // layers x (kv_lora_rank + qk_rope_head_dim) x bytes
  std::int64_t mha_per_token = 0;     // layers x heads x (qk_head_dim + v_head_dim) x bytes
  double reduction() const {          // 1 - latent / mha
    return mha_per_token > 0 ? 1.0 - static_cast<double>(latent_per_token) / mha_per_token : 0;
  }
};

KvCacheFigures kv_cache_figures(const ModelConfig& config, int bytes_per_element = 2);

// Bytes of the main model's weights (MTP modules excluded) in each storage format, from the
// counts: f32 (4 bytes, for reference), bf16 (2 bytes), fp8 e4m3 as DeepSeek-V3 ships it (1 byte
// per quantised weight + one f32 scale per 128x128 block; embeddings, LM head, norms, routers and
// the noaux bias kept in bf16).
struct WeightBytes {
  std::int64_t f32 = 0;
  std::int64_t bf16 = 0;
  std::int64_t fp8 = 0;
  std::int64_t fp8_kept_bf16_params = 0;  // parameters that stay bf16 in the fp8 layout
  std::int64_t fp8_scale_bytes = 0;       // the f32 block scales, averaged per weight
};
WeightBytes weight_bytes(const ModelConfig& config);

// Bytes of the activations one Model::forward call holds at its peak for `tokens` tokens spread
// over `sequences` sequences, all f32, from the buffers model.cpp allocates: the residual stream
// and its two scratch copies, plus the larger of attention's (q and q_a, or q, kv_a and o) and
// the MLP's (dense: gate and up; MoE: router logits, per-slot outputs, every chosen expert's
// gathered input, output, gate and up, or the shared experts' gate and up), or at the end the LM
// head's normed rows and logits (and their copy) for each sequence's last token. Left out:
// per-thread attention scores (threads x context floats) and routing bookkeeping.
std::int64_t forward_workspace_bytes(const ModelConfig& config, std::int64_t tokens,
                                     std::int64_t sequences);

// Peak resident set size of this process (getrusage), in bytes.
std::int64_t peak_rss_bytes();

}  // namespace rbench::moe
