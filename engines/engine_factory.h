// The one place an Engine is made from the command line's choices: an OpenAI-compatible endpoint
// described by a model profile, or a checkpoint run in process on the built-in MoE engine. Every
// command that runs a model (run, its judge, serve, probe latency, engine generate) goes through
// here, so they accept the same options and refuse the same mistakes with the same words.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/api/engine.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/openai/model_profile.h"
#include "engines/openai/rate_limiter.h"

namespace rbench {

inline constexpr std::string_view kOpenAIEngine = "openai";
inline constexpr std::string_view kBuiltinEngine = "builtin";

struct EngineOptions {
  std::string engine = std::string(kOpenAIEngine);  // "openai" | "builtin"
  std::string model;      // a profile name or file; with "builtin", a checkpoint directory
  std::string base_url;   // endpoints: overrides the profile's
  std::string api_model;  // endpoints: overrides the profile's
  // Endpoints: the environment variables holding the API keys, overriding the profile's
  // api_key_env (a shard takes its own key); empty: the profile's.
  std::vector<std::string> api_key_envs;
  bool mtp = false;            // builtin: self-speculative greedy decoding with the MTP module
  int max_batch = 16;          // builtin: sequences decoded together
  std::string device = "cpu";  // builtin: cpu | cuda | cuda:N (engines/moe/engine/device_model.h)
  // builtin: the latent caches' bound, "512MiB" and the like (harness/core/byte_size.h); empty:
  // the device's default.
  std::string kv_cache_memory;
  // Endpoints: overrides the profile's retries (a probe measures each request once).
  std::optional<int> max_attempts;
  // Endpoints: override the profile's client-side rate limits (requests / tokens per minute).
  std::optional<double> rpm;
  std::optional<double> tpm;
  // builtin: "auto" (model is a checkpoint directory) | "dummy" (random weights of `shape`, no
  // checkpoint: vLLM's dummy loader), with the fields below.
  std::string load_format = "auto";
  std::string shape;                // "deepseek-v2-lite" | "deepseek-v3"
  int layers = 0;                   // the shape's first N decoder layers; 0: all
  std::string dummy_dtype = "fp8";  // "bf16" | "fp8"
  std::uint64_t dummy_seed = 0;
  std::string tokenizer;  // a tokenizer.json; empty: the byte tokenizer (byte_tokenizer.h)
};

// The dummy model `o` asks for, or nullopt with --load-format auto. UsageError for a bad value.
std::optional<moe::DummySpec> dummy_spec(const EngineOptions& o);

struct MadeEngine {
  std::unique_ptr<Engine> engine;
  // The endpoint's profile with the overrides applied, or one made for the checkpoint: name
  // builtin:NAME[+mtp], api_model NAME@DIGEST[+mtp] (the weights' digest: a run's fingerprint
  // keeps it, so other weights start another run), no price, concurrency = max_batch.
  ModelProfile profile;
  // The model as probes and default labels name it: --api-model when given, else the profile's.
  std::string model_name;
  // builtin: the checkpoint's tokenizer.json when it has one (a dummy model's --tokenizer);
  // empty otherwise.
  std::filesystem::path tokenizer;
  bool builtin = false;
};

// The rate limiters of one command's engines: one per API key (the set of environment variable
// names a profile reads) or, for a profile without a key, per profile file, shared by every
// model that uses it, so that two models on one key stay under the key's limit together.
class SharedRateLimiters {
 public:
  // The limiter for `profile`'s key, made with its rpm/tpm the first time; null when the profile
  // sets neither. Throws UsageError when models sharing a key ask for different limits.
  std::shared_ptr<RateLimiter> for_profile(const ModelProfile& profile);

 private:
  struct Entry {
    std::shared_ptr<RateLimiter> limiter;
    std::string profile;  // the first profile that used it, for the error
  };
  std::mutex mutex_;
  std::map<std::string, Entry> by_key_;
};

// Throws UsageError, prefixed with `command` ("run", "probe latency"), for an unknown engine or
// an option that does not apply to the chosen one. make_engine() checks too; commands call this
// first to refuse bad flags before any slow work.
void check_engine_options(const EngineOptions& options, std::string_view command);

// Opens the checkpoint options.model on the built-in engine (mtp, max_batch, device); for commands
// that
// need the engine's own token-level API (`engine generate`).
std::unique_ptr<moe::BuiltinEngine> open_builtin_engine(const EngineOptions& options);

// Profiles are resolved in `profiles_dir` (name.json) unless options.model is a file path. An
// endpoint's rate limiter comes from `limiters` when given (shared with the command's other
// engines), else one of its own.
MadeEngine make_engine(const EngineOptions& options, const std::filesystem::path& profiles_dir,
                       std::string_view command, SharedRateLimiters* limiters = nullptr);

}  // namespace rbench
