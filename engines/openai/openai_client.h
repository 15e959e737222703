// The Engine for any OpenAI-compatible /chat/completions endpoint (OpenAI, DeepSeek, Gemini's
// compatibility layer, vLLM, Ollama, rbench serve): streams by default, keeps reasoning apart
// from the answer, times the chunks, and retries what is worth retrying. A request with a raw
// `prompt` goes to /completions instead (base models), with the same retries and timings.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"
#include "engines/openai/rate_limiter.h"

namespace rbench {

enum class CompletionApi;  // openai_response.h; kept out of here with its rapidjson

class OpenAIClient final : public Engine {
 public:
  // Reads the API keys from the environment variables profile.api_key_envs, if it names any.
  // Throws UsageError when one of them is unset or empty (naming those), or the profile's extra
  // body is not a JSON object. Overrides (--base-url, --api-key-env, ...) are applied to the
  // profile by the caller. `limiter` (null: no limit) paces the requests; it may be shared with
  // other clients using the same key.
  explicit OpenAIClient(ModelProfile profile, std::shared_ptr<RateLimiter> limiter = nullptr);

  // Never throws for request failures: they come back as Completion::error after
  // profile.max_attempts attempts, with no text (never a partial answer). Retry-After is
  // honoured up to profile.backoff_max_s. The sink hears text as it streams; when an attempt
  // fails mid-stream and is retried, it hears the new attempt from its start (t_s restarts).
  // With several keys, requests take them in turn and each retry moves to the next key; a 429
  // is retried at once on another key, and waited for once every key has had its turn.
  // Thread-safe.
  Completion complete(const ChatRequest& request, TokenSink* sink, std::stop_token stop) override;
  std::string describe() const override;

  const ModelProfile& profile() const { return profile_; }
  const std::shared_ptr<RateLimiter>& rate_limiter() const { return limiter_; }
  std::string endpoint() const { return profile_.base_url + "/chat/completions"; }
  std::string completions_endpoint() const { return profile_.base_url + "/completions"; }

 private:
  struct Attempt;
  Attempt attempt_once(const std::string& url, CompletionApi api, const std::string& body,
                       const std::string& api_key, TokenSink* sink, std::stop_token stop) const;
  std::string redact(std::string text) const;

  ModelProfile profile_;
  std::vector<std::string> api_keys_;     // in the order of profile_.api_key_envs
  std::atomic<std::size_t> next_key_{0};  // the first key of the next request
  std::shared_ptr<RateLimiter> limiter_;
};

}  // namespace rbench
