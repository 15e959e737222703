// The model's tensors by Hugging Face name, loaded from a Checkpoint into the layout the forward
// pass uses. Every tensor the config implies must be present with the right shape; a missing or
// misshapen one is a DataError naming it. bf16 and fp8 weights stay in their dtype (fp8 with its
// block scales) and are dequantised on the fly; f16 is widened to f32 on load.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engines/moe/config.h"
#include "engines/moe/cpu_kernels.h"
#include "engines/moe/safetensors.h"

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

struct ModelWeights {
  WeightMatrix embed_tokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> norm;
  WeightMatrix lm_head;  // [vocab, hidden]; a copy of embed_tokens when tied

  // Bytes held, by dtype name ("BF16", "F8_E4M3", "F32"); fp8 block scales count as F32.
  std::map<std::string, std::size_t> bytes_by_dtype() const;
  std::size_t bytes() const;
};

ModelWeights load_weights(const Checkpoint& checkpoint, const ModelConfig& config);

}  // namespace rbench::moe
