// Random weights by tensor name and row (random_weights.h), and the dummy models' shapes.
#include "engines/moe/model/random_weights.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "harness/core/error.h"
#include "harness/core/splitmix.h"

namespace rbench::moe {
namespace {

struct Generator {
  std::uint64_t seed;
  RandomWeightsOptions options;
  int block_rows = 128;
  int block_cols = 128;

  // Uniform values of the given mean and standard deviation, seeded by tensor name and row.
  void fill_row(std::string_view name, int row, float mean, float stddev, float* out, int n) const {
    const std::uint64_t state0 =
        splitmix::row_state(seed, splitmix::fnv1a(name), static_cast<std::uint64_t>(row));
    const double half_width = uniform_half_width(stddev);
    for (int i = 0; i < n; ++i) {
      out[i] = splitmix::uniform_value(state0, static_cast<std::uint64_t>(i), mean, half_width);
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
    if (dtype == DType::f8_e4m3) {
      w.block_rows = block_rows;
      w.block_cols = block_cols;
    }
    if (options.shapes_only) return w;
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

WeightMatrix random_matrix(std::string_view name, int rows, int cols, DType dtype,
                           std::uint64_t seed, float stddev, int block_rows, int block_cols) {
  Generator g{seed, {.dtype = dtype, .seed = seed}};
  g.block_rows = block_rows;
  g.block_cols = block_cols;
  return g.matrix(name, rows, cols, dtype, stddev);
}

double uniform_half_width(float stddev) {
  return static_cast<double>(stddev) * std::sqrt(3.0);
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
  if (!g.options.shapes_only) a.kv_b_f32 = a.kv_b_proj.to_f32();
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

ModelConfig dummy_config(const DummySpec& spec) {
  if (spec.shape != "deepseek-v2-lite" && spec.shape != "deepseek-v3") {
    throw UsageError(
        fmt::format("--shape '{}' is not one of deepseek-v2-lite, deepseek-v3", spec.shape));
  }
  if (spec.dtype != DType::bf16 && spec.dtype != DType::f8_e4m3) {
    throw UsageError("--dummy-dtype must be bf16 or fp8");
  }
  ModelConfig c = shape_config(spec.shape);
  if (spec.layers < 0 || spec.layers > c.num_hidden_layers) {
    throw UsageError(fmt::format("--layers {}: {} has {} decoder layers (0 keeps them all)",
                                 spec.layers, spec.shape, c.num_hidden_layers));
  }
  if (spec.layers > 0) {
    c.num_hidden_layers = spec.layers;
    c.first_k_dense_replace = std::min(c.first_k_dense_replace, spec.layers);
  }
  if (spec.mtp) c.num_nextn_predict_layers = std::max(c.num_nextn_predict_layers, 1);
  // As write_random_checkpoint does: the quantization_config says what the weights are.
  if (spec.dtype == DType::f8_e4m3 && !c.quantization) c.quantization = Fp8Quantization{};
  if (spec.dtype != DType::f8_e4m3) c.quantization.reset();
  return c;
}

RandomWeightsOptions dummy_weights_options(const DummySpec& spec) {
  return {.dtype = spec.dtype, .seed = spec.seed, .mtp = spec.mtp};
}

std::string dummy_name(const DummySpec& spec) {
  return fmt::format("dummy-{}{}-{}{}", spec.shape,
                     spec.layers > 0 ? fmt::format("-{}l", spec.layers) : std::string(),
                     spec.dtype == DType::f8_e4m3 ? "fp8" : "bf16", spec.mtp ? "+mtp" : "");
}

std::string dummy_digest(const DummySpec& spec) {
  // Every field, with separators, so that no two specs hash the same text.
  const std::string key = fmt::format("dummy|{}|{}|{}|{}|{}", spec.shape, spec.layers,
                                      to_string(spec.dtype), spec.seed, spec.mtp ? 1 : 0);
  return fmt::format("{:016x}", splitmix::mix(splitmix::fnv1a(key)));
}

}  // namespace rbench::moe
