// A model profile: how to reach a model over the OpenAI-compatible API and what it costs.
// Profiles live as JSON in data/models/; a user may also pass a path to their own file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/api/think_splitter.h"

namespace rbench {

struct Pricing {
  // USD per million tokens; reasoning tokens are billed as output tokens.
  std::optional<double> input_per_mtok;
  std::optional<double> output_per_mtok;
  std::string as_of;   // date the price was read, YYYY-MM-DD
  std::string source;  // where it was read
  std::string note;
  bool known() const { return input_per_mtok && output_per_mtok; }
};

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
  // Client behaviour.
  int concurrency = 4;
  double connect_timeout_s = 10;
  double idle_timeout_s = 120;  // longest silence between chunks
  double total_timeout_s = 1800;
  int max_attempts = 5;
  double backoff_base_s = 1;
  double backoff_max_s = 60;
  Pricing pricing;
  std::string notes;
  std::filesystem::path file;  // where it was read from

  // Cost of one call from its usage; 0 when no price is known or usage is missing.
  double cost_usd(long long prompt_tokens, long long completion_tokens) const;
};

// Reads a profile file; throws DataError naming the file and field on bad content.
ModelProfile load_profile_file(const std::filesystem::path& file);

// `name_or_path` is a profile name found in `profiles_dir` (name.json) or a path to a JSON file.
ModelProfile resolve_profile(const std::string& name_or_path,
                             const std::filesystem::path& profiles_dir);

// All profiles in the directory, sorted by name.
std::vector<ModelProfile> list_profiles(const std::filesystem::path& profiles_dir);

}  // namespace rbench
