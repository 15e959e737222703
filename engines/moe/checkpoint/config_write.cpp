// Writing a ModelConfig as a config.json in the published layout (keys sorted, two-space
// indent, null for absent values), for the tools that make small test checkpoints. parse_config
// reads it back to equal values. Also quantize's edit of a published config.json: its
// quantization_config set, written as to_json writes it, every other key kept.
#include "engines/moe/checkpoint/config.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {
namespace {

constexpr std::string_view kQuantizationKey = "quantization_config";

// config.json's layout: two-space indent, arrays on one line.
constexpr json::Pretty kLayout{.single_line_arrays = true};

json::OutValue quantization(const Fp8Quantization& q) {
  return json::object({{"activation_scheme", q.activation_scheme},
                       {"fmt", q.fmt},
                       {"quant_method", "fp8"},
                       {"weight_block_size", json::array({q.block_rows, q.block_cols})}});
}

// 0 is how ModelConfig says "dense"; the published configs say null.
json::OutValue count(int v) {
  return v != 0 ? json::OutValue(v) : json::null;
}

}  // namespace

std::string to_json(const ModelConfig& c) {
  json::OutValue rope_scaling = json::null;
  if (c.rope_scaling) {
    const YarnScaling& y = *c.rope_scaling;
    rope_scaling =
        json::object({{"beta_fast", y.beta_fast},
                      {"beta_slow", y.beta_slow},
                      {"factor", y.factor},
                      {"mscale", y.mscale},
                      {"mscale_all_dim", y.mscale_all_dim},
                      {"original_max_position_embeddings", y.original_max_position_embeddings},
                      {"type", "yarn"}});
  }
  json::Writer w(kLayout);
  // Keys in alphabetical order, as the published files have them.
  w.object({{"architectures", json::array({c.architecture})},
            {"bos_token_id", json::nullable(c.bos_token_id)},
            {"eos_token_id", json::nullable(c.eos_token_id)},
            {"first_k_dense_replace", c.first_k_dense_replace},
            {"hidden_act", c.hidden_act},
            {"hidden_size", c.hidden_size},
            {"intermediate_size", c.intermediate_size},
            {"kv_lora_rank", c.kv_lora_rank},
            {"max_position_embeddings", c.max_position_embeddings},
            {"model_type", c.model_type},
            {"moe_intermediate_size", c.moe_intermediate_size},
            {"moe_layer_freq", c.moe_layer_freq},
            {"n_group", c.n_group},
            {"n_routed_experts", count(c.n_routed_experts)},
            {"n_shared_experts", count(c.n_shared_experts)},
            {"norm_topk_prob", c.norm_topk_prob},
            {"num_attention_heads", c.num_attention_heads},
            {"num_experts_per_tok", count(c.num_experts_per_tok)},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_key_value_heads", c.num_key_value_heads},
            {"num_nextn_predict_layers", c.num_nextn_predict_layers},
            {"q_lora_rank", json::nullable(c.q_lora_rank)},
            {"qk_nope_head_dim", c.qk_nope_head_dim},
            {"qk_rope_head_dim", c.qk_rope_head_dim},
            {kQuantizationKey,
             c.quantization ? quantization(*c.quantization) : json::OutValue(std::nullopt)},
            {"rms_norm_eps", c.rms_norm_eps},
            {"rope_scaling", rope_scaling},
            {"rope_theta", c.rope_theta},
            {"routed_scaling_factor", c.routed_scaling_factor},
            {"scoring_func", to_string(c.scoring_func)},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"topk_group", c.topk_group},
            {"topk_method", to_string(c.topk_method)},
            {"torch_dtype", "bfloat16"},
            {"v_head_dim", c.v_head_dim},
            {"vocab_size", c.vocab_size}});
  return w.str() + "\n";
}

std::string with_quantization_config(std::string_view json, const Fp8Quantization& q,
                                     std::string_view where) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    throw DataError(fmt::format("{}: invalid JSON at offset {}: {}", where, doc.GetErrorOffset(),
                                rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) throw DataError(fmt::format("{}: expected a JSON object", where));
  json::Writer w(kLayout);
  w.object([&](json::Writer& w) {
    // Where the sorted published files have it: before the first key that sorts after it.
    bool written = false;
    for (const auto& m : doc.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == kQuantizationKey) continue;  // replaced
      if (!written && name > kQuantizationKey) {
        w.field(kQuantizationKey, quantization(q));
        written = true;
      }
      w.field(name, m.value);
    }
    if (!written) w.field(kQuantizationKey, quantization(q));
  });
  return w.str() + "\n";
}

}  // namespace rbench::moe
