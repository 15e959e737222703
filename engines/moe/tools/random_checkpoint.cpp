#include "engines/moe/tools/random_checkpoint.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>

#include "engines/moe/checkpoint/safetensors.h"
#include "harness/core/error.h"

namespace rbench::moe {
std::vector<std::string> tiny_variants() {
  return {"v3", "v2-lite", "v2", "dense"};
}

ModelConfig tiny_config(std::string_view variant, int vocab_size) {
  ModelConfig c;
  c.architecture = "DeepseekV3ForCausalLM";
  c.model_type = "deepseek_v3";
  c.vocab_size = vocab_size;
  c.hidden_size = 64;
  c.intermediate_size = 128;
  c.moe_intermediate_size = 32;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 4;
  c.max_position_embeddings = 2048;
  c.n_routed_experts = 8;
  c.n_shared_experts = 1;
  c.num_experts_per_tok = 2;
  c.n_group = 4;
  c.topk_group = 2;
  c.first_k_dense_replace = 1;
  c.moe_layer_freq = 1;
  c.topk_method = TopkMethod::noaux_tc;
  c.scoring_func = ScoringFunc::sigmoid;
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 2.5;
  c.q_lora_rank = 48;
  c.kv_lora_rank = 32;
  c.qk_nope_head_dim = 16;
  c.qk_rope_head_dim = 8;
  c.v_head_dim = 16;
  c.rope_theta = 10000.0;
  c.rope_scaling = YarnScaling{.factor = 4.0,
                               .original_max_position_embeddings = 512,
                               .beta_fast = 32.0,
                               .beta_slow = 1.0,
                               .mscale = 1.0,
                               .mscale_all_dim = 1.0};
  c.rms_norm_eps = 1e-6;
  if (variant == "v3") return c;
  c.architecture = "DeepseekV2ForCausalLM";
  c.model_type = "deepseek_v2";
  if (variant == "v2-lite") {
    c.q_lora_rank.reset();
    c.n_shared_experts = 2;
    c.n_group = 1;
    c.topk_group = 1;
    c.topk_method = TopkMethod::greedy;
    c.scoring_func = ScoringFunc::softmax;
    c.norm_topk_prob = false;
    c.routed_scaling_factor = 1.0;
    c.rope_scaling->mscale = 0.707;
    c.rope_scaling->mscale_all_dim = 0.707;
    return c;
  }
  if (variant == "v2") {
    c.topk_method = TopkMethod::group_limited_greedy;
    c.scoring_func = ScoringFunc::softmax;
    c.norm_topk_prob = false;
    c.routed_scaling_factor = 16.0;
    c.rope_scaling.reset();
    return c;
  }
  if (variant == "dense") {
    c.architecture = "DeepseekV3ForCausalLM";
    c.model_type = "deepseek_v3";
    c.n_routed_experts = 0;
    c.n_shared_experts = 0;
    c.num_experts_per_tok = 0;
    c.n_group = 1;
    c.topk_group = 1;
    c.topk_method = TopkMethod::greedy;
    c.first_k_dense_replace = 0;
    c.rope_scaling.reset();
    return c;
  }
  throw UsageError(
      fmt::format("unknown tiny variant '{}' (one of: v3, v2-lite, v2, dense)", variant));
}

namespace {

void push_vector(std::vector<TensorToWrite>& out, std::string name, const std::vector<float>& v,
                 DType dtype) {
  TensorToWrite t{std::move(name), dtype, {static_cast<std::int64_t>(v.size())}, {}};
  if (dtype == DType::f32) {
    t.data.resize(v.size() * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
  } else {
    t.data.resize(v.size() * 2);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint16_t b = f32_to_bf16(v[i]);
      std::memcpy(t.data.data() + 2 * i, &b, 2);
    }
  }
  out.push_back(std::move(t));
}

void push_matrix(std::vector<TensorToWrite>& out, const std::string& name, const WeightMatrix& w) {
  TensorToWrite t{name, w.dtype, {w.rows, w.cols}, {}};
  const std::size_t n = static_cast<std::size_t>(w.rows) * w.cols;
  switch (w.dtype) {
    case DType::f32:
      t.data.resize(n * 4);
      std::memcpy(t.data.data(), w.f32.data(), t.data.size());
      break;
    case DType::bf16:
      t.data.resize(n * 2);
      std::memcpy(t.data.data(), w.bf16.data(), t.data.size());
      break;
    default: {
      t.data.resize(n);
      std::memcpy(t.data.data(), w.f8.data(), n);
      const std::int64_t sr = (w.rows + w.block_rows - 1) / w.block_rows;
      const std::int64_t sc = (w.cols + w.block_cols - 1) / w.block_cols;
      TensorToWrite s{name + "_scale_inv", DType::f32, {sr, sc}, {}};
      s.data.resize(w.scales.size() * 4);
      std::memcpy(s.data.data(), w.scales.data(), s.data.size());
      out.push_back(std::move(t));
      out.push_back(std::move(s));
      return;
    }
  }
  out.push_back(std::move(t));
}

void push_mlp(std::vector<TensorToWrite>& out, const std::string& prefix, const MlpWeights& m) {
  push_matrix(out, prefix + ".gate_proj.weight", m.gate_proj);
  push_matrix(out, prefix + ".up_proj.weight", m.up_proj);
  push_matrix(out, prefix + ".down_proj.weight", m.down_proj);
}

void push_layer(std::vector<TensorToWrite>& t, const std::string& p, const LayerWeights& lw,
                DType norm_dtype) {
  push_vector(t, p + "input_layernorm.weight", lw.input_layernorm, norm_dtype);
  push_vector(t, p + "post_attention_layernorm.weight", lw.post_attention_layernorm, norm_dtype);
  const AttentionWeights& a = lw.attn;
  if (a.q_proj) push_matrix(t, p + "self_attn.q_proj.weight", *a.q_proj);
  if (a.q_a_proj) {
    push_matrix(t, p + "self_attn.q_a_proj.weight", *a.q_a_proj);
    push_vector(t, p + "self_attn.q_a_layernorm.weight", a.q_a_layernorm, norm_dtype);
    push_matrix(t, p + "self_attn.q_b_proj.weight", *a.q_b_proj);
  }
  push_matrix(t, p + "self_attn.kv_a_proj_with_mqa.weight", a.kv_a_proj_with_mqa);
  push_vector(t, p + "self_attn.kv_a_layernorm.weight", a.kv_a_layernorm, norm_dtype);
  push_matrix(t, p + "self_attn.kv_b_proj.weight", a.kv_b_proj);
  push_matrix(t, p + "self_attn.o_proj.weight", a.o_proj);
  if (lw.moe) {
    push_matrix(t, p + "mlp.gate.weight", lw.moe->gate);
    if (!lw.moe->e_score_correction_bias.empty()) {
      // The bias is f32 in DeepSeek-V3's release.
      push_vector(t, p + "mlp.gate.e_score_correction_bias", lw.moe->e_score_correction_bias,
                  DType::f32);
    }
    for (std::size_t e = 0; e < lw.moe->experts.size(); ++e) {
      push_mlp(t, fmt::format("{}mlp.experts.{}", p, e), lw.moe->experts[e]);
    }
    if (lw.moe->shared) push_mlp(t, p + "mlp.shared_experts", *lw.moe->shared);
  } else {
    push_mlp(t, p + "mlp", *lw.mlp);
  }
}

}  // namespace

void write_random_checkpoint(const std::filesystem::path& dir, ModelConfig c,
                             RandomWeightsOptions options) {
  if (options.dtype != DType::f32 && options.dtype != DType::bf16 &&
      options.dtype != DType::f8_e4m3) {
    throw UsageError("random checkpoints are f32, bf16 or f8_e4m3");
  }
  if (options.dtype == DType::f8_e4m3 && !c.quantization) c.quantization = Fp8Quantization{};
  if (options.dtype != DType::f8_e4m3) c.quantization.reset();
  const ModelWeights w = random_weights(c, options);
  // Norms stay f32 in f32 checkpoints and bf16 otherwise, as in published releases.
  const DType norm_dtype = options.dtype == DType::f32 ? DType::f32 : DType::bf16;
  std::vector<TensorToWrite> t;
  push_matrix(t, "model.embed_tokens.weight", w.embed_tokens);
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    push_layer(t, fmt::format("model.layers.{}.", l), w.layers[l], norm_dtype);
  }
  push_vector(t, "model.norm.weight", w.norm, norm_dtype);
  push_matrix(t, "lm_head.weight", w.lm_head);
  if (w.mtp) {
    const std::string p = fmt::format("model.layers.{}.", c.num_hidden_layers);
    push_vector(t, p + "enorm.weight", w.mtp->enorm, norm_dtype);
    push_vector(t, p + "hnorm.weight", w.mtp->hnorm, norm_dtype);
    push_matrix(t, p + "eh_proj.weight", w.mtp->eh_proj);
    push_layer(t, p, w.mtp->layer, norm_dtype);
    push_vector(t, p + "shared_head.norm.weight", w.mtp->head_norm, norm_dtype);
  }

  std::filesystem::create_directories(dir);
  write_safetensors(dir / "model.safetensors", t, {{"format", "pt"}, {"producer", "rbench"}});
  std::ofstream(dir / "config.json") << to_json(c);
}

}  // namespace rbench::moe
