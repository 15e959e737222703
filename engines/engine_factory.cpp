// Engines from EngineOptions: the endpoint client over a resolved profile, or the built-in engine
// over a checkpoint with a profile made for it.
#include "engines/engine_factory.h"

#include <fmt/format.h>

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
  const std::string name = checkpoint_name(o.model);
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
  const std::filesystem::path tokenizer = std::filesystem::path(o.model) / "tokenizer.json";
  if (std::filesystem::exists(tokenizer)) made.tokenizer = tokenizer;
  made.engine = std::move(engine);
  return made;
}

MadeEngine make_endpoint(const EngineOptions& o, const std::filesystem::path& profiles_dir) {
  MadeEngine made;
  made.profile = resolve_profile(o.model, profiles_dir);
  if (!o.base_url.empty()) made.profile.base_url = o.base_url;
  if (!o.api_model.empty()) made.profile.api_model = o.api_model;
  if (o.max_attempts) made.profile.max_attempts = *o.max_attempts;
  made.model_name = !o.api_model.empty() ? o.api_model : made.profile.name;
  made.engine = std::make_unique<OpenAIClient>(made.profile);
  return made;
}

}  // namespace

void check_engine_options(const EngineOptions& o, std::string_view command) {
  if (o.engine != kOpenAIEngine && o.engine != kBuiltinEngine) {
    throw UsageError(
        fmt::format("{}: --engine '{}' is not one of openai, builtin", command, o.engine));
  }
  if (o.engine == kBuiltinEngine && (!o.base_url.empty() || !o.api_model.empty())) {
    throw UsageError(fmt::format(
        "{}: --base-url and --api-model apply to endpoints, not --engine builtin", command));
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
  return moe::BuiltinEngine::open(o.model, options);
}

MadeEngine make_engine(const EngineOptions& o, const std::filesystem::path& profiles_dir,
                       std::string_view command) {
  check_engine_options(o, command);
  return o.engine == kBuiltinEngine ? make_builtin(o) : make_endpoint(o, profiles_dir);
}

}  // namespace rbench
