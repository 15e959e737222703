// DeepSeek-V2/V3 config.json, read as published on Hugging Face. Keys we do not use (auto_map,
// torch_dtype, ep_size, ...) are ignored; keys we do use are type-checked and cross-checked so a
// config that the engine would misread is refused before any weight is loaded.
#include "engines/moe/checkpoint/config.h"

#include <fmt/format.h>

#include <array>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "harness/core/jsonl_reader.h"

namespace rbench::moe {
namespace {

constexpr std::array<std::pair<TopkMethod, std::string_view>, 3> kTopkMethods{{
    {TopkMethod::greedy, "greedy"},
    {TopkMethod::group_limited_greedy, "group_limited_greedy"},
    {TopkMethod::noaux_tc, "noaux_tc"},
}};
constexpr std::array<std::pair<ScoringFunc, std::string_view>, 2> kScoringFuncs{{
    {ScoringFunc::softmax, "softmax"},
    {ScoringFunc::sigmoid, "sigmoid"},
}};

// Typed access to the keys of config.json's objects, over the checked reader: absent or null
// keys take the default the reference config class gives them.
int integer_or(const json::Value& o, std::string_view key, int fallback, int min) {
  const auto v = o.find(key);
  return v ? v->int32(min) : fallback;
}
std::optional<int> nullable_integer(const json::Value& o, std::string_view key, int min) {
  const auto v = o.find(key);
  if (!v) return std::nullopt;
  return v->int32(min);
}
// min_exclusive: the value must be greater than `min`, else at least `min`.
double number_or(const json::Value& o, std::string_view key, double fallback, double min,
                 bool min_exclusive) {
  const auto v = o.find(key);
  return v ? v->number(min, min_exclusive) : fallback;
}
bool boolean_or(const json::Value& o, std::string_view key, bool fallback) {
  const auto v = o.find(key);
  return v ? v->boolean() : fallback;
}

template <typename Enum, std::size_t N>
Enum choice(const json::Value& o, std::string_view key,
            const std::array<std::pair<Enum, std::string_view>, N>& choices, Enum fallback) {
  const auto v = o.find(key);
  if (!v) return fallback;
  const std::string value = v->string();
  std::string known;
  for (const auto& [e, name] : choices) {
    if (name == value) return e;
    known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", name);
  }
  v->fail(fmt::format("unsupported value \"{}\" (supported: {})", value, known));
}

// An optional nested object (rope_scaling, quantization_config): nullopt when absent or null.
std::optional<json::Value> nested_object(const json::Value& o, std::string_view key) {
  auto v = o.find(key);
  if (v && !v->is_object()) {
    v->fail(fmt::format("expected an object or null, got {}", json::type_name(v->raw())));
  }
  return v;
}

std::string read_architecture(const json::Value& keys, const std::string& model_type) {
  const auto v = keys.find("architectures");
  if (!v) return model_type == "deepseek_v3" ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM";
  if (!v->is_array() || v->size() == 0 || !v->at(0).is_string()) {
    v->fail("expected a non-empty array of strings");
  }
  std::string first = v->at(0).string();
  if (first != "DeepseekV2ForCausalLM" && first != "DeepseekV3ForCausalLM") {
    v->fail(
        fmt::format("unsupported architecture \"{}\" (supported: \"DeepseekV2ForCausalLM\", "
                    "\"DeepseekV3ForCausalLM\")",
                    first));
  }
  return first;
}

void read_moe(const json::Value& keys, ModelConfig& c) {
  // Null expert counts are how the reference config class spells a dense model.
  c.n_routed_experts = nullable_integer(keys, "n_routed_experts", 0).value_or(0);
  c.n_shared_experts = nullable_integer(keys, "n_shared_experts", 0).value_or(0);
  c.num_experts_per_tok = nullable_integer(keys, "num_experts_per_tok", 0).value_or(0);
  c.n_group = nullable_integer(keys, "n_group", 1).value_or(1);
  c.topk_group = nullable_integer(keys, "topk_group", 1).value_or(1);
  c.first_k_dense_replace = integer_or(keys, "first_k_dense_replace", 0, 0);
  c.moe_layer_freq = integer_or(keys, "moe_layer_freq", 1, 1);
  c.topk_method = choice(keys, "topk_method", kTopkMethods, TopkMethod::greedy);
  c.scoring_func = choice(keys, "scoring_func", kScoringFuncs, ScoringFunc::softmax);
  c.norm_topk_prob = boolean_or(keys, "norm_topk_prob", false);
  c.routed_scaling_factor = number_or(keys, "routed_scaling_factor", 1.0, 0.0, true);
  if (c.n_routed_experts == 0) {
    c.moe_intermediate_size = integer_or(keys, "moe_intermediate_size", 0, 0);
    return;
  }
  c.moe_intermediate_size = keys.member("moe_intermediate_size").int32(1);
  if (c.num_experts_per_tok < 1)
    keys.fail_at("num_experts_per_tok", "must be >= 1 in an MoE model");
  if (c.num_experts_per_tok > c.n_routed_experts) {
    keys.fail_at("num_experts_per_tok", fmt::format("{} exceeds n_routed_experts ({})",
                                                    c.num_experts_per_tok, c.n_routed_experts));
  }
  if (c.n_routed_experts % c.n_group != 0) {
    keys.fail_at("n_group", fmt::format("n_routed_experts ({}) is not divisible into {} groups",
                                        c.n_routed_experts, c.n_group));
  }
  if (c.topk_group > c.n_group) {
    keys.fail_at("topk_group", fmt::format("{} exceeds n_group ({})", c.topk_group, c.n_group));
  }
  // The grouped methods pick experts only inside the chosen groups, which must hold enough.
  const int reachable = c.topk_group * (c.n_routed_experts / c.n_group);
  if (c.topk_method != TopkMethod::greedy && reachable < c.num_experts_per_tok) {
    keys.fail_at("topk_group",
                 fmt::format("{} groups of {} experts cannot supply num_experts_per_tok ({}) "
                             "with topk_method \"{}\"",
                             c.topk_group, c.n_routed_experts / c.n_group, c.num_experts_per_tok,
                             to_string(c.topk_method)));
  }
}

void read_attention(const json::Value& keys, ModelConfig& c) {
  // Present as null in V2-Lite; a missing key more likely means a config of another family.
  if (!keys.has("q_lora_rank")) {
    keys.fail_at("q_lora_rank", "missing (null when queries are not compressed)");
  }
  c.q_lora_rank = nullable_integer(keys, "q_lora_rank", 1);
  c.kv_lora_rank = keys.member("kv_lora_rank").int32(1);
  c.qk_nope_head_dim = keys.member("qk_nope_head_dim").int32(1);
  c.qk_rope_head_dim = keys.member("qk_rope_head_dim").int32(1);
  c.v_head_dim = keys.member("v_head_dim").int32(1);
  // Rotary embedding rotates pairs of dimensions.
  if (c.qk_rope_head_dim % 2 != 0) {
    keys.fail_at("qk_rope_head_dim", fmt::format("must be even, got {}", c.qk_rope_head_dim));
  }
}

std::optional<YarnScaling> read_rope_scaling(const json::Value& keys) {
  const auto found = nested_object(keys, "rope_scaling");
  if (!found) return std::nullopt;
  const json::Value& rope = *found;
  // Older configs say "type", newer transformers "rope_type".
  const json::Value type = rope.member(rope.find("rope_type") ? "rope_type" : "type");
  if (type.string() != "yarn") {
    type.fail(fmt::format("unsupported rope scaling \"{}\" (supported: \"yarn\")", type.string()));
  }
  YarnScaling y;
  y.factor = number_or(rope, "factor", y.factor, 0.0, true);
  y.original_max_position_embeddings =
      integer_or(rope, "original_max_position_embeddings", y.original_max_position_embeddings, 1);
  y.beta_fast = number_or(rope, "beta_fast", y.beta_fast, 0.0, true);
  y.beta_slow = number_or(rope, "beta_slow", y.beta_slow, 0.0, true);
  y.mscale = number_or(rope, "mscale", y.mscale, 0.0, false);
  y.mscale_all_dim = number_or(rope, "mscale_all_dim", y.mscale_all_dim, 0.0, false);
  return y;
}

std::optional<Fp8Quantization> read_quantization(const json::Value& keys) {
  const auto found = nested_object(keys, "quantization_config");
  if (!found) return std::nullopt;
  const json::Value& quant = *found;
  const json::Value method = quant.member("quant_method");
  if (method.string() != "fp8") {
    method.fail(fmt::format("unsupported \"{}\" (supported: \"fp8\")", method.string()));
  }
  Fp8Quantization q;
  q.fmt = quant.string_or("fmt", q.fmt);
  if (q.fmt != "e4m3") {
    quant.fail_at("fmt", fmt::format("unsupported fp8 format \"{}\" (supported: \"e4m3\")", q.fmt));
  }
  // Static activation scales would need tensors we do not read.
  q.activation_scheme = quant.string_or("activation_scheme", q.activation_scheme);
  if (q.activation_scheme != "dynamic") {
    quant.fail_at("activation_scheme",
                  fmt::format("unsupported \"{}\" (supported: \"dynamic\")", q.activation_scheme));
  }
  if (const auto block = quant.find("weight_block_size")) {
    const rapidjson::Value& b = block->raw();
    if (!b.IsArray() || b.Size() != 2 || !b[0].IsInt() || !b[1].IsInt() || b[0].GetInt() < 1 ||
        b[1].GetInt() < 1) {
      block->fail("expected two positive integers [rows, cols]");
    }
    q.block_rows = b[0].GetInt();
    q.block_cols = b[1].GetInt();
  }
  return q;
}

}  // namespace

std::string_view to_string(TopkMethod m) {
  for (const auto& [e, name] : kTopkMethods) {
    if (e == m) return name;
  }
  return "unknown";
}

std::string_view to_string(ScoringFunc f) {
  for (const auto& [e, name] : kScoringFuncs) {
    if (e == f) return name;
  }
  return "unknown";
}

ModelConfig parse_config(std::string_view text, std::string_view where) {
  const json::Document document =
      json::Document::parse(text, std::string(where), {.full_precision = true});
  const json::Value keys = document.root();
  if (!keys.is_object()) {
    keys.fail(fmt::format("expected an object, got {}", json::type_name(keys.raw())));
  }

  ModelConfig c;
  c.model_type = keys.member("model_type").string();
  if (c.model_type != "deepseek_v2" && c.model_type != "deepseek_v3") {
    keys.fail_at("model_type", fmt::format("unsupported \"{}\" (supported: \"deepseek_v2\", "
                                           "\"deepseek_v3\")",
                                           c.model_type));
  }
  c.architecture = read_architecture(keys, c.model_type);
  c.vocab_size = keys.member("vocab_size").int32(1);
  c.hidden_size = keys.member("hidden_size").int32(1);
  c.intermediate_size = keys.member("intermediate_size").int32(1);
  c.num_hidden_layers = keys.member("num_hidden_layers").int32(1);
  c.num_attention_heads = keys.member("num_attention_heads").int32(1);
  c.num_key_value_heads = integer_or(keys, "num_key_value_heads", c.num_attention_heads, 1);
  c.max_position_embeddings = keys.member("max_position_embeddings").int32(1);
  read_moe(keys, c);
  read_attention(keys, c);
  c.rope_theta = number_or(keys, "rope_theta", c.rope_theta, 0.0, true);
  c.rope_scaling = read_rope_scaling(keys);
  c.rms_norm_eps = number_or(keys, "rms_norm_eps", c.rms_norm_eps, 0.0, true);
  c.num_nextn_predict_layers = integer_or(keys, "num_nextn_predict_layers", 0, 0);
  c.quantization = read_quantization(keys);
  c.bos_token_id = nullable_integer(keys, "bos_token_id", 0);
  c.eos_token_id = nullable_integer(keys, "eos_token_id", 0);
  c.tie_word_embeddings = boolean_or(keys, "tie_word_embeddings", false);
  c.hidden_act = keys.string_or("hidden_act", c.hidden_act);
  if (c.hidden_act != "silu") {
    keys.fail_at("hidden_act",
                 fmt::format("unsupported \"{}\" (supported: \"silu\")", c.hidden_act));
  }
  return c;
}

ModelConfig load_config(const std::filesystem::path& path) {
  return parse_config(read_file_bytes(path), path.string());
}

}  // namespace rbench::moe
