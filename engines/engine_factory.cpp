// Engines from EngineOptions: the endpoint client over a resolved profile, or the built-in engine
// over a checkpoint with a profile made for it.
#include "engines/engine_factory.h"

#include <fmt/format.h>

#include <algorithm>

#include "engines/moe/engine/device_model.h"
#include "engines/openai/openai_client.h"
#include "harness/core/byte_size.h"
#include "harness/core/error.h"

namespace rbench {
namespace {

// A checkpoint's name is its folder's, with or without a trailing slash.
std::string checkpoint_name(const std::filesystem::path& dir) {
  std::string name = dir.filename().string();
  if (name.empty()) name = dir.parent_path().filename().string();
  return name;
}

// No endpoint, no price (a local run costs what the machine costs); greedy by default.
MadeEngine make_builtin(const EngineOptions& o) {
  MadeEngine made;
  made.builtin = true;
  const std::optional<moe::DummySpec> dummy = dummy_spec(o);
  // A dummy model is named by its spec; --mtp is in the suffix below, as for checkpoints.
  const std::string name = dummy ? moe::dummy_name({.shape = dummy->shape,
                                                    .layers = dummy->layers,
                                                    .dtype = dummy->dtype,
                                                    .seed = dummy->seed})
                                 : checkpoint_name(o.model);
  // With MTP the text is the same but the timings are not: another model, another run.
  const std::string mtp = o.mtp ? "+mtp" : "";
  // Another device computes in another order: a run on CUDA is another run, compared with the
  // CPU's as another model.
  const moe::DeviceSpec device = moe::parse_device(o.device);
  const bool cuda = device.kind == moe::DeviceSpec::Kind::cuda;
  const std::string suffix = mtp + (cuda ? "+cuda" : "");
  made.profile.name = "builtin:" + name + suffix;
  made.profile.display_name = fmt::format("{} (built-in engine, {}{})", name, cuda ? "CUDA" : "CPU",
                                          o.mtp ? ", MTP speculative" : "");
  made.profile.provider = "rbench built-in engine";
  made.profile.concurrency = o.max_batch;
  made.profile.pricing.note = "local engine: no per-token price";
  auto engine = open_builtin_engine(o);
  made.profile.api_model = fmt::format("{}@{}{}", name, engine->checkpoint_digest(), suffix);
  made.model_name = made.profile.name;
  const std::filesystem::path tokenizer = dummy ? std::filesystem::path(o.tokenizer)
                                                : std::filesystem::path(o.model) / "tokenizer.json";
  if (!tokenizer.empty() && std::filesystem::exists(tokenizer)) made.tokenizer = tokenizer;
  made.engine = std::move(engine);
  return made;
}

MadeEngine make_endpoint(const EngineOptions& o, const std::filesystem::path& profiles_dir,
                         SharedRateLimiters* limiters) {
  MadeEngine made;
  made.profile = resolve_profile(o.model, profiles_dir);
  if (!o.base_url.empty()) made.profile.base_url = o.base_url;
  if (!o.api_model.empty()) made.profile.api_model = o.api_model;
  if (!o.api_key_envs.empty()) made.profile.api_key_envs = o.api_key_envs;
  if (o.max_attempts) made.profile.max_attempts = *o.max_attempts;
  if (o.rpm) made.profile.rpm = o.rpm;
  if (o.tpm) made.profile.tpm = o.tpm;
  made.model_name = !o.api_model.empty() ? o.api_model : made.profile.name;
  SharedRateLimiters own;
  made.engine = std::make_unique<OpenAIClient>(
      made.profile, (limiters != nullptr ? *limiters : own).for_profile(made.profile));
  return made;
}

bool is_dummy(const EngineOptions& o) {
  return o.load_format == "dummy";
}

// The dummy loader's flags: only with --load-format dummy on the built-in engine, and with a
// shape; --model then has nothing to name.
void check_dummy_options(const EngineOptions& o, std::string_view command) {
  if (o.load_format != "auto" && o.load_format != "dummy") {
    throw UsageError(
        fmt::format("{}: --load-format '{}' is not one of auto, dummy", command, o.load_format));
  }
  if (!is_dummy(o)) {
    if (!o.shape.empty() || o.layers != 0 || o.dummy_dtype != "fp8" || o.dummy_seed != 0 ||
        !o.tokenizer.empty()) {
      throw UsageError(
          fmt::format("{}: --shape, --layers, --dummy-dtype, --dummy-seed and --tokenizer apply to "
                      "--load-format dummy (a checkpoint directory brings its own)",
                      command));
    }
    return;
  }
  if (o.engine != kBuiltinEngine) {
    throw UsageError(fmt::format(
        "{}: --load-format dummy applies to --engine builtin (an endpoint has its own weights)",
        command));
  }
  if (!o.model.empty()) {
    throw UsageError(fmt::format(
        "{}: --load-format dummy makes its own weights: drop --model {} (or drop --load-format "
        "dummy to load the checkpoint)",
        command, o.model));
  }
  if (o.shape.empty()) {
    throw UsageError(
        fmt::format("{}: --load-format dummy needs --shape deepseek-v2-lite|deepseek-v3", command));
  }
  if (!o.tokenizer.empty() && !std::filesystem::is_regular_file(o.tokenizer)) {
    throw UsageError(
        fmt::format("{}: --tokenizer {}: no such file (a tokenizer.json)", command, o.tokenizer));
  }
  try {
    moe::dummy_config(*dummy_spec(o));
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", command, e.what()));
  }
}

std::string describe_limits(std::optional<double> rpm, std::optional<double> tpm) {
  const auto part = [](std::optional<double> v) {
    return v ? fmt::format("{}", *v) : std::string("none");
  };
  return fmt::format("rpm {}, tpm {}", part(rpm), part(tpm));
}

}  // namespace

std::shared_ptr<RateLimiter> SharedRateLimiters::for_profile(const ModelProfile& p) {
  if (!p.rpm && !p.tpm) return nullptr;
  // Several names are one key set: the client rotates over them, and the limit is theirs.
  std::string key;
  for (const std::string& name : p.api_key_envs) key += "env:" + name + ",";
  if (key.empty()) key = "profile:" + (p.file.empty() ? p.name : p.file.string());
  std::lock_guard lock(mutex_);
  auto [it, made] = by_key_.try_emplace(key);
  Entry& entry = it->second;
  if (made) {
    entry.limiter = std::make_shared<RateLimiter>(p.rpm, p.tpm);
    entry.profile = p.name;
  } else if (entry.limiter->requests_per_minute() != p.rpm ||
             entry.limiter->tokens_per_minute() != p.tpm) {
    throw UsageError(fmt::format(
        "models {} and {} share the API key {} but ask for different rate limits ({} and {}): "
        "the limit is the key's, so give them the same rpm and tpm (or --rpm/--tpm)",
        entry.profile, p.name, key.substr(key.find(':') + 1),
        describe_limits(entry.limiter->requests_per_minute(), entry.limiter->tokens_per_minute()),
        describe_limits(p.rpm, p.tpm)));
  }
  return entry.limiter;
}

std::optional<moe::DummySpec> dummy_spec(const EngineOptions& o) {
  if (!is_dummy(o)) return std::nullopt;
  if (o.dummy_dtype != "bf16" && o.dummy_dtype != "fp8") {
    throw UsageError(fmt::format("--dummy-dtype '{}' is not one of bf16, fp8", o.dummy_dtype));
  }
  return moe::DummySpec{.shape = o.shape,
                        .layers = o.layers,
                        .dtype = o.dummy_dtype == "fp8" ? moe::DType::f8_e4m3 : moe::DType::bf16,
                        .seed = o.dummy_seed,
                        .mtp = o.mtp};
}

void check_engine_options(const EngineOptions& o, std::string_view command) {
  if (o.engine != kOpenAIEngine && o.engine != kBuiltinEngine) {
    throw UsageError(
        fmt::format("{}: --engine '{}' is not one of openai, builtin", command, o.engine));
  }
  if (o.engine == kBuiltinEngine && (!o.base_url.empty() || !o.api_model.empty())) {
    throw UsageError(fmt::format(
        "{}: --base-url and --api-model apply to endpoints, not --engine builtin", command));
  }
  if (o.engine == kBuiltinEngine && !o.api_key_envs.empty()) {
    throw UsageError(
        fmt::format("{}: --api-key-env applies to endpoints, not --engine builtin", command));
  }
  for (std::size_t i = 0; i < o.api_key_envs.size(); ++i) {
    const std::string& name = o.api_key_envs[i];
    if (name.empty()) {
      throw UsageError(fmt::format(
          "{}: --api-key-env: an empty variable name (expected NAME, repeated or NAME,NAME)",
          command));
    }
    if (std::find(o.api_key_envs.begin(), o.api_key_envs.begin() + i, name) !=
        o.api_key_envs.begin() + i) {
      throw UsageError(fmt::format("{}: --api-key-env: {} is named twice", command, name));
    }
  }
  if ((o.rpm || o.tpm) && o.engine == kBuiltinEngine) {
    throw UsageError(fmt::format(
        "{}: --rpm and --tpm apply to endpoints, not --engine builtin (it paces itself)", command));
  }
  if (o.mtp && o.engine != kBuiltinEngine) {
    throw UsageError(fmt::format("{}: --mtp applies to --engine builtin", command));
  }
  if (o.device != "cpu" && o.engine != kBuiltinEngine) {
    throw UsageError(fmt::format("{}: --device applies to --engine builtin", command));
  }
  try {
    moe::parse_device(o.device);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", command, e.what()));
  }
  check_dummy_options(o, command);
  if (o.engine == kBuiltinEngine && o.max_batch < 1) {
    throw UsageError(fmt::format("{}: --max-batch must be >= 1, not {}", command, o.max_batch));
  }
  if (!o.kv_cache_memory.empty()) {
    if (o.engine != kBuiltinEngine) {
      throw UsageError(fmt::format("{}: --kv-cache-memory applies to --engine builtin", command));
    }
    try {
      parse_byte_size(o.kv_cache_memory, "--kv-cache-memory");
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", command, e.what()));
    }
  }
}

std::unique_ptr<moe::BuiltinEngine> open_builtin_engine(const EngineOptions& o) {
  moe::BuiltinEngineOptions options = moe::BuiltinEngineOptions::with_max_batch(o.max_batch);
  options.mtp = o.mtp;
  options.device = o.device;
  if (!o.kv_cache_memory.empty()) {
    options.kv_cache_bytes = parse_byte_size(o.kv_cache_memory, "--kv-cache-memory");
  }
  if (const auto dummy = dummy_spec(o)) {
    return moe::BuiltinEngine::open_dummy(*dummy, o.tokenizer, options);
  }
  return moe::BuiltinEngine::open(o.model, options);
}

MadeEngine make_engine(const EngineOptions& o, const std::filesystem::path& profiles_dir,
                       std::string_view command, SharedRateLimiters* limiters) {
  check_engine_options(o, command);
  return o.engine == kBuiltinEngine ? make_builtin(o) : make_endpoint(o, profiles_dir, limiters);
}

}  // namespace rbench
