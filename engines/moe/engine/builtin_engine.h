// The built-in engine behind rbench's Engine interface: chat template (or a raw-text prompt for
// base-model completions), tokenizer, the CPU model and a batching scheduler. Requests from any
// number of threads join a shared decode loop between steps (prompts are prefilled in chunks beside
// other sequences' decode tokens), so concurrent requests share each read of the weights. Text
// streams to the caller's TokenSink on the caller's thread, split into reasoning and answer at
// </think>, with the same timing fields as the HTTP client. With the checkpoint's MTP module,
// greedy sequences decode self-speculatively (BuiltinEngineOptions::mtp).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "engines/moe/cpu/sampler.h"
#include "engines/moe/model/forward_model.h"
#include "engines/moe/model/model.h"
#include "engines/moe/model/random_weights.h"
#include "engines/moe/tokenizer/chat_template.h"
#include "engines/moe/tokenizer/tokenizer.h"

namespace rbench::moe {

struct BuiltinEngineOptions {
  int max_batch = 16;             // sequences advanced together in one step
  int prefill_chunk = 256;        // prompt tokens of one sequence per step
  int default_max_tokens = 2048;  // when the request gives none
  // Self-speculative decoding with the checkpoint's MTP module (which it must have): a greedy
  // sequence feeds [last token, draft] each step and keeps the draft when it is the greedy
  // token, plus the token after it. The text is the same as without; sampled sequences decode
  // as without.
  bool mtp = false;
  // Where the forward pass runs: "cpu", "cuda" or "cuda:N" (device_model.h).
  std::string device = "cpu";
  // Bytes the sequences' latent caches may hold together (--kv-cache-memory); 0: the device's
  // default (ForwardModel::default_cache_bytes(): unbounded on the CPU). The scheduler admits
  // and preempts sequences to stay within it (scheduler.h).
  std::size_t kv_cache_bytes = 0;
  ChatTemplateOptions chat;

  static BuiltinEngineOptions with_max_batch(int n) {
    BuiltinEngineOptions o;
    o.max_batch = n;
    return o;
  }
};

struct GenerateRequest {
  std::vector<std::int32_t> prompt;
  SamplerOptions sampler;
  int max_tokens = 256;
  std::vector<std::int32_t> stop_ids;  // EOS and the like; the stop token is reported, not kept
  int min_tokens = 0;  // stop tokens are kept from ending the sequence before this many
};

struct GenerateResult {
  std::vector<std::int32_t> tokens;  // generated, without a final stop token
  std::string finish_reason;         // "stop" | "length" | "cancelled"
  int prompt_tokens = 0;
  int generated = 0;  // tokens produced, the stop token included
  std::string error;  // non-empty when the model failed
  // Self-speculative decoding: drafts fed to the model, and those that were the greedy token.
  int draft_tokens = 0;
  int accepted_draft_tokens = 0;
  // Times the sequence was preempted (its cache dropped for others' and recomputed later).
  int preemptions = 0;
};

class Scheduler;  // scheduler.h

class BuiltinEngine final : public Engine {
 public:
  BuiltinEngine(std::shared_ptr<const ForwardModel> model,
                std::shared_ptr<const Tokenizer> tokenizer, std::filesystem::path dir,
                BuiltinEngineOptions options = {});
  ~BuiltinEngine() override;
  BuiltinEngine(const BuiltinEngine&) = delete;
  BuiltinEngine& operator=(const BuiltinEngine&) = delete;

  // DIR holds config.json, *.safetensors and tokenizer.json.
  static std::unique_ptr<BuiltinEngine> open(const std::filesystem::path& dir,
                                             BuiltinEngineOptions options = {});
  // `--load-format dummy`: random weights of spec's shape, no checkpoint (on options.device; on
  // CUDA generated in device memory). The tokenizer is `tokenizer_json` when given, else the
  // byte tokenizer (byte_tokenizer.h) with the config's BOS and EOS ids.
  static std::unique_ptr<BuiltinEngine> open_dummy(const DummySpec& spec,
                                                   const std::filesystem::path& tokenizer_json,
                                                   BuiltinEngineOptions options = {});

  Completion complete(const ChatRequest& request, TokenSink* sink, std::stop_token stop) override;
  std::string describe() const override;
  // Weights as loaded, the latent cache per token, parameters (builtin_engine_facts.cpp).
  EngineFacts facts() const override;

  // Token level, for `rbench engine generate`: `on_token` runs on the calling thread for each
  // generated token; returning false stops generation (finish "stop").
  GenerateResult generate(const GenerateRequest& request,
                          const std::function<bool(std::int32_t)>& on_token,
                          std::stop_token stop = {});

  // A digest of the checkpoint (config.json, tokenizer.json, and the safetensors files' sizes
  // plus bytes sampled every 64 MiB), so a run resumes only on the same weights; for a dummy
  // model, of its spec (dummy_digest) and of its --tokenizer file when it has one.
  std::string checkpoint_digest() const;

  std::vector<std::int32_t> chat_prompt(const std::vector<ChatMessage>& messages) const;
  // A raw-text prompt (no chat template) as vLLM's /v1/completions tokenises it: special tokens
  // in the text recognised, and the tokenizer's post-processor applied (DeepSeek's prepends BOS).
  // A tokenizer without one gets the config's bos_token_id, unless the text already starts so.
  std::vector<std::int32_t> raw_prompt(std::string_view text) const;
  std::vector<std::int32_t> stop_ids() const;  // EOS of the config and the tokenizer
  const ForwardModel& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<const ForwardModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::filesystem::path dir_;
  BuiltinEngineOptions options_;
  std::optional<DummySpec> dummy_;         // --load-format dummy: dir_ is then only its name
  std::filesystem::path dummy_tokenizer_;  // its --tokenizer, if any
  std::unique_ptr<Scheduler> scheduler_;
};

// Assembles streamed token bytes into complete UTF-8 and holds back text that may be the start
// of a stop string. feed() returns the text safe to emit; `stopped()` once a stop string appeared
// (the text before it is emitted, the stop string and anything after are not).
class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {}
  std::string feed(std::string_view bytes);
  std::string finish();  // what is held back, incomplete UTF-8 included
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string utf8_pending_;
  std::string text_pending_;
  bool stopped_ = false;
};

}  // namespace rbench::moe
