// The engine flags every command that runs a model takes, declared once so that they mean the same
// and read the same in each command's --help: --engine, --model, --base-url, --api-model,
// --api-key-env, --mtp, --device, --kv-cache-memory, --max-batch, and --load-format dummy's
// --shape, --layers, --dummy-dtype, --dummy-seed, --tokenizer. A prefix gives a second set (the
// judge's:
// --judge-engine, --judge-base-url, ...).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "engines/engine_factory.h"

namespace rbench::cli {

struct EngineFlags {
  // "judge-" makes --judge-engine, --judge-base-url, --judge-api-model, --judge-mtp.
  std::string prefix;
  // The model's flag: --model, or --judge for the judge (its name before the group existed).
  std::string model_flag = "--model";
  std::string model_help;  // empty: the shared text
  bool model_required = true;
  std::string default_engine = std::string(kOpenAIEngine);
  int default_max_batch = 16;
  bool max_batch = true;  // declare --max-batch (the judge shares the judged model's)
  // `engine logits|generate`: a checkpoint on the built-in engine, so no --engine, --base-url or
  // --api-model; --model is a directory.
  bool builtin_only = false;
  bool mtp = true;              // declare --mtp
  bool kv_cache_memory = true;  // declare --kv-cache-memory (`engine logits` has no scheduler)
  // Declare --tokenizer (--load-format dummy's). `probe latency` has its own --tokenizer, which
  // it hands to a dummy model too.
  bool tokenizer = true;
  std::string mtp_help;  // empty: the shared text (`engine logits` gives --mtp its own meaning)
};

// Declares the flags on `cmd`, bound to `options` (its defaults set from `flags`). With `models`,
// --model is repeatable and binds there instead (`run`: one EngineOptions per model).
void add_engine_flags(CLI::App& cmd, EngineOptions& options, const EngineFlags& flags,
                      std::vector<std::string>* models = nullptr);

// make_engine() with the bundled profiles (data/models).
MadeEngine make_cli_engine(const EngineOptions& options, std::string_view command,
                           SharedRateLimiters* limiters = nullptr);

}  // namespace rbench::cli
