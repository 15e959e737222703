#include "engines/moe/weights.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <cstring>
#include <functional>

#include "harness/error.h"

namespace rbench::moe {
namespace {

class Loader {
 public:
  Loader(const Checkpoint& checkpoint, const ModelConfig& config)
      : ckpt_(checkpoint), config_(config) {}

  WeightMatrix matrix(const std::string& name, int rows, int cols) const {
    const TensorInfo& info = ckpt_.info(name);
    if (info.shape != std::vector<std::int64_t>{rows, cols}) {
      throw DataError(fmt::format("{}: tensor '{}' has shape [{}], expected [{}, {}]",
                                  ckpt_.file_of(name).path().string(), name,
                                  fmt::join(info.shape, ", "), rows, cols));
    }
    WeightMatrix w;
    w.rows = rows;
    w.cols = cols;
    const auto bytes = ckpt_.bytes(name);
    switch (info.dtype) {
      case DType::bf16:
        w.dtype = DType::bf16;
        w.bf16.resize(static_cast<std::size_t>(rows) * cols);
        std::memcpy(w.bf16.data(), bytes.data(), bytes.size());
        break;
      case DType::f8_e4m3: {
        w.dtype = DType::f8_e4m3;
        if (config_.quantization) {
          w.block_rows = config_.quantization->block_rows;
          w.block_cols = config_.quantization->block_cols;
        }
        w.f8.resize(static_cast<std::size_t>(rows) * cols);
        std::memcpy(w.f8.data(), bytes.data(), bytes.size());
        const std::string scale_name = name + "_scale_inv";
        if (!ckpt_.has(scale_name)) {
          throw DataError(fmt::format("{}: fp8 tensor '{}' has no block scales '{}'",
                                      ckpt_.file_of(name).path().string(), name, scale_name));
        }
        const std::int64_t sr = (rows + w.block_rows - 1) / w.block_rows;
        const std::int64_t sc = (cols + w.block_cols - 1) / w.block_cols;
        const std::int64_t shape[] = {sr, sc};
        w.scales = ckpt_.to_f32(scale_name, shape).values;
        break;
      }
      default:  // f32, f16 (and f64) are held as f32
        w.dtype = DType::f32;
        w.f32 = ckpt_.to_f32(name).values;
        break;
    }
    return w;
  }

  std::vector<float> vector(const std::string& name, int n) const {
    const std::int64_t shape[] = {n};
    return ckpt_.to_f32(name, shape).values;
  }

  MlpWeights mlp(const std::string& prefix, int hidden, int inter) const {
    return {matrix(prefix + ".gate_proj.weight", inter, hidden),
            matrix(prefix + ".up_proj.weight", inter, hidden),
            matrix(prefix + ".down_proj.weight", hidden, inter)};
  }

