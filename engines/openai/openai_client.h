// The Engine for any OpenAI-compatible /chat/completions endpoint (OpenAI, DeepSeek, Gemini's
// compatibility layer, vLLM, Ollama, rbench serve): streams by default, keeps reasoning apart
// from the answer, times the chunks, and retries what is worth retrying. A request with a raw
// `prompt` goes to /completions instead (base models), with the same retries and timings.
// Every request runs on an event loop (harness/net/event_loop.h) shared by all clients of the
// process: attempts, backoff waits and rate-limit deferrals are the loop's transfers and timers,
// so a slow endpoint holds thousands of requests on one thread, over kept-alive connections.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"

namespace rbench {

class Clock;
enum class CompletionApi;  // openai_response.h; kept out of here with its rapidjson
class RateLimiter;
namespace http {
class EventLoop;
struct PostResult;
}  // namespace http

class OpenAIClient final : public Engine {
 public:
  // Reads the API keys from the environment variables profile.api_key_envs, if it names any.
  // Throws UsageError when one of them is unset or empty (naming those), or the profile's extra
  // body is not a JSON object. Overrides (--base-url, --api-key-env, ...) are applied to the
  // profile by the caller. `limiter` (may be null: no limit) paces the attempts, shared with
  // the other clients of the same key; `loop` (null: the process's shared one) runs them.
  // `clock` (null: the machine's) is what the timings are read from: each attempt's start and
  // every chunk's arrival, on its monotonic clock (harness/core/clock.h). Waits and deadlines
  // are the loop's own, on steady_clock.
  explicit OpenAIClient(ModelProfile profile, std::shared_ptr<RateLimiter> limiter = nullptr,
                        std::shared_ptr<http::EventLoop> loop = nullptr,
                        std::shared_ptr<const Clock> clock = nullptr);
  ~OpenAIClient() override;

  // Never throws for request failures: they come back as Completion::error after
  // profile.max_attempts attempts, with no text (never a partial answer). Retry-After is
  // honoured up to profile.backoff_max_s. The sink hears text as it streams; when an attempt
  // fails mid-stream and is retried, it hears the new attempt from its start (t_s restarts).
  // With several keys, requests take them in turn and each retry moves to the next key; a 429
  // is retried at once on another key, and waited for once every key has had its turn.
  // Thread-safe. submit() + a wait; must not be called on the event loop's thread.
  Completion complete(const ChatRequest& request, TokenSink* sink, std::stop_token stop) override;
  // Returns at once; the request and its retries run on the event loop, and `done` (and the
  // sink) run on the loop's thread, so they must be quick. Requests still in flight when the
  // client is destroyed end as cancelled.
  void submit(ChatRequest request, TokenSink* sink, std::stop_token stop,
              std::move_only_function<void(Completion)> done) override;
  bool asynchronous() const override { return true; }
  std::string describe() const override;

  const ModelProfile& profile() const { return profile_; }
  http::EventLoop& loop() const { return *loop_; }
  std::string endpoint() const { return profile_.base_url + "/chat/completions"; }
  std::string completions_endpoint() const { return profile_.base_url + "/completions"; }

 private:
  struct Attempt;
  struct Call;
  // The steps of a call, each on the loop's thread (openai_call.cpp).
  void begin_attempt(const std::shared_ptr<Call>& call);
  void send_attempt(const std::shared_ptr<Call>& call);
  void end_attempt(const std::shared_ptr<Call>& call, const http::PostResult& result);
  using Step = void (OpenAIClient::*)(const std::shared_ptr<Call>&);
  // Runs `next` at `at` on the loop, or ends the call with `on_cancel` if it is stopped first.
  void wait_until(const std::shared_ptr<Call>& call, std::chrono::steady_clock::time_point at,
                  Step next, std::string on_cancel);
  void finish(const std::shared_ptr<Call>& call);
  Attempt evaluate(Call& call, const http::PostResult& result) const;
  std::string redact(std::string text) const;

  ModelProfile profile_;
  std::shared_ptr<RateLimiter> limiter_;
  std::shared_ptr<http::EventLoop> loop_;
  std::shared_ptr<const Clock> clock_;    // never null
  std::vector<std::string> api_keys_;     // in the order of profile_.api_key_envs
  std::atomic<std::size_t> next_key_{0};  // the first key of the next request
  std::uint64_t seed_;                    // of the calls' backoff jitter
  std::atomic<std::uint64_t> next_call_{0};
  // Calls in flight (they point at this client): the destructor cancels them and waits.
  std::stop_source closing_;
  std::mutex calls_mutex_;
  std::condition_variable calls_done_;
  std::int64_t live_calls_ = 0;
};

}  // namespace rbench
