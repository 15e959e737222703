// Memory figures of the MLA + MoE architecture: parameters (total, and active per token, which
// is what MoE saves in compute), weight bytes by dtype, and the KV cache per token for MLA's
// latent cache against the equivalent multi-head cache (what MLA saves in memory). Analytic from
// the config alone, so published configs (DeepSeek-V3's) can be checked without their weights.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engines/moe/config.h"

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

// Bytes of the linear-layer weights in each storage format, from the counts: bf16 (2 bytes),
// fp8 e4m3 (1 byte + one f32 scale per 128x128 block, embeddings/norms/router kept in bf16).
struct WeightBytes {
  std::int64_t bf16 = 0;
  std::int64_t fp8 = 0;
};
WeightBytes weight_bytes(const ModelConfig& config);

// Peak resident set size of this process (getrusage), in bytes.
std::int64_t peak_rss_bytes();

}  // namespace rbench::moe
