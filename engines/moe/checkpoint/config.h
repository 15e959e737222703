// The model's shape: a Hugging Face config.json of the DeepSeek-V2/V3 family
// (DeepseekV2ForCausalLM, DeepseekV3ForCausalLM) read as published. Unknown values (a topk_method
// or scoring_func we do not implement) and inconsistent ones (topk_group > n_group, experts not
// divisible into groups, a rope dim that is odd) are refused with a DataError naming the file
// and key.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace rbench::moe {

enum class TopkMethod { greedy, group_limited_greedy, noaux_tc };
enum class ScoringFunc { softmax, sigmoid };

std::string_view to_string(TopkMethod m);
std::string_view to_string(ScoringFunc f);

// rope_scaling of type "yarn" (DeepSeek's only kind). Defaults are those of the reference code.
struct YarnScaling {
  double factor = 1.0;
  int original_max_position_embeddings = 4096;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  double mscale = 1.0;
  double mscale_all_dim = 0.0;
  bool operator==(const YarnScaling&) const = default;
};

// quantization_config of DeepSeek-V3: fp8 e4m3 weights with one f32 scale (weight_scale_inv)
// per weight_block_size block.
struct Fp8Quantization {
  std::string fmt = "e4m3";
  std::string activation_scheme = "dynamic";
  int block_rows = 128;  // weight_block_size[0], over output features
  int block_cols = 128;  // weight_block_size[1], over input features
  bool operator==(const Fp8Quantization&) const = default;
};

struct ModelConfig {
  std::string architecture;  // "DeepseekV3ForCausalLM" | "DeepseekV2ForCausalLM"
  std::string model_type;    // "deepseek_v3" | "deepseek_v2"
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;      // dense MLP layers
  int moe_intermediate_size = 0;  // each routed expert; shared = this * n_shared_experts
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;  // informational: MLA has one latent for all heads
  int max_position_embeddings = 0;

  // Mixture of experts. n_routed_experts == 0 means a dense model.
  int n_routed_experts = 0;
  int n_shared_experts = 0;
  int num_experts_per_tok = 0;
  int n_group = 1;
  int topk_group = 1;
  int first_k_dense_replace = 0;
  int moe_layer_freq = 1;
  TopkMethod topk_method = TopkMethod::greedy;
  ScoringFunc scoring_func = ScoringFunc::softmax;
  bool norm_topk_prob = false;
  double routed_scaling_factor = 1.0;

  // Multi-head latent attention.
  std::optional<int> q_lora_rank;  // null in DeepSeek-V2-Lite: q_proj instead of q_a/q_b
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;

  double rope_theta = 10000.0;
  std::optional<YarnScaling> rope_scaling;
  double rms_norm_eps = 1e-6;
  int num_nextn_predict_layers = 0;  // multi-token-prediction modules after the main layers
  std::optional<Fp8Quantization> quantization;

  std::optional<int> bos_token_id;
  std::optional<int> eos_token_id;
  bool tie_word_embeddings = false;
  std::string hidden_act = "silu";

  int qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  // The reference code's rule: routed experts, past the first dense layers, every moe_layer_freq.
  bool is_moe_layer(int layer) const {
    return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0;
  }
  // DeepSeek-V2 scales routed weights by routed_scaling_factor only when it does not normalise
  // them; V3 always scales.
  bool is_v2() const { return model_type == "deepseek_v2"; }

  bool operator==(const ModelConfig&) const = default;
};

// `where` names the source in error messages (a path, or "<string>").
ModelConfig parse_config(std::string_view json, std::string_view where = "<string>");
ModelConfig load_config(const std::filesystem::path& path);
// A config.json that parse_config reads back to the same values (make-tiny, make-random).
std::string to_json(const ModelConfig& config);
// A config.json's text with its quantization_config set to `q` and every other key kept as it
// was, in its place (quantize). DataError naming `where` when the text is not a JSON object.
std::string with_quantization_config(std::string_view json, const Fp8Quantization& q,
                                     std::string_view where);

}  // namespace rbench::moe
