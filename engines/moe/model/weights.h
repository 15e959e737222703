// The model's tensors by Hugging Face name, loaded from a Checkpoint into the layout the forward
// pass uses. Every tensor the config implies must be present with the right shape; a missing or
// misshapen one is a DataError naming it. bf16 and fp8 weights stay in their dtype (fp8 with its
// block scales) and are dequantised on the fly; f16 is widened to f32 on load.
//
// The multi-token-prediction module (DeepSeek-V3's MTP, num_nextn_predict_layers) is optional:
// a checkpoint whose config announces one but holds none of its tensors (converted or random
// checkpoints are often stripped of it) loads without it; one that holds some of its tensors
// must hold all of them.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/checkpoint/safetensors.h"
#include "engines/moe/cpu/cpu_kernels.h"

namespace rbench::moe {

struct AttentionWeights {
  std::optional<WeightMatrix> q_proj;    // when q_lora_rank is null
  std::optional<WeightMatrix> q_a_proj;  // when q_lora_rank is set
  std::vector<float> q_a_layernorm;
  std::optional<WeightMatrix> q_b_proj;
  WeightMatrix kv_a_proj_with_mqa;  // [kv_lora_rank + qk_rope_head_dim, hidden]
  std::vector<float> kv_a_layernorm;
  WeightMatrix kv_b_proj;  // [heads * (qk_nope_head_dim + v_head_dim), kv_lora_rank]
  // kv_b_proj in f32 for the absorbed formulation: its key half multiplies the query into the
  // latent space, its value half lifts the attended latent back out.
  std::vector<float> kv_b_f32;
  WeightMatrix o_proj;  // [hidden, heads * v_head_dim]
};

struct MlpWeights {
  WeightMatrix gate_proj;
  WeightMatrix up_proj;
  WeightMatrix down_proj;
  std::size_t bytes() const { return gate_proj.bytes() + up_proj.bytes() + down_proj.bytes(); }
};

struct MoeWeights {
  WeightMatrix gate;                           // router [n_routed_experts, hidden]
  std::vector<float> e_score_correction_bias;  // noaux_tc only
  std::vector<MlpWeights> experts;
  std::optional<MlpWeights> shared;
};

struct LayerWeights {
  std::vector<float> input_layernorm;
  std::vector<float> post_attention_layernorm;
  AttentionWeights attn;
  std::optional<MlpWeights> mlp;  // dense layers
  std::optional<MoeWeights> moe;  // MoE layers
};

// MTP module k at model.layers.{num_hidden_layers + k}: from the main model's final-normed
// hidden state h_i and the next token t_{i+1}, x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)])
// goes through one decoder layer, and shared_head predicts t_{i+2}.
struct MtpWeights {
  std::vector<float> enorm;      // [hidden], on the next token's embedding
  std::vector<float> hnorm;      // [hidden], on the main model's hidden state
  WeightMatrix eh_proj;          // [hidden, 2 * hidden]: input columns [embedding | hidden state]
  LayerWeights layer;            // MLA plus MoE or dense MLP, by the config's rule for its index
  std::vector<float> head_norm;  // shared_head.norm
  // The module's own copies (DeepSeek-V3's release stores them); absent when the checkpoint
  // omits them or they are byte-identical to the main model's, which are then used.
  std::optional<WeightMatrix> embed_tokens;  // embed_tokens
  std::optional<WeightMatrix> head;          // shared_head.head
};

struct ModelWeights {
  WeightMatrix embed_tokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> norm;
  WeightMatrix lm_head;           // [vocab, hidden]; a copy of embed_tokens when tied
  std::optional<MtpWeights> mtp;  // MTP module 0, when loaded

  const WeightMatrix& mtp_embed_tokens() const {
    return mtp && mtp->embed_tokens ? *mtp->embed_tokens : embed_tokens;
  }
  const WeightMatrix& mtp_head() const { return mtp && mtp->head ? *mtp->head : lm_head; }

  // Bytes held, by dtype name ("BF16", "F8_E4M3", "F32"); fp8 block scales count as F32. The
  // MTP module, when loaded, is included; mtp_bytes_by_dtype() is its share.
  std::map<std::string, std::size_t> bytes_by_dtype() const;
  std::map<std::string, std::size_t> mtp_bytes_by_dtype() const;
  std::size_t bytes() const;
};

// The bytes of a layer's weights one forward pass over it reads (ForwardStats::bytes_read, on
// every device), routed experts left out: they count once per expert chosen. kv_b is read in f32
// by the absorbed attention (kv_b_f32), counted from kv_b_proj's shape so that shape-only weights
// (a dummy model whose values live on a device) count the same.
std::size_t layer_read_bytes(const LayerWeights& lw);

struct WeightLoadOptions {
  // Load MTP module 0 when the checkpoint has one (further modules are never loaded: the
  // engine drafts one token ahead). Off, its tensors are left on disk.
  bool mtp = true;
};

ModelWeights load_weights(const Checkpoint& checkpoint, const ModelConfig& config,
                          WeightLoadOptions options = {});

}  // namespace rbench::moe
