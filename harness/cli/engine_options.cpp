// The shared engine flags (engine_options.h). The help texts live here only: a command that
// runs a model shows the same line for each flag, with its own default.
#include "harness/cli/engine_options.h"

#include <fmt/format.h>

#include "harness/cli/commands.h"

namespace rbench::cli {
namespace {

std::string model_help(const EngineFlags& f, const std::string& engine_flag, bool repeatable) {
  if (!f.model_help.empty()) return f.model_help;
  const std::string checkpoint =
      "Checkpoint directory (config.json, *.safetensors, tokenizer.json)";
  if (f.builtin_only) return checkpoint;
  if (f.default_engine == kBuiltinEngine) {
    return fmt::format("{}; with {} openai, a model profile name or path to a profile JSON{}",
                       checkpoint, engine_flag, repeatable ? "; repeatable" : "");
  }
  return fmt::format(
      "Model profile name (see `rbench models`) or path to a profile JSON; with {} builtin, a "
      "checkpoint directory{}",
      engine_flag, repeatable ? "; repeatable" : "");
}

std::string mtp_help(const EngineFlags& f, const std::string& engine_flag) {
  if (!f.mtp_help.empty()) return f.mtp_help;
  const std::string what =
      "self-speculative decoding with the checkpoint's MTP module, or one added to a "
      "--load-format dummy model (greedy requests: the same text, sooner";
  if (f.builtin_only) return "S" + what.substr(1) + ")";
  return fmt::format("{} builtin: {}; runs and probes name the model builtin:NAME+mtp)",
                     engine_flag, what);
}

// vLLM's dummy loader: a published shape with random weights, no checkpoint.
void add_dummy_flags(CLI::App& cmd, EngineOptions& o, const EngineFlags& f,
                     const std::string& lead) {
  const std::string p = "--" + f.prefix;
  const std::string dummy = p + "load-format dummy: ";
  cmd.add_option(p + "load-format", o.load_format,
                 fmt::format("{}auto ({} is a checkpoint directory) | dummy (random weights of "
                             "{}shape, no checkpoint and no {}; on CUDA made in device memory)",
                             lead, f.model_flag, p, f.model_flag))
      ->capture_default_str();
  cmd.add_option(p + "shape", o.shape,
                 dummy + "the published widths, deepseek-v2-lite | deepseek-v3");
  cmd.add_option(p + "layers", o.layers, dummy + "keep the shape's first N decoder layers (0: all)")
      ->capture_default_str();
  cmd.add_option(p + "dummy-dtype", o.dummy_dtype,
                 dummy +
                     "bf16 | fp8 (128x128 blocks, as DeepSeek-V3's release; embeddings, norms, "
                     "router and LM head bf16)")
      ->capture_default_str();
  cmd.add_option(p + "dummy-seed", o.dummy_seed, dummy + "seed of the weights")
      ->capture_default_str();
  if (!f.tokenizer) return;
  cmd.add_option(p + "tokenizer", o.tokenizer,
                 dummy +
                     "a tokenizer.json (default: bytes plus the chat template's special tokens; "
                     "other ids print as <tok_ID>)");
}

}  // namespace

void add_engine_flags(CLI::App& cmd, EngineOptions& o, const EngineFlags& f,
                      std::vector<std::string>* models) {
  const std::string engine_flag = "--" + f.prefix + "engine";
  o.engine = f.builtin_only ? std::string(kBuiltinEngine) : f.default_engine;
  o.max_batch = f.default_max_batch;
  CLI::Option* model =
      models ? cmd.add_option(f.model_flag, *models, model_help(f, engine_flag, true))
             : cmd.add_option(f.model_flag, o.model, model_help(f, engine_flag, false));
  // Required unless --load-format dummy makes the weights: checked once parsing is done, with
  // CLI11's own words.
  if (f.model_required) {
    cmd.parse_complete_callback([model, &o] {
      if (model->count() == 0 && o.load_format != "dummy") {
        throw CLI::RequiredError(model->get_name());
      }
    });
  }
  if (!f.builtin_only) {
    cmd.add_option(engine_flag, o.engine,
                   fmt::format("openai (an OpenAI-compatible endpoint, {0} PROFILE) | builtin "
                               "(the built-in MoE engine, {0} DIR, on --device cpu or cuda)",
                               f.model_flag))
        ->capture_default_str();
    cmd.add_option("--" + f.prefix + "base-url", o.base_url,
                   "Endpoints: the base URL, up to /v1 (overrides the profile's)");
    cmd.add_option("--" + f.prefix + "api-model", o.api_model,
                   "Endpoints: the model id sent (overrides the profile's)");
    cmd.add_option("--" + f.prefix + "api-key-env", o.api_key_envs,
                   "Endpoints: the environment variable holding the API key (overrides the "
                   "profile's api_key_env); repeatable or NAME,NAME: requests rotate over the "
                   "keys, so a shard can take its own")
        ->delimiter(',');
  }
  if (f.mtp) cmd.add_flag("--" + f.prefix + "mtp", o.mtp, mtp_help(f, engine_flag));
  cmd.add_option(
         "--" + f.prefix + "device", o.device,
         fmt::format("{}here the forward pass runs: cpu (the reference) | cuda | cuda:N "
                     "(CUDA device N; decode steps replay CUDA graphs, RBENCH_CUDA_GRAPHS=0 "
                     "turns them off; not yet validated on a GPU, see scripts/gpu-check)",
                     f.builtin_only ? "W" : engine_flag + " builtin: w"))
      ->capture_default_str();
  if (f.kv_cache_memory) {
    cmd.add_option(
        "--" + f.prefix + "kv-cache-memory", o.kv_cache_memory,
        fmt::format("{}emory the latent KV caches may hold together, e.g. 512MiB or 2GiB "
                    "(default: unbounded on cpu; on cuda 90% of the memory the weights "
                    "leave, less a scratch reserve). Requests wait for room; when "
                    "running ones outgrow it the newest is preempted and recomputed "
                    "later (the same text)",
                    f.builtin_only ? "M" : engine_flag + " builtin: m"));
  }
  add_dummy_flags(cmd, o, f, f.builtin_only ? "" : engine_flag + " builtin: ");
  if (f.max_batch) {
    cmd.add_option("--" + f.prefix + "max-batch", o.max_batch,
                   f.builtin_only ? "Sequences decoded together"
                                  : engine_flag + " builtin: sequences decoded together")
        ->capture_default_str();
  }
}

MadeEngine make_cli_engine(const EngineOptions& options, std::string_view command,
                           SharedRateLimiters* limiters) {
  return make_engine(options, bundled_data_dir() / "models", command, limiters);
}

}  // namespace rbench::cli
