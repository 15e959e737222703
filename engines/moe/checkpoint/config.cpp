// DeepSeek-V2/V3 config.json, read as published on Hugging Face. Keys we do not use (auto_map,
// torch_dtype, ep_size, ...) are ignored; keys we do use are type-checked and cross-checked so a
// config that the engine would misread is refused before any weight is loaded.
#include "engines/moe/checkpoint/config.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <fstream>
#include <sstream>

#include "harness/core/error.h"

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

std::string_view json_type(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsString()) return "a string";
  if (v.IsArray()) return "an array";
  if (v.IsObject()) return "an object";
  if (v.IsInt()) return "an integer";
  if (v.IsNumber()) return "a non-integer or out-of-range number";
  return "a value of unknown type";
}

// Typed access to the keys of one JSON object; errors name the source and the full key.
class Keys {
 public:
  Keys(const rapidjson::Value& object, std::string_view where, std::string prefix = "")
      : object_(object), where_(where), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw DataError(fmt::format("{}: key \"{}{}\": {}", where_, prefix_, key, what));
  }
  bool has(const char* key) const { return object_.HasMember(key); }
  // nullptr when the key is absent or null.
  const rapidjson::Value* get(const char* key) const {
    const auto it = object_.FindMember(key);
    if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }
  const rapidjson::Value& require(const char* key) const {
    const auto* v = get(key);
    if (v == nullptr) fail(key, has(key) ? "must not be null" : "missing");
    return *v;
  }

  int integer(const char* key, int min) const { return checked_int(key, require(key), min); }
  int integer_or(const char* key, int fallback, int min) const {
    const auto* v = get(key);
    return v != nullptr ? checked_int(key, *v, min) : fallback;
  }
  std::optional<int> nullable_integer(const char* key, int min) const {
    const auto* v = get(key);
    if (v == nullptr) return std::nullopt;
    return checked_int(key, *v, min);
  }
  // min_exclusive: the value must be greater than `min`, else at least `min`.
  double number_or(const char* key, double fallback, double min, bool min_exclusive) const {
    const auto* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->IsNumber()) fail(key, fmt::format("expected a number, got {}", json_type(*v)));
    const double d = v->GetDouble();
    if (!(d > min || (!min_exclusive && d == min))) {
      fail(key, fmt::format("must be {} {}, got {}", min_exclusive ? ">" : ">=", min, d));
    }
    return d;
  }
  bool boolean_or(const char* key, bool fallback) const {
    const auto* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->IsBool()) fail(key, fmt::format("expected true or false, got {}", json_type(*v)));
    return v->GetBool();
  }
  std::string string_or(const char* key, std::string_view fallback) const {
    const auto* v = get(key);
    if (v == nullptr) return std::string(fallback);
    return checked_string(key, *v);
  }
  std::string string(const char* key) const { return checked_string(key, require(key)); }

  template <typename Enum, std::size_t N>
  Enum choice(const char* key, const std::array<std::pair<Enum, std::string_view>, N>& choices,
              Enum fallback) const {
    if (get(key) == nullptr) return fallback;
    const std::string value = string(key);
    std::string known;
    for (const auto& [e, name] : choices) {
      if (name == value) return e;
      known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", name);
    }
    fail(key, fmt::format("unsupported value \"{}\" (supported: {})", value, known));
  }

 private:
  int checked_int(const char* key, const rapidjson::Value& v, int min) const {
    if (!v.IsInt()) fail(key, fmt::format("expected an integer, got {}", json_type(v)));
    if (v.GetInt() < min) fail(key, fmt::format("must be >= {}, got {}", min, v.GetInt()));
    return v.GetInt();
  }
  std::string checked_string(const char* key, const rapidjson::Value& v) const {
    if (!v.IsString()) fail(key, fmt::format("expected a string, got {}", json_type(v)));
    return {v.GetString(), v.GetStringLength()};
  }

  const rapidjson::Value& object_;
  std::string_view where_;
  std::string prefix_;
};

// An optional nested object (rope_scaling, quantization_config): nullopt when absent or null.
const rapidjson::Value* nested_object(const Keys& keys, const char* key) {
  const auto* v = keys.get(key);
  if (v != nullptr && !v->IsObject()) {
    keys.fail(key, fmt::format("expected an object or null, got {}", json_type(*v)));
  }
  return v;
}

