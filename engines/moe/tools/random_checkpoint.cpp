#include "engines/moe/tools/random_checkpoint.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "engines/moe/checkpoint/safetensors.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

struct Generator {
  std::uint64_t seed;
  RandomWeightsOptions options;
  int block_rows = 128;
  int block_cols = 128;

  // Uniform values of the given mean and standard deviation, seeded by tensor name and row.
  void fill_row(std::string_view name, int row, float mean, float stddev, float* out, int n) const {
    std::uint64_t state =
        seed ^ fnv1a(name) ^ (static_cast<std::uint64_t>(row) * 0x632BE59BD9B4E019ULL);
    const double half_width = stddev * std::sqrt(3.0);
    for (int i = 0; i < n; ++i) {
      const double u = (splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
      out[i] = static_cast<float>(mean + (2.0 * u - 1.0) * half_width);
    }
  }

  std::vector<float> vector(std::string_view name, int n, float mean, float stddev) const {
    std::vector<float> v(n);
    fill_row(name, 0, mean, stddev, v.data(), n);
    return v;
  }

  // A linear layer's weight in `dtype` (f8: block-quantised with per-block scales).
  WeightMatrix matrix(std::string_view name, int rows, int cols, DType dtype,
                      float stddev = -1) const {
    if (stddev < 0) stddev = 1.0f / std::sqrt(static_cast<float>(cols));
    WeightMatrix w;
    w.rows = rows;
    w.cols = cols;
    w.dtype = dtype;
    const std::size_t size = static_cast<std::size_t>(rows) * cols;
    if (dtype == DType::f32) {
      w.f32.resize(size);
      tbb::parallel_for(0, rows, [&](int r) {
        fill_row(name, r, 0, stddev, w.f32.data() + static_cast<std::size_t>(r) * cols, cols);
      });
      return w;
    }
    if (dtype == DType::bf16) {
      w.bf16.resize(size);
      tbb::parallel_for(0, rows, [&](int r) {
        std::vector<float> row(cols);
        fill_row(name, r, 0, stddev, row.data(), cols);
        for (int c = 0; c < cols; ++c) {
          w.bf16[static_cast<std::size_t>(r) * cols + c] = f32_to_bf16(row[c]);
        }
      });
      return w;
    }
    // fp8 e4m3, block-quantised as DeepSeek's quantiser does (quantize_fp8_band), one band of
    // block_rows rows at a time.
    w.block_rows = block_rows;
    w.block_cols = block_cols;
    w.f8.resize(size);
    const int scale_rows = (rows + block_rows - 1) / block_rows;
    const int scale_cols = (cols + block_cols - 1) / block_cols;
    w.scales.assign(static_cast<std::size_t>(scale_rows) * scale_cols, 0.0f);
    tbb::parallel_for(0, scale_rows, [&](int br) {
      const int r0 = br * block_rows;
      const int r1 = std::min(rows, r0 + block_rows);
      std::vector<float> values(static_cast<std::size_t>(r1 - r0) * cols);
      for (int r = r0; r < r1; ++r) {
        fill_row(name, r, 0, stddev, values.data() + static_cast<std::size_t>(r - r0) * cols, cols);
      }
      const std::size_t band_begin = static_cast<std::size_t>(r0) * cols;
      quantize_fp8_band(values, cols, block_cols,
                        std::span(w.f8).subspan(band_begin, values.size()),
                        std::span(w.scales).subspan(static_cast<std::size_t>(br) * scale_cols,
                                                    static_cast<std::size_t>(scale_cols)));
    });
    return w;
  }

  MlpWeights mlp(const std::string& prefix, int hidden, int inter, DType dtype) const {
    return {matrix(prefix + ".gate_proj.weight", inter, hidden, dtype),
            matrix(prefix + ".up_proj.weight", inter, hidden, dtype),
            matrix(prefix + ".down_proj.weight", hidden, inter, dtype)};
  }
};

// Embeddings, norms, router and LM head are kept in bf16 in DeepSeek-V3's fp8 release.
DType high_precision(DType d) {
  return d == DType::f8_e4m3 ? DType::bf16 : d;
}

}  // namespace

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

