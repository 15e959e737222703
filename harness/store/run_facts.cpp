// Engine facts written into and read from a run's stored configuration; see run_facts.h.
#include "harness/store/run_facts.h"

#include <rapidjson/document.h>

#include <optional>

namespace rbench {
namespace {

// The members in the order they are written, with their field in EngineFacts.
struct Member {
  const char* name;
  std::optional<std::int64_t> EngineFacts::*field;
};
constexpr Member kMembers[] = {
    {"weight_bytes", &EngineFacts::weight_bytes},
    {"kv_bytes_per_token", &EngineFacts::kv_bytes_per_token},
    {"kv_bytes_per_token_mha", &EngineFacts::kv_bytes_per_token_mha},
    {"parameters_total", &EngineFacts::parameters_total},
    {"parameters_active", &EngineFacts::parameters_active},
    {"device_memory_bytes", &EngineFacts::device_memory_bytes},
    {"cache_bytes_peak", &EngineFacts::cache_bytes_peak},
    {"cache_bytes_capacity", &EngineFacts::cache_bytes_capacity},
};
struct TextMember {
  const char* name;
  std::optional<std::string> EngineFacts::*field;
};
constexpr TextMember kTextMembers[] = {
    {"device", &EngineFacts::device},
    {"device_name", &EngineFacts::device_name},
};

}  // namespace

void write_engine_facts(json::Writer& w, const EngineFacts& facts) {
  w.object([&](json::Writer& w) {
    for (const Member& m : kMembers) w.field(m.name, facts.*m.field);
    for (const TextMember& m : kTextMembers) w.field(m.name, facts.*m.field);
  });
}

EngineFacts stored_engine_facts(std::string_view config_json, std::string_view label) {
  EngineFacts facts;
  // Best effort by design (stores from before the facts existed have none): anything missing or
  // odd reads as "unknown", so raw RapidJSON rather than the checked reader.
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return facts;
  const rapidjson::Value* entry = stored_model_entry(doc, label);
  if (!entry) return facts;
  const rapidjson::Value& model = *entry;
  const auto stored = model.FindMember("facts");
  if (stored == model.MemberEnd() || !stored->value.IsObject()) return facts;
  for (const Member& m : kMembers) {
    const auto value = stored->value.FindMember(m.name);
    if (value != stored->value.MemberEnd() && value->value.IsInt64()) {
      facts.*m.field = value->value.GetInt64();
    }
  }
  for (const TextMember& m : kTextMembers) {
    const auto value = stored->value.FindMember(m.name);
    if (value != stored->value.MemberEnd() && value->value.IsString()) {
      facts.*m.field = std::string(value->value.GetString(), value->value.GetStringLength());
    }
  }
  return facts;
}

const rapidjson::Value* stored_model_entry(const rapidjson::Document& config,
                                           std::string_view label) {
  if (!config.IsObject()) return nullptr;
  const auto models = config.FindMember("models");
  if (models == config.MemberEnd() || !models->value.IsArray()) return nullptr;
  for (const auto& model : models->value.GetArray()) {
    if (!model.IsObject()) continue;
    const auto name = model.FindMember("label");
    if (name != model.MemberEnd() && name->value.IsString() &&
        std::string_view(name->value.GetString(), name->value.GetStringLength()) == label) {
      return &model;
    }
  }
  return nullptr;
}

}  // namespace rbench
