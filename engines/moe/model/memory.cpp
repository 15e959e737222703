#include "engines/moe/model/memory.h"

#include <sys/resource.h>

#include <algorithm>

namespace rbench::moe {
namespace {

struct LayerCounts {
  std::int64_t attention = 0;
  std::int64_t norms = 0;
  std::int64_t dense_mlp = 0;
  std::int64_t router = 0;
  std::int64_t expert = 0;  // one routed expert
  std::int64_t shared = 0;
};

LayerCounts layer_counts(const ModelConfig& c) {
  const std::int64_t h = c.hidden_size;
  const std::int64_t heads = c.num_attention_heads;
  LayerCounts n;
  if (c.q_lora_rank) {
    const std::int64_t r = *c.q_lora_rank;
    n.attention += h * r + r + r * heads * c.qk_head_dim();
  } else {
    n.attention += h * heads * c.qk_head_dim();
  }
  n.attention += h * (c.kv_lora_rank + c.qk_rope_head_dim) + c.kv_lora_rank;
  n.attention +=
      static_cast<std::int64_t>(c.kv_lora_rank) * heads * (c.qk_nope_head_dim + c.v_head_dim);
  n.attention += heads * c.v_head_dim * h;
  n.norms = 2 * h;
  n.dense_mlp = 3 * h * c.intermediate_size;
  n.router = static_cast<std::int64_t>(c.n_routed_experts) * h +
             (c.topk_method == TopkMethod::noaux_tc ? c.n_routed_experts : 0);
  n.expert = 3 * h * c.moe_intermediate_size;
  n.shared = 3 * h * static_cast<std::int64_t>(c.moe_intermediate_size) * c.n_shared_experts;
  return n;
}

}  // namespace

ParameterCounts count_parameters(const ModelConfig& c) {
  const LayerCounts n = layer_counts(c);
  const std::int64_t h = c.hidden_size;
  ParameterCounts p;
  p.embedding = static_cast<std::int64_t>(c.vocab_size) * h * (c.tie_word_embeddings ? 1 : 2);
  p.total = p.embedding + h;  // final norm
  // Active counts what a token computes with: the LM head, not the embedding table it only
  // looks one row up in (DeepSeek's published "activated" figures follow this).
  p.active_per_token = static_cast<std::int64_t>(c.vocab_size) * h + h;
  std::int64_t moe_layer_total = 0;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    std::int64_t common = n.attention + n.norms;
    if (c.is_moe_layer(l)) {
      common += n.router + n.shared;
      const std::int64_t routed = n.expert * c.n_routed_experts;
      p.routed_experts += routed;
      p.total += common + routed;
      p.active_per_token += common + n.expert * c.num_experts_per_tok;
      moe_layer_total = common + routed;
    } else {
      p.total += common + n.dense_mlp;
      p.active_per_token += common + n.dense_mlp;
    }
  }
  // An MTP module as DeepSeek-V3's checkpoint stores it (model.layers.61): one more MoE layer,
  // enorm and hnorm, eh_proj ([embedding; hidden] -> hidden), and its own copies of the
  // embedding table and of the LM head with its norm (shared_head).
  if (c.num_nextn_predict_layers > 0) {
    const std::int64_t layer =
        moe_layer_total > 0 ? moe_layer_total : n.attention + n.norms + n.dense_mlp;
    p.mtp = c.num_nextn_predict_layers *
            (layer + 2 * h + 2 * h * h + 2 * static_cast<std::int64_t>(c.vocab_size) * h + h);
  }
  return p;
}

KvCacheFigures kv_cache_figures(const ModelConfig& c, int bytes_per_element) {
  KvCacheFigures k;
  k.bytes_per_element = bytes_per_element;
  k.latent_per_token = static_cast<std::int64_t>(c.num_hidden_layers) *
                       (c.kv_lora_rank + c.qk_rope_head_dim) * bytes_per_element;
  k.mha_per_token = static_cast<std::int64_t>(c.num_hidden_layers) * c.num_attention_heads *
                    (c.qk_head_dim() + c.v_head_dim) * bytes_per_element;
  return k;
}

WeightBytes weight_bytes(const ModelConfig& c) {
  const ParameterCounts p = count_parameters(c);
  const LayerCounts n = layer_counts(c);
  // Kept in bf16 under fp8: embeddings, LM head, norms and routers (and the noaux bias).
  std::int64_t high_precision = p.embedding + c.hidden_size;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    high_precision += n.norms + c.kv_lora_rank + (c.q_lora_rank ? *c.q_lora_rank : 0);
    if (c.is_moe_layer(l)) high_precision += n.router;
  }
  const std::int64_t quantised = p.total - high_precision;
  WeightBytes b;
  b.f32 = 4 * p.total;
  b.bf16 = 2 * p.total;
  // One f32 scale per block (128 x 128 unless the config says otherwise): 4 / 16384 bytes per
  // weight, counted on average.
  const std::int64_t block =
      c.quantization
          ? static_cast<std::int64_t>(c.quantization->block_rows) * c.quantization->block_cols
          : 128 * 128;
  b.fp8_kept_bf16_params = high_precision;
  b.fp8_scale_bytes = quantised * 4 / block;
  b.fp8 = 2 * high_precision + quantised + b.fp8_scale_bytes;
  return b;
}

std::int64_t forward_workspace_bytes(const ModelConfig& c, std::int64_t n, std::int64_t seqs) {
  const std::int64_t h = c.hidden_size;
  const std::int64_t heads = c.num_attention_heads;
  const std::int64_t residual = 3 * n * h;  // h, x, out
  const std::int64_t q = n * heads * c.qk_head_dim();
  const std::int64_t attention =
      q +
      std::max<std::int64_t>(n * c.q_lora_rank.value_or(0),
                             n * (c.kv_lora_rank + c.qk_rope_head_dim) + n * heads * c.v_head_dim);
  std::int64_t mlp = 0;
  const bool any_dense =
      c.n_routed_experts == 0 || c.first_k_dense_replace > 0 || c.moe_layer_freq > 1;
  if (any_dense) mlp = 2 * n * c.intermediate_size;
  if (c.n_routed_experts > 0) {
    const std::int64_t k = c.num_experts_per_tok;
    const std::int64_t mi = c.moe_intermediate_size;
    const std::int64_t experts_scratch = n * k * (2 * h + 2 * mi);
    const std::int64_t shared = 2 * n * mi * c.n_shared_experts;
    mlp = std::max(mlp, n * c.n_routed_experts + n * k * h + std::max(experts_scratch, shared));
  }
  const std::int64_t lm_head = seqs * (h + 2 * static_cast<std::int64_t>(c.vocab_size));
  return 4 * (residual + std::max({attention, mlp, lm_head}));
}

std::int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace rbench::moe