  LayerWeights layer(int l) const {
    const ModelConfig& c = config_;
    const std::string p = fmt::format("model.layers.{}.", l);
    const int h = c.hidden_size;
    const int heads = c.num_attention_heads;
    LayerWeights lw;
    lw.input_layernorm = vector(p + "input_layernorm.weight", h);
    lw.post_attention_layernorm = vector(p + "post_attention_layernorm.weight", h);
    AttentionWeights& a = lw.attn;
    if (c.q_lora_rank) {
      a.q_a_proj = matrix(p + "self_attn.q_a_proj.weight", *c.q_lora_rank, h);
      a.q_a_layernorm = vector(p + "self_attn.q_a_layernorm.weight", *c.q_lora_rank);
      a.q_b_proj = matrix(p + "self_attn.q_b_proj.weight", heads * c.qk_head_dim(), *c.q_lora_rank);
    } else {
      a.q_proj = matrix(p + "self_attn.q_proj.weight", heads * c.qk_head_dim(), h);
    }
    a.kv_a_proj_with_mqa =
        matrix(p + "self_attn.kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, h);
    a.kv_a_layernorm = vector(p + "self_attn.kv_a_layernorm.weight", c.kv_lora_rank);
    a.kv_b_proj = matrix(p + "self_attn.kv_b_proj.weight",
                         heads * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank);
    a.kv_b_f32 = a.kv_b_proj.to_f32();
    a.o_proj = matrix(p + "self_attn.o_proj.weight", h, heads * c.v_head_dim);
    if (c.is_moe_layer(l)) {
      MoeWeights m;
      m.gate = matrix(p + "mlp.gate.weight", c.n_routed_experts, h);
      if (c.topk_method == TopkMethod::noaux_tc) {
        m.e_score_correction_bias =
            vector(p + "mlp.gate.e_score_correction_bias", c.n_routed_experts);
      }
      m.experts.resize(c.n_routed_experts);
      for (int e = 0; e < c.n_routed_experts; ++e) {
        m.experts[e] = mlp(fmt::format("{}mlp.experts.{}", p, e), h, c.moe_intermediate_size);
      }
      if (c.n_shared_experts > 0) {
        m.shared = mlp(p + "mlp.shared_experts", h, c.moe_intermediate_size * c.n_shared_experts);
      }
      lw.moe = std::move(m);
    } else {
      lw.mlp = mlp(p + "mlp", h, c.intermediate_size);
    }
    return lw;
  }

 private:
  const Checkpoint& ckpt_;
  const ModelConfig& config_;
};

void add(std::map<std::string, std::size_t>& by, const WeightMatrix& w) {
  by[std::string(to_string(w.dtype))] += w.f32.size() * 4 + w.bf16.size() * 2 + w.f8.size();
  if (!w.scales.empty()) by["F32"] += w.scales.size() * 4;
}

void add(std::map<std::string, std::size_t>& by, const std::vector<float>& v) {
  if (!v.empty()) by["F32"] += v.size() * 4;
}

void add(std::map<std::string, std::size_t>& by, const MlpWeights& m) {
  add(by, m.gate_proj);
  add(by, m.up_proj);
  add(by, m.down_proj);
}

}  // namespace

ModelWeights load_weights(const Checkpoint& checkpoint, const ModelConfig& config) {
  Loader loader(checkpoint, config);
  ModelWeights w;
  w.embed_tokens =
      loader.matrix("model.embed_tokens.weight", config.vocab_size, config.hidden_size);
  w.norm = loader.vector("model.norm.weight", config.hidden_size);
  if (config.tie_word_embeddings && !checkpoint.has("lm_head.weight")) {
    w.lm_head = w.embed_tokens;
  } else {
    w.lm_head = loader.matrix("lm_head.weight", config.vocab_size, config.hidden_size);
  }
  w.layers.resize(config.num_hidden_layers);
  // Layers are independent: load them in parallel (dequantising kv_b and copying is the cost).
  tbb::parallel_for(0, config.num_hidden_layers, [&](int l) { w.layers[l] = loader.layer(l); });
  return w;
}

std::map<std::string, std::size_t> ModelWeights::bytes_by_dtype() const {
  std::map<std::string, std::size_t> by;
  add(by, embed_tokens);
  add(by, lm_head);
  add(by, norm);
  for (const LayerWeights& l : layers) {
    add(by, l.input_layernorm);
    add(by, l.post_attention_layernorm);
    const AttentionWeights& a = l.attn;
    if (a.q_proj) add(by, *a.q_proj);
    if (a.q_a_proj) add(by, *a.q_a_proj);
    if (a.q_b_proj) add(by, *a.q_b_proj);
    add(by, a.q_a_layernorm);
    add(by, a.kv_a_proj_with_mqa);
    add(by, a.kv_a_layernorm);
    add(by, a.kv_b_proj);
    add(by, a.o_proj);
    if (l.mlp) add(by, *l.mlp);
    if (l.moe) {
      add(by, l.moe->gate);
      add(by, l.moe->e_score_correction_bias);
      for (const MlpWeights& e : l.moe->experts) add(by, e);
      if (l.moe->shared) add(by, *l.moe->shared);
    }
  }
  return by;
}

std::size_t ModelWeights::bytes() const {
  std::size_t total = 0;
  for (const auto& [_, b] : bytes_by_dtype()) total += b;
  return total;
}

}  // namespace rbench::moe
