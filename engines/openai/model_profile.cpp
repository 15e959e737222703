// Model profiles from JSON (data/models/*.json). Every key mirrors a ModelProfile field:
//
//   name (string; default: the file's stem)      display_name, provider (string)
//   base_url (string, required, http(s)://..., up to and including /v1)
//   api_model (string, required: the "model" sent)  api_key_env (string; "" or absent: no key)
//   max_tokens_field ("max_tokens" | "max_completion_tokens")
//   supports_temperature, supports_seed, stream, stream_include_usage (bool)
//   default_max_tokens (int > 0 or null)      default_temperature (number >= 0 or null)
//   reasoning_effort ("minimal" | "low" | "medium" | "high" or null)
//   max_stop_strings (int > 0 or null: all stop strings are sent)
//   extra_body (object merged into every request body; kept as extra_body_json)
//   think_tags ("off" | "leading" | "implicit_open")
//   concurrency (int >= 1)  max_attempts (int >= 1)
//   connect_timeout_s, idle_timeout_s, total_timeout_s (number > 0)
//   backoff_base_s, backoff_max_s (number >= 0, max >= base)
//   pricing: {input_per_mtok, output_per_mtok (USD per million tokens, number >= 0 or null),
//             as_of ("YYYY-MM-DD"), source (URL), note (string)}
//   notes (string)
//
// Unknown keys and wrong types are errors naming the file and the field: a typo in a profile
// must not silently fall back to a default.
#include "engines/openai/model_profile.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench {
namespace {

// Reads the members of one JSON object, remembering which were read so the rest can be
// reported as unknown.
class ObjectReader {
 public:
  ObjectReader(const rapidjson::Value& object, std::string file, std::string prefix)
      : object_(object), file_(std::move(file)), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw DataError(fmt::format("{}: field \"{}{}\": {}", file_, prefix_, field, what));
  }

  const rapidjson::Value* get(const char* field) {
    seen_.insert(field);
    const auto it = object_.FindMember(field);
    if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }
  void string(const char* field, std::string& out) {
    if (const auto* v = get(field)) {
      if (!v->IsString()) fail(field, "expected a string");
      out.assign(v->GetString(), v->GetStringLength());
    }
  }
  void boolean(const char* field, bool& out) {
    if (const auto* v = get(field)) {
      if (!v->IsBool()) fail(field, "expected true or false");
      out = v->GetBool();
    }
  }
  void number(const char* field, double& out, double min, bool exclusive = false) {
    if (const auto* v = get(field)) {
      if (!v->IsNumber()) fail(field, "expected a number");
      out = v->GetDouble();
      if (out < min || (exclusive && out == min)) {
        fail(field, fmt::format("must be {} {}", exclusive ? ">" : ">=", min));
      }
    }
  }
  void optional_number(const char* field, std::optional<double>& out, double min) {
    if (get(field)) {
      double value = 0;
      number(field, value, min);
      out = value;
    }
  }
  void integer(const char* field, int& out, int min) {
    if (const auto* v = get(field)) {
      if (!v->IsInt()) fail(field, "expected an integer");
      out = v->GetInt();
      if (out < min) fail(field, fmt::format("must be >= {}", min));
    }
  }
  void optional_integer(const char* field, std::optional<int>& out, int min) {
    if (get(field)) {
      int value = 0;
      integer(field, value, min);
      out = value;
    }
  }
  void one_of(const char* field, std::string& out, std::initializer_list<const char*> allowed) {
    const std::string before = out;
    string(field, out);
    if (out == before) return;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return out == a; })) {
      fail(field, fmt::format("\"{}\" is not one of: {}", out, fmt::join(allowed, ", ")));
    }
  }
  // Call last: every member not read is an error.
  void reject_unknown() const {
    for (const auto& m : object_.GetObject()) {
      const std::string name = m.name.GetString();
      if (!seen_.contains(name)) fail(name, "unknown field (a typo?)");
    }
  }

 private:
  const rapidjson::Value& object_;
  std::string file_;
  std::string prefix_;
  std::set<std::string> seen_;
};

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open model profile", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::pair<std::size_t, std::size_t> line_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

ThinkTags parse_think_tags(const std::string& value, const ObjectReader& reader) {
  if (value == "off") return ThinkTags::off;
  if (value == "leading") return ThinkTags::leading;
  if (value == "implicit_open") return ThinkTags::implicit_open;
  reader.fail("think_tags",
              fmt::format("\"{}\" is not one of: off, leading, implicit_open", value));
}

