// A model profile: how to reach a model over the OpenAI-compatible API and what it costs.
// Profiles live as JSON in data/models/; a user may also pass a path to their own file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/api/pricing.h"
#include "engines/api/think_splitter.h"

namespace rbench {

struct ModelProfile {
  std::string name;          // profile name: the model label in the store and reports
  std::string display_name;  // "DeepSeek R1"
  std::string provider;
  std::string base_url;   // up to and including /v1
  std::string api_model;  // the "model" field sent
  // Environment variables holding the API keys; empty for none. With several, requests rotate
  // over them (one key per request, a retry on the next), spreading a rate limit over keys.
  std::vector<std::string> api_key_envs;
  // Request shape.
  std::string max_tokens_field = "max_tokens";  // o1: "max_completion_tokens"
  bool supports_temperature = true;             // o1 and deepseek-reasoner ignore or reject it
  bool supports_seed = true;
  std::optional<int> default_max_tokens;
  std::optional<double> default_temperature;
  std::optional<std::string> reasoning_effort;  // o1
  std::string extra_body_json;  // merged into the request body, e.g. chat_template_kwargs
  // Most stop strings the server accepts (OpenAI's own API: 4); the first ones are sent, and
  // rbench cuts the answer at the rest itself. Absent: all are sent.
  std::optional<int> max_stop_strings;
  bool stream = true;
  bool stream_include_usage = true;  // send stream_options.include_usage (some servers reject it)
  ThinkTags think_tags = ThinkTags::leading;
  // HTTP/2 over plain http:// by prior knowledge (h2c: vLLM behind an h2c proxy, nghttpd).
  // https:// negotiates HTTP/2 by itself; a plain server that speaks only HTTP/1.1 fails with it.
  bool http2 = false;
  // Client behaviour.
  int concurrency = 4;
  // Client-side rate limits, requests and tokens per minute (absent: none); one limiter per API
  // key, or per profile without a key (engines/openai/rate_limiter.h).
  std::optional<double> rpm;
  std::optional<double> tpm;
  double connect_timeout_s = 10;
  double idle_timeout_s = 120;  // longest silence between chunks
  double total_timeout_s = 1800;
  int max_attempts = 5;
  double backoff_base_s = 1;
  double backoff_max_s = 60;
  // The price in force now (the history's latest entry), and the dated history it ends; a
  // profile without a history (the built-in engine's) has an empty one.
  Pricing pricing;
  PriceHistory price_history;
  std::string notes;
  std::filesystem::path file;  // where it was read from

  // The price in force at `utc` (ISO 8601 UTC; "" = now).
  const Pricing& pricing_at(std::string_view utc) const {
    const Pricing* p = price_history.at(utc);
    return p != nullptr ? *p : pricing;
  }
};

// Reads a profile file; throws DataError naming the file and field on bad content.
ModelProfile load_profile_file(const std::filesystem::path& file);

// `name_or_path` is a profile name found in `profiles_dir` (name.json) or a path to a JSON file.
ModelProfile resolve_profile(const std::string& name_or_path,
                             const std::filesystem::path& profiles_dir);

// All profiles in the directory, sorted by name.
std::vector<ModelProfile> list_profiles(const std::filesystem::path& profiles_dir);

}  // namespace rbench
