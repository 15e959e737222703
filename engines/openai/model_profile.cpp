// Model profiles from JSON (data/models/*.json). Every key mirrors a ModelProfile field:
//
//   name (string; default: the file's stem)      display_name, provider (string)
//   base_url (string, required, http(s)://..., up to and including /v1)
//   api_model (string, required: the "model" sent)
//   api_key_env (string, or an array of strings: requests rotate over the keys; "", [] or
//                absent: no key)
//   max_tokens_field ("max_tokens" | "max_completion_tokens")
//   supports_temperature, supports_seed, stream, stream_include_usage, http2 (bool)
//   default_max_tokens (int > 0 or null)      default_temperature (number >= 0 or null)
//   reasoning_effort ("minimal" | "low" | "medium" | "high" or null)
//   max_stop_strings (int > 0 or null: all stop strings are sent)
//   extra_body (object merged into every request body; kept as extra_body_json)
//   think_tags ("off" | "leading" | "implicit_open")
//   concurrency (int >= 1)  max_attempts (int >= 1)
//   rpm, tpm (number > 0 or null: client-side requests / tokens per minute, per key or profile)
//   connect_timeout_s, idle_timeout_s, total_timeout_s (number > 0)
//   backoff_base_s, backoff_max_s (number >= 0, max >= base)
//   pricing: {input_per_mtok, cached_input_per_mtok, output_per_mtok (USD per million tokens,
//             number >= 0 or null), off_peak {rates, hours_utc "HH:MM-HH:MM"}, hourly_usd,
//             from, as_of ("YYYY-MM-DD"), source (URL), note (string)}, or an array of such
//             objects dated by `from`, oldest first (engines/api/pricing.cpp)
//   notes (string)
//
// Unknown keys and wrong types are errors naming the file and the field: a typo in a profile
// must not silently fall back to a default.
#include "engines/openai/model_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "harness/core/json_writer.h"

namespace rbench {
namespace {

// Each reader below leaves the profile's default in place when a key is absent or null.
void read_string(json::StrictObject& o, std::string_view key, std::string& out) {
  if (const auto v = o.find(key)) out = v->string();
}
void read_boolean(json::StrictObject& o, std::string_view key, bool& out) {
  if (const auto v = o.find(key)) out = v->boolean();
}
void read_number(json::StrictObject& o, std::string_view key, double& out, double min,
                 bool exclusive = false) {
  if (const auto v = o.find(key)) out = v->number(min, exclusive);
}
void read_number(json::StrictObject& o, std::string_view key, std::optional<double>& out,
                 double min, bool exclusive = false) {
  if (const auto v = o.find(key)) out = v->number(min, exclusive);
}
void read_integer(json::StrictObject& o, std::string_view key, int& out, int min) {
  if (const auto v = o.find(key)) out = v->int32(min);
}
void read_integer(json::StrictObject& o, std::string_view key, std::optional<int>& out, int min) {
  if (const auto v = o.find(key)) out = v->int32(min);
}

// A string names one variable ("" none), an array several; each name once, none empty.
std::vector<std::string> read_key_env_names(const json::Value& value) {
  std::vector<std::string> names;
  if (value.is_string()) {
    if (!value.string_view().empty()) names.push_back(value.string());
    return names;
  }
  if (!value.is_array()) {
    value.fail(
        fmt::format("expected a string or an array of strings (environment variable "
                    "names), got {}",
                    json::type_name(value.raw())));
  }
  for (const json::Value& element : value.elements()) {
    std::string name = element.string();
    if (name.empty()) element.fail("expected an environment variable name, got \"\"");
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      element.fail(fmt::format("{} is named twice", name));
    }
    names.push_back(std::move(name));
  }
  return names;
}

ThinkTags parse_think_tags(const json::Value& value) {
  const std::string tags = value.one_of({"off", "leading", "implicit_open"});
  if (tags == "off") return ThinkTags::off;
  if (tags == "leading") return ThinkTags::leading;
  return ThinkTags::implicit_open;
}

void read_pricing(json::StrictObject& top, ModelProfile& p) {
  const auto v = top.find("pricing");
  if (!v) return;
  p.price_history = read_price_history(*v);
  p.pricing = *p.price_history.latest();
}

void read_fields(json::StrictObject& r, ModelProfile& p) {
  read_string(r, "name", p.name);
  read_string(r, "display_name", p.display_name);
  read_string(r, "provider", p.provider);
  read_string(r, "base_url", p.base_url);
  read_string(r, "api_model", p.api_model);
  if (const auto v = r.find("api_key_env")) p.api_key_envs = read_key_env_names(*v);
  if (const auto v = r.find("max_tokens_field")) {
    p.max_tokens_field = v->one_of({"max_tokens", "max_completion_tokens"});
  }
  read_boolean(r, "supports_temperature", p.supports_temperature);
  read_boolean(r, "supports_seed", p.supports_seed);
  read_integer(r, "default_max_tokens", p.default_max_tokens, 1);
  read_integer(r, "max_stop_strings", p.max_stop_strings, 1);
  read_number(r, "default_temperature", p.default_temperature, 0);
  if (const auto v = r.find("reasoning_effort")) {
    p.reasoning_effort = v->one_of({"minimal", "low", "medium", "high"});
  }
  if (const auto extra = r.find("extra_body")) {
    if (!extra->is_object()) {
      extra->fail(fmt::format("expected an object, got {}", json::type_name(extra->raw())));
    }
    p.extra_body_json = json::to_string(extra->raw());
  }
  read_boolean(r, "stream", p.stream);
  read_boolean(r, "stream_include_usage", p.stream_include_usage);
  read_boolean(r, "http2", p.http2);
  if (const auto v = r.find("think_tags")) p.think_tags = parse_think_tags(*v);
  read_integer(r, "concurrency", p.concurrency, 1);
  read_number(r, "rpm", p.rpm, 0, true);
  read_number(r, "tpm", p.tpm, 0, true);
  read_number(r, "connect_timeout_s", p.connect_timeout_s, 0, true);
  read_number(r, "idle_timeout_s", p.idle_timeout_s, 0, true);
  read_number(r, "total_timeout_s", p.total_timeout_s, 0, true);
  read_integer(r, "max_attempts", p.max_attempts, 1);
  read_number(r, "backoff_base_s", p.backoff_base_s, 0);
  read_number(r, "backoff_max_s", p.backoff_max_s, 0);
  read_pricing(r, p);
  read_string(r, "notes", p.notes);
  r.reject_unknown();

  const json::Value& top = r.value();
  if (p.base_url.empty()) top.fail_at("base_url", "missing (e.g. \"http://127.0.0.1:8000/v1\")");
  if (!p.base_url.starts_with("http://") && !p.base_url.starts_with("https://")) {
    top.fail_at("base_url", fmt::format("\"{}\" must start with http:// or https://", p.base_url));
  }
  while (p.base_url.ends_with('/')) p.base_url.pop_back();
  if (p.api_model.empty()) top.fail_at("api_model", "missing (the \"model\" the server expects)");
  if (p.backoff_max_s < p.backoff_base_s) {
    top.fail_at("backoff_max_s", "must be >= backoff_base_s");
  }
}

}  // namespace