void read_pricing(ObjectReader& top, const std::string& file, Pricing& pricing) {
  const auto* v = top.get("pricing");
  if (!v) return;
  if (!v->IsObject()) top.fail("pricing", "expected an object");
  ObjectReader r(*v, file, "pricing.");
  r.optional_number("input_per_mtok", pricing.input_per_mtok, 0);
  r.optional_number("output_per_mtok", pricing.output_per_mtok, 0);
  r.string("as_of", pricing.as_of);
  r.string("source", pricing.source);
  r.string("note", pricing.note);
  if (!pricing.as_of.empty() &&
      !std::regex_match(pricing.as_of, std::regex(R"(\d{4}-\d{2}-\d{2})"))) {
    r.fail("as_of", "expected a date as YYYY-MM-DD");
  }
  r.reject_unknown();
}

void read_fields(ObjectReader& r, const std::string& file, ModelProfile& p) {
  r.string("name", p.name);
  r.string("display_name", p.display_name);
  r.string("provider", p.provider);
  r.string("base_url", p.base_url);
  r.string("api_model", p.api_model);
  r.string("api_key_env", p.api_key_env);
  r.one_of("max_tokens_field", p.max_tokens_field, {"max_tokens", "max_completion_tokens"});
  r.boolean("supports_temperature", p.supports_temperature);
  r.boolean("supports_seed", p.supports_seed);
  r.optional_integer("default_max_tokens", p.default_max_tokens, 1);
  r.optional_integer("max_stop_strings", p.max_stop_strings, 1);
  r.optional_number("default_temperature", p.default_temperature, 0);
  if (r.get("reasoning_effort")) {
    std::string effort;
    r.one_of("reasoning_effort", effort, {"minimal", "low", "medium", "high"});
    p.reasoning_effort = effort;
  }
  if (const auto* extra = r.get("extra_body")) {
    if (!extra->IsObject()) r.fail("extra_body", "expected an object");
    p.extra_body_json = json::to_string(*extra);
  }
  r.boolean("stream", p.stream);
  r.boolean("stream_include_usage", p.stream_include_usage);
  std::string think = std::string(to_string(p.think_tags));
  r.string("think_tags", think);
  p.think_tags = parse_think_tags(think, r);
  r.integer("concurrency", p.concurrency, 1);
  r.number("connect_timeout_s", p.connect_timeout_s, 0, true);
  r.number("idle_timeout_s", p.idle_timeout_s, 0, true);
  r.number("total_timeout_s", p.total_timeout_s, 0, true);
  r.integer("max_attempts", p.max_attempts, 1);
  r.number("backoff_base_s", p.backoff_base_s, 0);
  r.number("backoff_max_s", p.backoff_max_s, 0);
  read_pricing(r, file, p.pricing);
  r.string("notes", p.notes);
  r.reject_unknown();

  if (p.base_url.empty()) r.fail("base_url", "missing (e.g. \"http://127.0.0.1:8000/v1\")");
  if (!p.base_url.starts_with("http://") && !p.base_url.starts_with("https://")) {
    r.fail("base_url", fmt::format("\"{}\" must start with http:// or https://", p.base_url));
  }
  while (p.base_url.ends_with('/')) p.base_url.pop_back();
  if (p.api_model.empty()) r.fail("api_model", "missing (the \"model\" the server expects)");
  if (p.backoff_max_s < p.backoff_base_s) r.fail("backoff_max_s", "must be >= backoff_base_s");
}

}  // namespace

double ModelProfile::cost_usd(long long prompt_tokens, long long completion_tokens) const {
  if (!pricing.known() || prompt_tokens < 0 || completion_tokens < 0) return 0;
  return (static_cast<double>(prompt_tokens) * *pricing.input_per_mtok +
          static_cast<double>(completion_tokens) * *pricing.output_per_mtok) /
         1e6;
}

ModelProfile load_profile_file(const std::filesystem::path& file) {
  const std::string text = read_text(file);
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) {
    const auto [line, column] = line_column(text, doc.GetErrorOffset());
    throw DataError(fmt::format("{}:{}:{}: invalid JSON: {}", file.string(), line, column,
                                rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject())
    throw DataError(fmt::format("{}: a profile must be a JSON object", file.string()));
  ModelProfile profile;
  profile.name = file.stem().string();
  ObjectReader reader(doc, file.string(), "");
  read_fields(reader, file.string(), profile);
  if (profile.name.empty()) reader.fail("name", "must not be empty");
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
