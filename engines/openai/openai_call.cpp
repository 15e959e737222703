// One OpenAIClient call as steps on the event loop: an attempt is a transfer on the loop, a retry's
// wait and a rate limit's deferral are the loop's timers, and `done` hears the outcome once.
// What is retried: 408/429/5xx statuses, connection failures, timeouts, a stream cut before [DONE]
// and malformed chunks; what is not: other 4xx (the request itself is wrong) and cancellation.
// Each retry waits the server's Retry-After (up to backoff_max_s) or a full-jitter exponential
// backoff.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "engines/openai/openai_client.h"
#include "engines/openai/openai_request.h"
#include "engines/openai/openai_response.h"
#include "engines/openai/rate_limiter.h"
#include "engines/openai/retry_policy.h"
#include "harness/core/clock.h"
#include "harness/net/event_loop.h"
#include "harness/net/sse_parser.h"

namespace rbench {

using LoopClock = std::chrono::steady_clock;  // the event loop's: waits and deadlines

// The outcome of one HTTP attempt.
struct OpenAIClient::Attempt {
  Completion completion;  // text, usage and timings when ok; error_kind and error otherwise
  bool retryable = false;
  std::optional<double> retry_after_s;
};

namespace {

// Forwards a stop request (the caller's, or the client's closing) to the call's own source.
struct ForwardStop {
  mutable std::stop_source target;
  void operator()() const { target.request_stop(); }
};

// Wakes a call's wait when it is stopped: posts the check to the loop, where the call lives.
struct WakeOnStop {
  std::move_only_function<void()>* wake = nullptr;
  void operator()() const { (*wake)(); }
};

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

// What the rate limiter reserves for a request: its prompt at about four characters a token plus
// the most it may generate. The usage settles the difference.
constexpr std::int64_t kCompletionEstimate = 1024;  // when neither request nor profile caps it
std::int64_t estimate_tokens(const ChatRequest& r, const ModelProfile& p) {
  std::size_t chars = r.prompt.size();
  for (const ChatMessage& m : r.messages) chars += m.content.size();
  const std::int64_t out = r.sampling.max_tokens  ? *r.sampling.max_tokens
                           : p.default_max_tokens ? *p.default_max_tokens
                                                  : kCompletionEstimate;
  return static_cast<std::int64_t>(chars / 4) + 1 + out;
}

}  // namespace

struct OpenAIClient::Call {
  CompletionApi api = CompletionApi::chat;
  std::string url;
  std::string body;
  TokenSink* sink = nullptr;
  std::move_only_function<void(Completion)> done;
  std::stop_source cancel;  // the caller's stop or the client's closing
  std::optional<std::stop_callback<ForwardStop>> on_caller_stop;
  std::optional<std::stop_callback<ForwardStop>> on_closing;
  std::mt19937_64 rng;
  std::size_t first_key = 0;
  int attempts = 0;  // made so far
  Completion last;   // of the last attempt
  std::int64_t estimate = 0;
  bool reserved = false;  // the limiter holds `estimate` for the coming attempt
  // The attempt in progress.
  std::optional<ResponseAccumulator> response;
  http::SseParser sse;
  std::optional<bool> json_body;  // decided by the first body bytes' Content-Type
  std::string json_text;
  rbench::Clock::Monotonic::time_point t0;  // the attempt's start, read from clock_
  // A wait in progress (retry backoff, rate limit): ended by its timer or by a stop.
  bool waiting = false;
  std::uint64_t wait_seq = 0;
  std::move_only_function<void()> wake;
  std::optional<std::stop_callback<WakeOnStop>> on_wait_stop;
};

void OpenAIClient::submit(ChatRequest request, TokenSink* sink, std::stop_token stop,
                          std::move_only_function<void(Completion)> done) {
  auto call = std::make_shared<Call>();
  call->api = request.prompt.empty() ? CompletionApi::chat : CompletionApi::text;
  call->url = call->api == CompletionApi::text ? completions_endpoint() : endpoint();
  call->body = build_request_body(profile_, request, profile_.stream);
  call->sink = sink;
  call->done = std::move(done);
  call->rng.seed(seed_ + 0x9e3779b97f4a7c15ULL * next_call_.fetch_add(1));
  const std::size_t keys = api_keys_.size();
  call->first_key = keys > 1 ? next_key_.fetch_add(1, std::memory_order_relaxed) : 0;
  call->estimate = estimate_tokens(request, profile_);
  call->on_caller_stop.emplace(stop, ForwardStop{call->cancel});
  call->on_closing.emplace(closing_.get_token(), ForwardStop{call->cancel});
  {
    std::lock_guard lock(calls_mutex_);
    ++live_calls_;
  }
  loop_->post([this, call] { begin_attempt(call); });
}

void OpenAIClient::begin_attempt(const std::shared_ptr<Call>& call) {
  if (call->cancel.stop_requested()) {
    fail(call->last, ErrorKind::cancelled, "cancelled");
    finish(call);
    return;
  }
  if (limiter_ && !call->reserved) {
    const auto now = LoopClock::now();
    const auto at = limiter_->reserve(call->estimate, now);
    call->reserved = true;
    if (at > now) {
      // Deferred on the loop's clock: no thread waits, and the server never sees the excess.
      wait_until(call, at, &OpenAIClient::send_attempt,
                 "cancelled while waiting for the client-side rate limit (--rpm/--tpm)");
      return;
    }
  }
  send_attempt(call);
}

void OpenAIClient::send_attempt(const std::shared_ptr<Call>& call) {
  const bool stream = profile_.stream;
  const std::size_t keys = api_keys_.size();
  http::PostRequest post{call->url,
                         call->body,
                         {"Content-Type: application/json"},
                         profile_.connect_timeout_s,
                         profile_.idle_timeout_s,
                         profile_.total_timeout_s};
  post.http2_prior_knowledge = profile_.http2;
  post.headers.push_back(stream ? "Accept: text/event-stream" : "Accept: application/json");
  if (keys > 0) {
    const std::string& key =
        api_keys_[(call->first_key + static_cast<std::size_t>(call->attempts)) % keys];
    post.headers.push_back("Authorization: Bearer " + key);
  }
  call->response.emplace(profile_.think_tags, call->sink, call->api);
  call->sse = http::SseParser{};
  call->json_body.reset();
  call->json_text.clear();
  // Timings are read from clock_ (monotonic), never from the wall clock.
  const rbench::Clock* clock = clock_.get();
  call->t0 = clock->monotonic();
  Call* c = call.get();  // alive while the transfer is: on_done holds it
  auto on_body = [c, clock, stream](std::string_view bytes, const http::ResponseHead& head) {
    if (!c->json_body) {
      // A server may answer a streaming request with a plain JSON completion.
      c->json_body = !stream || head.header("content-type").starts_with("application/json");
    }
    if (*c->json_body) {
      c->json_text.append(bytes);
      return true;
    }
    for (const auto& event : c->sse.feed(bytes)) {
      if (c->response->done()) break;
      if (!c->response->on_stream_data(event.data, clock->seconds_since(c->t0))) return false;
    }
    return true;
  };
  loop_->start(
      std::move(post), std::move(on_body),
      [this, call](http::PostResult result) { end_attempt(call, result); },
      call->cancel.get_token());
}

void OpenAIClient::end_attempt(const std::shared_ptr<Call>& call, const http::PostResult& result) {
  Attempt attempt = evaluate(*call, result);
  const int retry = call->attempts++;
  if (limiter_ && call->reserved) {
    const Usage& u = attempt.completion.usage;
    const bool known = u.prompt_tokens >= 0 && u.completion_tokens >= 0;
    limiter_->settle(call->estimate,
                     known ? u.prompt_tokens + u.completion_tokens : call->estimate);
    call->reserved = false;
  }
  call->response.reset();
  call->last = std::move(attempt.completion);
  const Completion& last = call->last;
  if (last.ok() || last.error_kind == ErrorKind::cancelled || !attempt.retryable ||
      call->attempts >= std::max(1, profile_.max_attempts)) {
    finish(call);
    return;
  }
  double wait = attempt.retry_after_s ? std::min(*attempt.retry_after_s, profile_.backoff_max_s)
                                      : backoff_delay_s(retry, profile_.backoff_base_s,
                                                        profile_.backoff_max_s, call->rng);
  // A rate limit is the key's: the next key may have room now. Once every key has had its turn,
  // wait as with one key.
  const std::size_t keys = api_keys_.size();
  if (last.http_status == 429 && keys > 1 && (static_cast<std::size_t>(retry) + 1) % keys != 0) {
    wait = 0;
  }
  const auto at = LoopClock::now() + std::chrono::duration_cast<LoopClock::duration>(
                                         std::chrono::duration<double>(wait));
  wait_until(call, at, &OpenAIClient::begin_attempt,
             "cancelled while waiting to retry after: " + last.error);
}

void OpenAIClient::wait_until(const std::shared_ptr<Call>& call, LoopClock::time_point at,
                              Step next, std::string on_cancel) {
  if (call->cancel.stop_requested()) {
    fail(call->last, ErrorKind::cancelled, std::move(on_cancel));
    finish(call);
    return;
  }
  const std::uint64_t seq = ++call->wait_seq;
  call->waiting = true;
  // Both ends of the wait run on the loop; whichever comes first ends it, the other finds it over.
  // They touch the client only while the call waits, so a stale one never outlives the client.
  call->wake = [this, call, seq, message = std::move(on_cancel)]() mutable {
    loop_->post([this, call, seq, message = std::move(message)]() mutable {
      if (!call->waiting || call->wait_seq != seq) return;
      call->waiting = false;
      fail(call->last, ErrorKind::cancelled, std::move(message));
      finish(call);
    });
  };
  call->on_wait_stop.emplace(call->cancel.get_token(), WakeOnStop{&call->wake});
  loop_->post_at(at, [this, call, seq, next] {
    if (!call->waiting || call->wait_seq != seq) return;
    call->waiting = false;
    call->on_wait_stop.reset();
    call->wake = nullptr;
    (this->*next)(call);
  });
}

void OpenAIClient::finish(const std::shared_ptr<Call>& call) {
  call->waiting = false;
  call->on_wait_stop.reset();
  call->wake = nullptr;  // it holds the call: a cycle until dropped
  call->on_caller_stop.reset();
  call->on_closing.reset();
  if (limiter_ && call->reserved) limiter_->settle(call->estimate, 0);  // never sent
  Completion last = std::move(call->last);
  const int attempts = call->attempts;
  last.attempts = attempts;
  if (!last.ok()) {
    // Never an answer from a failed request: what streamed before the failure is dropped.
    const int status = last.http_status;
    const ErrorKind kind = last.error_kind;
    std::string message = fmt::format("{} (POST {}; {} attempt{})", last.error, call->url, attempts,
                                      attempts == 1 ? "" : "s");
    last = Completion{};
    last.attempts = attempts;
    last.http_status = status;
    fail(last, kind, redact(std::move(message)));
  }
  // The last touch of this client, even when `done` throws: its destructor may go on once the
  // count is zero.
  struct Release {
    OpenAIClient* client;
    ~Release() {
      std::lock_guard lock(client->calls_mutex_);
      if (--client->live_calls_ == 0) client->calls_done_.notify_all();
    }
  } release{this};
  auto done = std::move(call->done);
  done(std::move(last));
}

OpenAIClient::Attempt OpenAIClient::evaluate(Call& call, const http::PostResult& result) const {
  ResponseAccumulator& response = *call.response;
  const double e2e = clock_->seconds_since(call.t0);
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
  if (call.json_body.value_or(false) && !response.on_json_body(call.json_text, e2e)) {
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
  if (!response.done() && !(response.saw_finish_reason() && !call.sse.has_partial_event())) {
    fail(c, ErrorKind::protocol,
         call.json_body.value_or(false) || result.body_started
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