std::string read_architecture(const Keys& keys, const std::string& model_type) {
  const auto* v = keys.get("architectures");
  if (v == nullptr) {
    return model_type == "deepseek_v3" ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM";
  }
  if (!v->IsArray() || v->Empty() || !(*v)[0].IsString()) {
    keys.fail("architectures", "expected a non-empty array of strings");
  }
  std::string first((*v)[0].GetString(), (*v)[0].GetStringLength());
  if (first != "DeepseekV2ForCausalLM" && first != "DeepseekV3ForCausalLM") {
    keys.fail("architectures",
              fmt::format("unsupported architecture \"{}\" (supported: \"DeepseekV2ForCausalLM\", "
                          "\"DeepseekV3ForCausalLM\")",
                          first));
  }
  return first;
}

void read_moe(const Keys& keys, ModelConfig& c) {
  // Null expert counts are how the reference config class spells a dense model.
  c.n_routed_experts = keys.nullable_integer("n_routed_experts", 0).value_or(0);
  c.n_shared_experts = keys.nullable_integer("n_shared_experts", 0).value_or(0);
  c.num_experts_per_tok = keys.nullable_integer("num_experts_per_tok", 0).value_or(0);
  c.n_group = keys.nullable_integer("n_group", 1).value_or(1);
  c.topk_group = keys.nullable_integer("topk_group", 1).value_or(1);
  c.first_k_dense_replace = keys.integer_or("first_k_dense_replace", 0, 0);
  c.moe_layer_freq = keys.integer_or("moe_layer_freq", 1, 1);
  c.topk_method = keys.choice("topk_method", kTopkMethods, TopkMethod::greedy);
  c.scoring_func = keys.choice("scoring_func", kScoringFuncs, ScoringFunc::softmax);
  c.norm_topk_prob = keys.boolean_or("norm_topk_prob", false);
  c.routed_scaling_factor = keys.number_or("routed_scaling_factor", 1.0, 0.0, true);
  if (c.n_routed_experts == 0) {
    c.moe_intermediate_size = keys.integer_or("moe_intermediate_size", 0, 0);
    return;
  }
  c.moe_intermediate_size = keys.integer("moe_intermediate_size", 1);
  if (c.num_experts_per_tok < 1) keys.fail("num_experts_per_tok", "must be >= 1 in an MoE model");
  if (c.num_experts_per_tok > c.n_routed_experts) {
    keys.fail("num_experts_per_tok", fmt::format("{} exceeds n_routed_experts ({})",
                                                 c.num_experts_per_tok, c.n_routed_experts));
  }
  if (c.n_routed_experts % c.n_group != 0) {
    keys.fail("n_group", fmt::format("n_routed_experts ({}) is not divisible into {} groups",
                                     c.n_routed_experts, c.n_group));
  }
  if (c.topk_group > c.n_group) {
    keys.fail("topk_group", fmt::format("{} exceeds n_group ({})", c.topk_group, c.n_group));
  }
  // The grouped methods pick experts only inside the chosen groups, which must hold enough.
  const int reachable = c.topk_group * (c.n_routed_experts / c.n_group);
  if (c.topk_method != TopkMethod::greedy && reachable < c.num_experts_per_tok) {
    keys.fail("topk_group",
              fmt::format("{} groups of {} experts cannot supply num_experts_per_tok ({}) "
                          "with topk_method \"{}\"",
                          c.topk_group, c.n_routed_experts / c.n_group, c.num_experts_per_tok,
                          to_string(c.topk_method)));
  }
}

void read_attention(const Keys& keys, ModelConfig& c) {
  // Present as null in V2-Lite; a missing key more likely means a config of another family.
  if (!keys.has("q_lora_rank"))
    keys.fail("q_lora_rank", "missing (null when queries are not compressed)");
  c.q_lora_rank = keys.nullable_integer("q_lora_rank", 1);
  c.kv_lora_rank = keys.integer("kv_lora_rank", 1);
  c.qk_nope_head_dim = keys.integer("qk_nope_head_dim", 1);
  c.qk_rope_head_dim = keys.integer("qk_rope_head_dim", 1);
  c.v_head_dim = keys.integer("v_head_dim", 1);
  // Rotary embedding rotates pairs of dimensions.
  if (c.qk_rope_head_dim % 2 != 0) {
    keys.fail("qk_rope_head_dim", fmt::format("must be even, got {}", c.qk_rope_head_dim));
  }
}

