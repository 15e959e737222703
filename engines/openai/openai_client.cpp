// OpenAIClient's construction (API keys from the environment), complete() as submit() + a wait,
// and the redaction of keys from error messages. The calls themselves: openai_call.cpp.
#include "engines/openai/openai_client.h"

#include <fmt/format.h>

#include <cstdlib>
#include <future>
#include <random>

#include "engines/openai/openai_request.h"
#include "engines/openai/rate_limiter.h"
#include "harness/core/clock.h"
#include "harness/core/error.h"
#include "harness/net/event_loop.h"

namespace rbench {

OpenAIClient::OpenAIClient(ModelProfile profile, std::shared_ptr<RateLimiter> limiter,
                           std::shared_ptr<http::EventLoop> loop,
                           std::shared_ptr<const Clock> clock)
    : profile_(std::move(profile)),
      limiter_(std::move(limiter)),
      loop_(loop ? std::move(loop) : http::EventLoop::shared()),
      // The machine's clock lives as long as the process: held without ownership.
      clock_(clock
                 ? std::move(clock)
                 : std::shared_ptr<const Clock>(std::shared_ptr<const Clock>{}, &machine_clock())),
      seed_(std::random_device{}()) {
  std::vector<std::string> unset;
  for (const std::string& name : profile_.api_key_envs) {
    const char* key = std::getenv(name.c_str());
    if (!key || !*key) {
      unset.push_back(name);
    } else {
      api_keys_.emplace_back(key);
    }
  }
  if (unset.size() == 1 && profile_.api_key_envs.size() == 1) {
    throw UsageError(fmt::format(
        "model profile {} reads its API key from the environment variable {}, which is not "
        "set; export {}=... or use a profile without a key",
        profile_.name, unset[0], unset[0]));
  }
  if (!unset.empty()) {
    throw UsageError(fmt::format(
        "model profile {} reads its API keys from the environment variables {}; {} {} not "
        "set; export {} or name only the keys you have (--api-key-env)",
        profile_.name, fmt::join(profile_.api_key_envs, ", "), fmt::join(unset, ", "),
        unset.size() == 1 ? "is" : "are", unset.size() == 1 ? unset[0] + "=..." : "each"));
  }
  validate_extra_body(profile_);
}

OpenAIClient::~OpenAIClient() {
  // Calls still in flight end as cancelled; they hold a pointer to this client until then.
  closing_.request_stop();
  std::unique_lock lock(calls_mutex_);
  calls_done_.wait(lock, [this] { return live_calls_ == 0; });
}

std::string OpenAIClient::describe() const {
  return fmt::format("{} ({} at {}, OpenAI-compatible{})", profile_.name, profile_.api_model,
                     profile_.base_url, profile_.stream ? ", streaming" : "");
}

std::string OpenAIClient::redact(std::string text) const {
  for (const std::string& key : api_keys_) {
    for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
      text.replace(pos, key.size(), "[redacted]");
    }
  }
  return text;
}

Completion OpenAIClient::complete(const ChatRequest& request, TokenSink* sink,
                                  std::stop_token stop) {
  if (loop_->on_loop_thread()) {
    throw Error(
        "OpenAIClient::complete: called on the event loop's thread, which it would wait "
        "for; use submit() there");
  }
  std::promise<Completion> result;
  std::future<Completion> ready = result.get_future();
  submit(request, sink, std::move(stop),
         [&result](Completion c) { result.set_value(std::move(c)); });
  return ready.get();
}

}  // namespace rbench
