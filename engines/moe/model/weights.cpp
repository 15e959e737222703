#include "engines/moe/model/weights.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "harness/core/error.h"

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

  // Whether the checkpoint holds any tensor of layer `l`.
  bool has_layer(int l) const {
    const std::string p = fmt::format("model.layers.{}.", l);
    for (const std::string& name : ckpt_.names()) {
      if (name.starts_with(p)) return true;
    }
    return false;
  }

  // The MTP module stored as layer `l`. `main_embed` and `main_head` name the main model's
  // tensors that stand in for the module's own when it has none.
  MtpWeights mtp(int l, const std::string& main_embed, const std::string& main_head) const {
    const std::string p = fmt::format("model.layers.{}.", l);
    const int h = config_.hidden_size;
    MtpWeights m;
    m.enorm = vector(p + "enorm.weight", h);
    m.hnorm = vector(p + "hnorm.weight", h);
    m.eh_proj = matrix(p + "eh_proj.weight", h, 2 * h);
    m.head_norm = vector(p + "shared_head.norm.weight", h);
    m.embed_tokens = own_copy(p + "embed_tokens.weight", main_embed);
    m.head = own_copy(p + "shared_head.head.weight", main_head);
    m.layer = layer(l);
    return m;
  }

 private:
  // A [vocab, hidden] matrix of the MTP module, unless the checkpoint omits it or stores it
  // byte for byte as the main model's `main` (DeepSeek-V3's release stores such copies: 1.9 GB
  // each in bf16, not worth holding twice).
  std::optional<WeightMatrix> own_copy(const std::string& name, const std::string& main) const {
    if (!ckpt_.has(name) || same_bytes(name, main)) return std::nullopt;
    return matrix(name, config_.vocab_size, config_.hidden_size);
  }

  // Same dtype, shape and bytes, block scales included.
  bool same_bytes(const std::string& a, const std::string& b) const {
    if (!ckpt_.has(a) || !ckpt_.has(b)) return !ckpt_.has(a) && !ckpt_.has(b);
    const TensorInfo& ia = ckpt_.info(a);
    const TensorInfo& ib = ckpt_.info(b);
    if (ia.dtype != ib.dtype || ia.shape != ib.shape) return false;
    const auto ba = ckpt_.bytes(a);
    const auto bb = ckpt_.bytes(b);
    if (!std::equal(ba.begin(), ba.end(), bb.begin(), bb.end())) return false;
    return ia.dtype != DType::f8_e4m3 || same_bytes(a + "_scale_inv", b + "_scale_inv");
  }

  const Checkpoint& ckpt_;
  const ModelConfig& config_;
};

void add(std::map<std::string, std::size_t>& by, const WeightMatrix& w) {
  // From the shape, so that a dummy model's host description (values on the device) counts too.
  by[std::string(to_string(w.dtype))] += w.element_bytes();
  if (const std::size_t scales = w.scale_bytes(); scales > 0) by["F32"] += scales;
}

void add(std::map<std::string, std::size_t>& by, const std::vector<float>& v) {
  if (!v.empty()) by["F32"] += v.size() * 4;
}

void add(std::map<std::string, std::size_t>& by, const MlpWeights& m) {
  add(by, m.gate_proj);
  add(by, m.up_proj);
  add(by, m.down_proj);
}

void add(std::map<std::string, std::size_t>& by, const LayerWeights& l) {
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

void add(std::map<std::string, std::size_t>& by, const MtpWeights& m) {
  add(by, m.enorm);
  add(by, m.hnorm);
  add(by, m.eh_proj);
  add(by, m.layer);
  add(by, m.head_norm);
  if (m.embed_tokens) add(by, *m.embed_tokens);
  if (m.head) add(by, *m.head);
}

}  // namespace

ModelWeights load_weights(const Checkpoint& checkpoint, const ModelConfig& config,
                          WeightLoadOptions options) {
  Loader loader(checkpoint, config);
  ModelWeights w;
  w.embed_tokens =
      loader.matrix("model.embed_tokens.weight", config.vocab_size, config.hidden_size);
  w.norm = loader.vector("model.norm.weight", config.hidden_size);
  const bool tied = config.tie_word_embeddings && !checkpoint.has("lm_head.weight");
  if (tied) {
    w.lm_head = w.embed_tokens;
  } else {
    w.lm_head = loader.matrix("lm_head.weight", config.vocab_size, config.hidden_size);
  }
  const int layers = config.num_hidden_layers;
  // Module 0 only, and only when stored: a checkpoint stripped of it is still a whole model.
  const bool mtp = options.mtp && config.num_nextn_predict_layers > 0 && loader.has_layer(layers);
  w.layers.resize(layers);
  // Layers are independent: load them in parallel (dequantising kv_b and copying is the cost).
  tbb::parallel_for(0, layers + (mtp ? 1 : 0), [&](int l) {
    if (l < layers) {
      w.layers[l] = loader.layer(l);
      return;
    }
    try {
      w.mtp = loader.mtp(l, "model.embed_tokens.weight",
                         tied ? "model.embed_tokens.weight" : "lm_head.weight");
    } catch (const DataError& e) {
      throw DataError(fmt::format(
          "{} (the MTP module: config.json has num_nextn_predict_layers {} and the checkpoint "
          "holds some of model.layers.{}.*, so it must hold all of its tensors)",
          e.what(), config.num_nextn_predict_layers, l));
    }
  });
  return w;
}

std::map<std::string, std::size_t> ModelWeights::bytes_by_dtype() const {
  std::map<std::string, std::size_t> by;
  add(by, embed_tokens);
  add(by, lm_head);
  add(by, norm);
  for (const LayerWeights& l : layers) add(by, l);
  if (mtp) add(by, *mtp);
  return by;
}

std::map<std::string, std::size_t> ModelWeights::mtp_bytes_by_dtype() const {
  std::map<std::string, std::size_t> by;
  if (mtp) add(by, *mtp);
  return by;
}

std::size_t ModelWeights::bytes() const {
  std::size_t total = 0;
  for (const auto& [_, b] : bytes_by_dtype()) total += b;
  return total;
}

std::size_t layer_read_bytes(const LayerWeights& lw) {
  const AttentionWeights& a = lw.attn;
  std::size_t bytes = (lw.input_layernorm.size() + lw.post_attention_layernorm.size()) * 4;
  if (a.q_proj) bytes += a.q_proj->bytes();
  if (a.q_a_proj) bytes += a.q_a_proj->bytes() + a.q_b_proj->bytes();
  const std::size_t kv_b_f32 = static_cast<std::size_t>(a.kv_b_proj.rows) * a.kv_b_proj.cols * 4;
  bytes += a.kv_a_proj_with_mqa.bytes() + kv_b_f32 + a.o_proj.bytes();
  if (lw.mlp) bytes += lw.mlp->bytes();
  if (lw.moe) {
    bytes += lw.moe->gate.bytes();
    if (lw.moe->shared) bytes += lw.moe->shared->bytes();
  }
  return bytes;
}

}  // namespace rbench::moe