std::optional<YarnScaling> read_rope_scaling(const Keys& keys, std::string_view where) {
  const auto* v = nested_object(keys, "rope_scaling");
  if (v == nullptr) return std::nullopt;
  const Keys rope(*v, where, "rope_scaling.");
  // Older configs say "type", newer transformers "rope_type".
  const char* type_key = rope.get("rope_type") != nullptr ? "rope_type" : "type";
  const std::string type = rope.string(type_key);
  if (type != "yarn") {
    rope.fail(type_key, fmt::format("unsupported rope scaling \"{}\" (supported: \"yarn\")", type));
  }
  YarnScaling y;
  y.factor = rope.number_or("factor", y.factor, 0.0, true);
  y.original_max_position_embeddings =
      rope.integer_or("original_max_position_embeddings", y.original_max_position_embeddings, 1);
  y.beta_fast = rope.number_or("beta_fast", y.beta_fast, 0.0, true);
  y.beta_slow = rope.number_or("beta_slow", y.beta_slow, 0.0, true);
  y.mscale = rope.number_or("mscale", y.mscale, 0.0, false);
  y.mscale_all_dim = rope.number_or("mscale_all_dim", y.mscale_all_dim, 0.0, false);
  return y;
}

std::optional<Fp8Quantization> read_quantization(const Keys& keys, std::string_view where) {
  const auto* v = nested_object(keys, "quantization_config");
  if (v == nullptr) return std::nullopt;
  const Keys quant(*v, where, "quantization_config.");
  const std::string method = quant.string("quant_method");
  if (method != "fp8") {
    quant.fail("quant_method", fmt::format("unsupported \"{}\" (supported: \"fp8\")", method));
  }
  Fp8Quantization q;
  q.fmt = quant.string_or("fmt", q.fmt);
  if (q.fmt != "e4m3") {
    quant.fail("fmt", fmt::format("unsupported fp8 format \"{}\" (supported: \"e4m3\")", q.fmt));
  }
  // Static activation scales would need tensors we do not read.
  q.activation_scheme = quant.string_or("activation_scheme", q.activation_scheme);
  if (q.activation_scheme != "dynamic") {
    quant.fail("activation_scheme",
               fmt::format("unsupported \"{}\" (supported: \"dynamic\")", q.activation_scheme));
  }
  if (const auto* block = quant.get("weight_block_size")) {
    if (!block->IsArray() || block->Size() != 2 || !(*block)[0].IsInt() || !(*block)[1].IsInt() ||
        (*block)[0].GetInt() < 1 || (*block)[1].GetInt() < 1) {
      quant.fail("weight_block_size", "expected two positive integers [rows, cols]");
    }
    q.block_rows = (*block)[0].GetInt();
    q.block_cols = (*block)[1].GetInt();
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

ModelConfig parse_config(std::string_view json, std::string_view where) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    throw DataError(fmt::format("{}: not valid JSON: {} (at byte {})", where,
                                rapidjson::GetParseError_En(doc.GetParseError()),
                                doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) throw DataError(fmt::format("{}: expected a JSON object", where));
  const Keys keys(doc, where);

  ModelConfig c;
  c.model_type = keys.string("model_type");
  if (c.model_type != "deepseek_v2" && c.model_type != "deepseek_v3") {
    keys.fail("model_type", fmt::format("unsupported \"{}\" (supported: \"deepseek_v2\", "
                                        "\"deepseek_v3\")",
                                        c.model_type));
  }
  c.architecture = read_architecture(keys, c.model_type);
  c.vocab_size = keys.integer("vocab_size", 1);
  c.hidden_size = keys.integer("hidden_size", 1);
  c.intermediate_size = keys.integer("intermediate_size", 1);
  c.num_hidden_layers = keys.integer("num_hidden_layers", 1);
  c.num_attention_heads = keys.integer("num_attention_heads", 1);
  c.num_key_value_heads = keys.integer_or("num_key_value_heads", c.num_attention_heads, 1);
  c.max_position_embeddings = keys.integer("max_position_embeddings", 1);
  read_moe(keys, c);
  read_attention(keys, c);
  c.rope_theta = keys.number_or("rope_theta", c.rope_theta, 0.0, true);
  c.rope_scaling = read_rope_scaling(keys, where);
  c.rms_norm_eps = keys.number_or("rms_norm_eps", c.rms_norm_eps, 0.0, true);
  c.num_nextn_predict_layers = keys.integer_or("num_nextn_predict_layers", 0, 0);
  c.quantization = read_quantization(keys, where);
  c.bos_token_id = keys.nullable_integer("bos_token_id", 0);
  c.eos_token_id = keys.nullable_integer("eos_token_id", 0);
  c.tie_word_embeddings = keys.boolean_or("tie_word_embeddings", false);
  c.hidden_act = keys.string_or("hidden_act", c.hidden_act);
  if (c.hidden_act != "silu") {
    keys.fail("hidden_act", fmt::format("unsupported \"{}\" (supported: \"silu\")", c.hidden_act));
  }
  return c;
}

ModelConfig load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open the model config", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw DataError(fmt::format("{}: cannot read the model config", path.string()));
  return parse_config(text.str(), path.string());
}

}  // namespace rbench::moe
