// Retry loop and one-attempt plumbing for OpenAIClient. What is retried: 408/429/5xx statuses,
// connection failures, timeouts, a stream cut before [DONE] and malformed chunks; what is not:
// other 4xx (the request itself is wrong) and cancellation. Each retry waits the server's
// Retry-After (up to backoff_max_s) or a full-jitter exponential backoff.
#include "engines/openai/openai_client.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "engines/openai/openai_request.h"
#include "engines/openai/openai_response.h"
#include "engines/openai/retry_policy.h"
#include "harness/core/error.h"
#include "harness/net/sse_parser.h"
#include "harness/net/streaming_post.h"

namespace rbench {

using Clock = std::chrono::steady_clock;

// The outcome of one HTTP attempt.
struct OpenAIClient::Attempt {
  Completion completion;  // text, usage and timings when ok; error_kind and error otherwise
  bool retryable = false;
  std::optional<double> retry_after_s;
};

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ErrorKind kind_of(http::TransferError e) {
  switch (e) {
    case http::TransferError::connect_timeout:
    case http::TransferError::idle_timeout:
    case http::TransferError::total_timeout:
      return ErrorKind::timeout;
    case http::TransferError::cancelled:
      return ErrorKind::cancelled;
    case http::TransferError::connection:
      return ErrorKind::connection;
    case http::TransferError::aborted:
      return ErrorKind::protocol;
    case http::TransferError::none:
      break;
  }
  return ErrorKind::none;
}

void fail(Completion& c, ErrorKind kind, std::string message) {
  c.error_kind = kind;
  c.error = std::move(message);
}

std::string status_error(long status, const std::string& body) {
  if (const auto server = parse_error_body(body)) {
    return fmt::format("HTTP {}: {}", status, server->message);
  }
  std::string text = body.substr(0, 200);
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, text);
}

}  // namespace

OpenAIClient::OpenAIClient(ModelProfile profile, std::shared_ptr<RateLimiter> limiter)
    : profile_(std::move(profile)), limiter_(std::move(limiter)) {
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
  const CompletionApi api = request.prompt.empty() ? CompletionApi::chat : CompletionApi::text;
  const std::string url = api == CompletionApi::text ? completions_endpoint() : endpoint();
  const std::string body = build_request_body(profile_, request, profile_.stream);
  std::mt19937_64 rng{std::random_device{}()};
  const std::size_t keys = api_keys_.size();
  const std::size_t first_key = keys > 1 ? next_key_.fetch_add(1, std::memory_order_relaxed) : 0;
  const std::string no_key;
  Completion last;
  const int max_attempts = std::max(1, profile_.max_attempts);
  int attempts = 0;
  for (int i = 0; i < max_attempts; ++i) {
    if (stop.stop_requested()) {
      fail(last, ErrorKind::cancelled, "cancelled");
      break;
    }
    const std::string& key = keys == 0 ? no_key : api_keys_[(first_key + i) % keys];
    Attempt attempt = attempt_once(url, api, body, key, sink, stop);
    ++attempts;
    last = std::move(attempt.completion);
    if (last.ok() || last.error_kind == ErrorKind::cancelled || !attempt.retryable) break;
    if (attempts == max_attempts) break;
    double wait = attempt.retry_after_s
                      ? std::min(*attempt.retry_after_s, profile_.backoff_max_s)
                      : backoff_delay_s(i, profile_.backoff_base_s, profile_.backoff_max_s, rng);
    // A rate limit is the key's: the next key may have room now. Once every key has had its
    // turn, wait as with one key.
    if (last.http_status == 429 && keys > 1 && (static_cast<std::size_t>(i) + 1) % keys != 0) {
      wait = 0;
    }
    if (!sleep_unless_stopped(wait, stop)) {
      fail(last, ErrorKind::cancelled, "cancelled while waiting to retry after: " + last.error);
      break;
    }
  }
  last.attempts = attempts;
  if (!last.ok()) {
    // Never an answer from a failed request: what streamed before the failure is dropped.
    const int status = last.http_status;
    const ErrorKind kind = last.error_kind;
    std::string message = fmt::format("{} (POST {}; {} attempt{})", last.error, url, attempts,
                                      attempts == 1 ? "" : "s");
    last = Completion{};
    last.attempts = attempts;
    last.http_status = status;
    fail(last, kind, redact(std::move(message)));
  }
  return last;
}

