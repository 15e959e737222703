// The Engine for any OpenAI-compatible /chat/completions endpoint (OpenAI, DeepSeek, Gemini's
// compatibility layer, vLLM, Ollama, rbench serve): streams by default, keeps reasoning apart
// from the answer, times the chunks, and retries what is worth retrying. A request with a raw
// `prompt` goes to /completions instead (base models), with the same retries and timings.
#pragma once

#include <string>

#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"

namespace rbench {

enum class CompletionApi;  // openai_response.h; kept out of here with its rapidjson

class OpenAIClient final : public Engine {
 public:
  // Reads the API key from the environment variable profile.api_key_env, if it names one.
  // Throws UsageError when that variable is unset or empty, or the profile's extra body is
  // not a JSON object. Overrides (--base-url, ...) are applied to the profile by the caller.
  explicit OpenAIClient(ModelProfile profile);

  // Never throws for request failures: they come back as Completion::error after
  // profile.max_attempts attempts, with no text (never a partial answer). Retry-After is
  // honoured up to profile.backoff_max_s. The sink hears text as it streams; when an attempt
  // fails mid-stream and is retried, it hears the new attempt from its start (t_s restarts).
  // Thread-safe.
  Completion complete(const ChatRequest& request, TokenSink* sink, std::stop_token stop) override;
  std::string describe() const override;

  const ModelProfile& profile() const { return profile_; }
  std::string endpoint() const { return profile_.base_url + "/chat/completions"; }
  std::string completions_endpoint() const { return profile_.base_url + "/completions"; }

 private:
  struct Attempt;
  Attempt attempt_once(const std::string& url, CompletionApi api, const std::string& body,
                       bool stream, TokenSink* sink, std::stop_token stop) const;
  std::string redact(std::string text) const;

  ModelProfile profile_;
  std::string api_key_;
};

}  // namespace rbench