ModelConfig shape_config(std::string_view shape) {
  ModelConfig c;
  if (shape == "deepseek-v2-lite" || shape == "deepseek-v2-lite-4l") {
    c.architecture = "DeepseekV2ForCausalLM";
    c.model_type = "deepseek_v2";
    c.vocab_size = 102400;
    c.hidden_size = 2048;
    c.intermediate_size = 10944;
    c.moe_intermediate_size = 1408;
    c.num_hidden_layers = shape == "deepseek-v2-lite" ? 27 : 4;
    c.num_attention_heads = 16;
    c.num_key_value_heads = 16;
    c.max_position_embeddings = 163840;
    c.n_routed_experts = 64;
    c.n_shared_experts = 2;
    c.num_experts_per_tok = 6;
    c.n_group = 1;
    c.topk_group = 1;
    c.first_k_dense_replace = 1;
    c.topk_method = TopkMethod::greedy;
    c.scoring_func = ScoringFunc::softmax;
    c.norm_topk_prob = false;
    c.routed_scaling_factor = 1.0;
    c.kv_lora_rank = 512;
    c.qk_nope_head_dim = 128;
    c.qk_rope_head_dim = 64;
    c.v_head_dim = 128;
    c.rope_scaling = YarnScaling{.factor = 40,
                                 .original_max_position_embeddings = 4096,
                                 .beta_fast = 32,
                                 .beta_slow = 1,
                                 .mscale = 0.707,
                                 .mscale_all_dim = 0.707};
    c.bos_token_id = 100000;
    c.eos_token_id = 100001;
    return c;
  }
  if (shape == "deepseek-v3") {
    c.architecture = "DeepseekV3ForCausalLM";
    c.model_type = "deepseek_v3";
    c.vocab_size = 129280;
    c.hidden_size = 7168;
    c.intermediate_size = 18432;
    c.moe_intermediate_size = 2048;
    c.num_hidden_layers = 61;
    c.num_attention_heads = 128;
    c.num_key_value_heads = 128;
    c.max_position_embeddings = 163840;
    c.n_routed_experts = 256;
    c.n_shared_experts = 1;
    c.num_experts_per_tok = 8;
    c.n_group = 8;
    c.topk_group = 4;
    c.first_k_dense_replace = 3;
    c.topk_method = TopkMethod::noaux_tc;
    c.scoring_func = ScoringFunc::sigmoid;
    c.norm_topk_prob = true;
    c.routed_scaling_factor = 2.5;
    c.q_lora_rank = 1536;
    c.kv_lora_rank = 512;
    c.qk_nope_head_dim = 128;
    c.qk_rope_head_dim = 64;
    c.v_head_dim = 128;
    c.rope_scaling = YarnScaling{.factor = 40,
                                 .original_max_position_embeddings = 4096,
                                 .beta_fast = 32,
                                 .beta_slow = 1,
                                 .mscale = 1.0,
                                 .mscale_all_dim = 1.0};
    c.num_nextn_predict_layers = 1;
    c.quantization = Fp8Quantization{};
    c.bos_token_id = 0;
    c.eos_token_id = 1;
    return c;
  }
  throw UsageError(fmt::format(
      "unknown shape '{}' (one of: deepseek-v2-lite, deepseek-v2-lite-4l, deepseek-v3)", shape));
}