OpenAIClient::Attempt OpenAIClient::attempt_once(const std::string& url, CompletionApi api,
                                                 const std::string& body,
                                                 const std::string& api_key, TokenSink* sink,
                                                 std::stop_token stop) const {
  const bool stream = profile_.stream;
  http::PostRequest post{url,
                         body,
                         {"Content-Type: application/json"},
                         profile_.connect_timeout_s,
                         profile_.idle_timeout_s,
                         profile_.total_timeout_s};
  post.headers.push_back(stream ? "Accept: text/event-stream" : "Accept: application/json");
  if (!api_key.empty()) post.headers.push_back("Authorization: Bearer " + api_key);

  ResponseAccumulator response(profile_.think_tags, sink, api);
  http::SseParser sse;
  std::optional<bool> json_body;  // decided by the first body bytes' Content-Type
  std::string json_text;
  const auto t0 = Clock::now();
  const auto on_body = [&](std::string_view bytes, const http::ResponseHead& head) {
    if (!json_body) {
      // A server may answer a streaming request with a plain JSON completion.
      json_body = !stream || head.header("content-type").starts_with("application/json");
    }
    if (*json_body) {
      json_text.append(bytes);
      return true;
    }
    for (const auto& event : sse.feed(bytes)) {
      if (response.done()) break;
      if (!response.on_stream_data(event.data, seconds_since(t0))) return false;
    }
    return true;
  };
  const http::PostResult result = http::streaming_post(post, on_body, stop);
  const double e2e = seconds_since(t0);

  Attempt a;
  Completion& c = a.completion;
  c.http_status = static_cast<int>(result.head.status);
  const long status = result.head.status;
  const bool success_status = status >= 200 && status <= 299;
  if (result.error == http::TransferError::aborted) {
    fail(c, ErrorKind::protocol, response.protocol_error());
    a.retryable = true;
    return a;
  }
  if (result.error != http::TransferError::none) {
    const bool cut =
        result.error == http::TransferError::connection && result.body_started && success_status;
    fail(c, cut ? ErrorKind::protocol : kind_of(result.error),
         cut ? "stream cut before [DONE]: " + result.error_message
             : fmt::format("{}: {}", to_string(result.error), result.error_message));
    a.retryable = result.error != http::TransferError::cancelled;
    return a;
  }
  if (!success_status) {
    fail(c, ErrorKind::http, status_error(status, result.error_body));
    a.retryable = is_retryable_status(status);
    if (a.retryable) a.retry_after_s = parse_retry_after(result.head.header("retry-after"));
    return a;
  }
  if (json_body.value_or(false) && !response.on_json_body(json_text, e2e)) {
    fail(c, ErrorKind::protocol, response.protocol_error());
    a.retryable = true;
    return a;
  }
  response.finish(e2e);
  if (const auto& server = response.server_error()) {
    fail(c, ErrorKind::http, "server error in the response: " + server->message);
    a.retryable = !server->code || is_retryable_status(*server->code) || *server->code < 100;
    return a;
  }
  // A stream that ended cleanly without [DONE] is accepted only when the choice had finished
  // and no event was left half-sent; anything else was cut short.
  if (!response.done() && !(response.saw_finish_reason() && !sse.has_partial_event())) {
    fail(c, ErrorKind::protocol,
         json_body.value_or(false) || result.body_started
             ? "stream ended before [DONE] and before a finish_reason"
             : "empty response body");
    a.retryable = true;
    return a;
  }
  const int http_status = c.http_status;
  c = response.completion();
  c.http_status = http_status;
  c.timings.e2e_s = e2e;
  return a;
}

}  // namespace rbench
