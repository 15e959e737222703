// The one interface every model runner implements: the OpenAI-compatible HTTP client and the
// built-in MoE engine. A request goes in, a Completion with reasoning kept apart from the answer,
// usage and per-chunk timings comes out. Failures are values (Completion::error), not exceptions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rbench {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct SamplingParams {
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> top_k;  // not in OpenAI's API; vLLM and the built-in engine honour it
  std::optional<std::uint64_t> seed;
  std::optional<std::string> reasoning_effort;  // o1-style "low" | "medium" | "high"
  std::vector<std::string> stop;                // stop strings (not part of the output)
  // Output-length control for latency probes (vLLM's extensions, honoured by rbench serve and
  // the mock): keep generating past the end-of-sequence token until max_tokens, or at least
  // min_tokens before it may end. Sent only when set: OpenAI's own API rejects them.
  bool ignore_eos = false;
  std::optional<int> min_tokens;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  // Non-empty: a raw text completion (OpenAI's /v1/completions, no chat template), for base
  // models continuing a function header; `messages` is then unused.
  std::string prompt;
  SamplingParams sampling;
};

struct Usage {
  // -1 means the server did not report it.
  std::int64_t prompt_tokens = -1;
  std::int64_t completion_tokens = -1;
  std::int64_t reasoning_tokens = -1;
  // Of prompt_tokens, those served from the provider's prompt cache (billed at its cached rate).
  std::int64_t cached_prompt_tokens = -1;
  // Speculative decoding (the built-in engine with MTP): draft tokens proposed and those
  // accepted. Not stored with samples.
  std::int64_t draft_tokens = -1;
  std::int64_t accepted_draft_tokens = -1;
};

struct Timings {
  // Seconds since the request was first sent (of the attempt that succeeded); -1 when unknown.
  double ttft_s = -1;                 // first chunk carrying reasoning or answer text
  double e2e_s = -1;                  // last byte of the response
  std::vector<double> chunk_times_s;  // arrival of every chunk that carried text
};

enum class ErrorKind {
  none,
  http,        // a non-2xx status after all retries (429, 5xx, 4xx)
  timeout,     // connect, idle-between-chunks or total timeout
  connection,  // could not connect, connection reset
  protocol,    // malformed JSON, stream cut before [DONE], unexpected shape
  cancelled,   // the run was interrupted
  engine,      // an in-process engine failed
};

std::string_view to_string(ErrorKind kind);

struct Completion {
  std::string reasoning;      // reasoning_content / reasoning / <think>...</think>
  std::string answer;         // the visible answer, reasoning removed
  std::string finish_reason;  // "stop", "length", ... as the server said; "" when unknown
  Usage usage;
  Timings timings;
  int attempts = 0;     // HTTP attempts made, retries included
  int http_status = 0;  // of the last attempt; 0 when none or in-process
  ErrorKind error_kind = ErrorKind::none;
  std::string error;  // human-readable, never contains an API key

  bool ok() const { return error_kind == ErrorKind::none; }
  // Cut at max tokens: flagged and counted, never silently scored as wrong.
  bool truncated() const { return finish_reason == "length"; }
};

// What an engine knows of the model it runs, for the leaderboard's memory columns beside the
// measured speed. Every field is absent when unknown: an HTTP endpoint knows none of them.
struct EngineFacts {
  std::optional<std::int64_t> weight_bytes;        // the weights as held in memory
  std::optional<std::int64_t> kv_bytes_per_token;  // KV cache per token as the engine stores it
  // A multi-head cache of the same model (keys and values of every head, same element width):
  // what an MLA latent cache is compared against.
  std::optional<std::int64_t> kv_bytes_per_token_mha;
  std::optional<std::int64_t> parameters_total;
  std::optional<std::int64_t> parameters_active;  // per token (MoE: the routed experts chosen)
  // Where the engine runs: "cpu" or "cuda:N", the device's name ("NVIDIA H100 80GB HBM3") and
  // its total memory (unknown for the CPU), and the KV cache it held at most since the model
  // was loaded, with its capacity when the cache is bounded (a device's block pools).
  std::optional<std::string> device;
  std::optional<std::string> device_name;
  std::optional<std::int64_t> device_memory_bytes;
  std::optional<std::int64_t> cache_bytes_peak;
  std::optional<std::int64_t> cache_bytes_capacity;

  bool empty() const {
    return !weight_bytes && !kv_bytes_per_token && !kv_bytes_per_token_mha && !parameters_total &&
           !parameters_active && !device && !device_name && !device_memory_bytes &&
           !cache_bytes_peak && !cache_bytes_capacity;
  }
};

// Receives text as it streams. Called from the thread running complete().
class TokenSink {
 public:
  virtual ~TokenSink() = default;
  virtual void on_reasoning(std::string_view text, double t_s) = 0;
  virtual void on_answer(std::string_view text, double t_s) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Thread-safe: the runner calls it from many threads at once.
  // `stop` requests cancellation; the Completion then has ErrorKind::cancelled.
  virtual Completion complete(const ChatRequest& request, TokenSink* sink,
                              std::stop_token stop) = 0;
  // Starts a request and returns; `done` is called exactly once with its result, from a thread
  // of the engine's (or, by default, from this one: the default runs complete() here and so
  // blocks). An engine whose submit() returns at once without a thread per request says so in
  // asynchronous(): the runner then keeps --concurrency requests in flight from one thread,
  // instead of one thread per request. `sink` and `stop` must outlive the call to `done`.
  virtual void submit(ChatRequest request, TokenSink* sink, std::stop_token stop,
                      std::move_only_function<void(Completion)> done) {
    done(complete(request, sink, std::move(stop)));
  }
  virtual bool asynchronous() const { return false; }
  virtual std::string describe() const = 0;  // for logs and the runs table
  // Stored with the run (outside its fingerprint) for the reports. Cheap; nothing by default.
  virtual EngineFacts facts() const { return {}; }
};

}  // namespace rbench
