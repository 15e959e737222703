// Writing a ModelConfig as a config.json in the published layout (keys sorted, two-space
// indent, null for absent values), for the tools that make small test checkpoints. parse_config
// reads it back to equal values. Also quantize's edit of a published config.json: its
// quantization_config set, written as to_json writes it, every other key kept.
#include "engines/moe/checkpoint/config.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "harness/core/error.h"

namespace rbench::moe {
namespace {

constexpr std::string_view kQuantizationKey = "quantization_config";

template <typename Writer>
void write_quantization(Writer& w, const Fp8Quantization& q) {
  const auto put_string = [&w](std::string_view k, std::string_view v) {
    w.Key(k.data(), static_cast<unsigned>(k.size()));
    w.String(v.data(), static_cast<unsigned>(v.size()));
  };
  w.StartObject();
  put_string("activation_scheme", q.activation_scheme);
  put_string("fmt", q.fmt);
  put_string("quant_method", "fp8");
  w.Key("weight_block_size");
  w.StartArray();
  w.Int(q.block_rows);
  w.Int(q.block_cols);
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string to_json(const ModelConfig& c) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  const auto key = [&w](std::string_view k) { w.Key(k.data(), static_cast<unsigned>(k.size())); };
  const auto put_string = [&](std::string_view k, std::string_view v) {
    key(k);
    w.String(v.data(), static_cast<unsigned>(v.size()));
  };
  const auto put_int = [&](std::string_view k, int v) {
    key(k);
    w.Int(v);
  };
  const auto put_double = [&](std::string_view k, double v) {
    key(k);
    w.Double(v);
  };
  const auto put_bool = [&](std::string_view k, bool v) {
    key(k);
    w.Bool(v);
  };
  const auto put_optional = [&](std::string_view k, std::optional<int> v) {
    key(k);
    v ? w.Int(*v) : w.Null();
  };
  // 0 is how ModelConfig says "dense"; the published configs say null.
  const auto put_count = [&](std::string_view k, int v) {
    put_optional(k, v != 0 ? std::optional<int>(v) : std::nullopt);
  };

  // Keys in alphabetical order, as the published files have them.
  w.StartObject();
  key("architectures");
  w.StartArray();
  w.String(c.architecture.c_str(), static_cast<unsigned>(c.architecture.size()));
  w.EndArray();
  put_optional("bos_token_id", c.bos_token_id);
  put_optional("eos_token_id", c.eos_token_id);
  put_int("first_k_dense_replace", c.first_k_dense_replace);
  put_string("hidden_act", c.hidden_act);
  put_int("hidden_size", c.hidden_size);
  put_int("intermediate_size", c.intermediate_size);
  put_int("kv_lora_rank", c.kv_lora_rank);
  put_int("max_position_embeddings", c.max_position_embeddings);
  put_string("model_type", c.model_type);
  put_int("moe_intermediate_size", c.moe_intermediate_size);
  put_int("moe_layer_freq", c.moe_layer_freq);
  put_int("n_group", c.n_group);
  put_count("n_routed_experts", c.n_routed_experts);
  put_count("n_shared_experts", c.n_shared_experts);
  put_bool("norm_topk_prob", c.norm_topk_prob);
  put_int("num_attention_heads", c.num_attention_heads);
  put_count("num_experts_per_tok", c.num_experts_per_tok);
  put_int("num_hidden_layers", c.num_hidden_layers);
  put_int("num_key_value_heads", c.num_key_value_heads);
  put_int("num_nextn_predict_layers", c.num_nextn_predict_layers);
  put_optional("q_lora_rank", c.q_lora_rank);
  put_int("qk_nope_head_dim", c.qk_nope_head_dim);
  put_int("qk_rope_head_dim", c.qk_rope_head_dim);
  if (c.quantization) {
    key(kQuantizationKey);
    write_quantization(w, *c.quantization);
  }
  put_double("rms_norm_eps", c.rms_norm_eps);
  key("rope_scaling");
  if (c.rope_scaling) {
    const YarnScaling& y = *c.rope_scaling;
    w.StartObject();
    put_double("beta_fast", y.beta_fast);
    put_double("beta_slow", y.beta_slow);
    put_double("factor", y.factor);
    put_double("mscale", y.mscale);
    put_double("mscale_all_dim", y.mscale_all_dim);
    put_int("original_max_position_embeddings", y.original_max_position_embeddings);
    put_string("type", "yarn");
    w.EndObject();
  } else {
    w.Null();
  }
  put_double("rope_theta", c.rope_theta);
  put_double("routed_scaling_factor", c.routed_scaling_factor);
  put_string("scoring_func", to_string(c.scoring_func));
  put_bool("tie_word_embeddings", c.tie_word_embeddings);
  put_int("topk_group", c.topk_group);
  put_string("topk_method", to_string(c.topk_method));
  put_string("torch_dtype", "bfloat16");
  put_int("v_head_dim", c.v_head_dim);
  put_int("vocab_size", c.vocab_size);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
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
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  // Where the sorted published files have it: before the first key that sorts after it.
  bool written = false;
  const auto write_it = [&] {
    w.Key(kQuantizationKey.data(), static_cast<unsigned>(kQuantizationKey.size()));
    write_quantization(w, q);
    written = true;
  };
  w.StartObject();
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == kQuantizationKey) continue;  // replaced
    if (!written && name > kQuantizationKey) write_it();
    w.Key(name.data(), static_cast<unsigned>(name.size()));
    m.value.Accept(w);
  }
  if (!written) write_it();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace rbench::moe