namespace {

LayerWeights random_layer(const Generator& g, const ModelConfig& c, int l, DType dt) {
  const DType hp = high_precision(dt);
  const int h = c.hidden_size;
  const int heads = c.num_attention_heads;
  const std::string p = fmt::format("model.layers.{}.", l);
  LayerWeights lw;
  lw.input_layernorm = g.vector(p + "input_layernorm.weight", h, 1.0f, 0.05f);
  lw.post_attention_layernorm = g.vector(p + "post_attention_layernorm.weight", h, 1.0f, 0.05f);
  AttentionWeights& a = lw.attn;
  if (c.q_lora_rank) {
    a.q_a_proj = g.matrix(p + "self_attn.q_a_proj.weight", *c.q_lora_rank, h, dt);
    a.q_a_layernorm = g.vector(p + "self_attn.q_a_layernorm.weight", *c.q_lora_rank, 1.0f, 0.05f);
    a.q_b_proj =
        g.matrix(p + "self_attn.q_b_proj.weight", heads * c.qk_head_dim(), *c.q_lora_rank, dt);
  } else {
    a.q_proj = g.matrix(p + "self_attn.q_proj.weight", heads * c.qk_head_dim(), h, dt);
  }
  a.kv_a_proj_with_mqa = g.matrix(p + "self_attn.kv_a_proj_with_mqa.weight",
                                  c.kv_lora_rank + c.qk_rope_head_dim, h, dt);
  a.kv_a_layernorm = g.vector(p + "self_attn.kv_a_layernorm.weight", c.kv_lora_rank, 1.0f, 0.05f);
  a.kv_b_proj = g.matrix(p + "self_attn.kv_b_proj.weight",
                         heads * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank, dt);
  a.kv_b_f32 = a.kv_b_proj.to_f32();
  a.o_proj = g.matrix(p + "self_attn.o_proj.weight", h, heads * c.v_head_dim, dt);
  if (c.is_moe_layer(l)) {
    MoeWeights m;
    m.gate = g.matrix(p + "mlp.gate.weight", c.n_routed_experts, h, hp);
    if (c.topk_method == TopkMethod::noaux_tc) {
      m.e_score_correction_bias =
          g.vector(p + "mlp.gate.e_score_correction_bias", c.n_routed_experts, 0.0f, 0.05f);
    }
    m.experts.resize(c.n_routed_experts);
    tbb::parallel_for(0, c.n_routed_experts, [&](int e) {
      m.experts[e] = g.mlp(fmt::format("{}mlp.experts.{}", p, e), h, c.moe_intermediate_size, dt);
    });
    if (c.n_shared_experts > 0) {
      m.shared =
          g.mlp(p + "mlp.shared_experts", h, c.moe_intermediate_size * c.n_shared_experts, dt);
    }
    lw.moe = std::move(m);
  } else {
    lw.mlp = g.mlp(p + "mlp", h, c.intermediate_size, dt);
  }
  return lw;
}

// MTP module 0 as our own exports store it: without its own embedding and head; eh_proj kept in
// high precision, as in DeepSeek-V3's fp8 release.
MtpWeights random_mtp(const Generator& g, const ModelConfig& c, DType dt) {
  const int l = c.num_hidden_layers;
  const int h = c.hidden_size;
  const std::string p = fmt::format("model.layers.{}.", l);
  MtpWeights m;
  m.enorm = g.vector(p + "enorm.weight", h, 1.0f, 0.05f);
  m.hnorm = g.vector(p + "hnorm.weight", h, 1.0f, 0.05f);
  m.eh_proj = g.matrix(p + "eh_proj.weight", h, 2 * h, high_precision(dt));
  m.layer = random_layer(g, c, l, dt);
  m.head_norm = g.vector(p + "shared_head.norm.weight", h, 1.0f, 0.05f);
  return m;
}

}  // namespace

ModelWeights random_weights(const ModelConfig& c, RandomWeightsOptions options) {
  if (options.mtp && c.num_nextn_predict_layers < 1) {
    throw UsageError("random weights with an MTP module need num_nextn_predict_layers >= 1");
  }
  Generator g{options.seed, options};
  if (c.quantization) {
    g.block_rows = c.quantization->block_rows;
    g.block_cols = c.quantization->block_cols;
  }
  const DType dt = options.dtype;
  const DType hp = high_precision(dt);
  const int h = c.hidden_size;
  ModelWeights w;
  w.embed_tokens = g.matrix("model.embed_tokens.weight", c.vocab_size, h, hp, 1.0f);
  w.norm = g.vector("model.norm.weight", h, 1.0f, 0.05f);
  w.lm_head = g.matrix("lm_head.weight", c.vocab_size, h, hp);
  w.layers.resize(c.num_hidden_layers);
  for (int l = 0; l < c.num_hidden_layers; ++l) w.layers[l] = random_layer(g, c, l, dt);
  // Last, and seeded by tensor name like every tensor: the other weights are the same with or
  // without it.
  if (options.mtp) w.mtp = random_mtp(g, c, dt);
  return w;
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