ModelProfile load_profile_file(const std::filesystem::path& file) {
  const json::Document document = json::Document::read_file(file);
  ModelProfile profile;
  profile.name = file.stem().string();
  json::StrictObject reader(document.root());
  read_fields(reader, profile);
  if (profile.name.empty()) reader.value().fail_at("name", "must not be empty");
  if (profile.display_name.empty()) profile.display_name = profile.name;
  profile.file = file;
  return profile;
}

ModelProfile resolve_profile(const std::string& name_or_path,
                             const std::filesystem::path& profiles_dir) {
  const std::filesystem::path as_path(name_or_path);
  if (name_or_path.find('/') != std::string::npos || as_path.extension() == ".json") {
    if (!std::filesystem::exists(as_path)) {
      throw UsageError(fmt::format("model profile file {} does not exist", name_or_path));
    }
    return load_profile_file(as_path);
  }
  const auto file = profiles_dir / (name_or_path + ".json");
  if (!std::filesystem::exists(file)) {
    std::vector<std::string> names;
    if (std::filesystem::is_directory(profiles_dir)) {
      for (const auto& e : std::filesystem::directory_iterator(profiles_dir)) {
        if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
      }
    }
    std::sort(names.begin(), names.end());
    throw UsageError(
        fmt::format("unknown model \"{}\": no {} (known: {}); or pass a path to a "
                    "profile .json",
                    name_or_path, file.string(),
                    names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  return load_profile_file(file);
}

std::vector<ModelProfile> list_profiles(const std::filesystem::path& profiles_dir) {
  std::vector<ModelProfile> profiles;
  if (!std::filesystem::is_directory(profiles_dir)) {
    throw UsageError(
        fmt::format("model profile directory {} does not exist", profiles_dir.string()));
  }
  for (const auto& entry : std::filesystem::directory_iterator(profiles_dir)) {
    if (entry.path().extension() == ".json") profiles.push_back(load_profile_file(entry.path()));
  }
  std::sort(profiles.begin(), profiles.end(),
            [](const ModelProfile& a, const ModelProfile& b) { return a.name < b.name; });
  return profiles;
}

}  // namespace rbench
