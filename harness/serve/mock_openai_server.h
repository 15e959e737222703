// A fake OpenAI-compatible server on 127.0.0.1 for tests, demos and `rbench serve --mock`:
// exact /v1/chat/completions and raw-text /v1/completions shapes (streaming and not) and
// /v1/models, three ways of sending reasoning, and a script of faults (429, 500, stalls, cut
// streams, bad JSON) that successive requests to either route consume, so a client's retry logic
// can be tested for real.
//
// Its "model" is a documented heuristic baseline, not a model: it reasons "The numbers in the
// question are ..." and answers "The answer is \boxed{N}" with N the sum of the numbers in the
// last user message. That gets the odd one-step word problem right and most wrong. Asked for
// Python code, it answers the question's function header with a `return None` body; given a raw
// prompt ending in a function header, it continues with that body (then more module code, for
// stop strings to cut). Deterministic, and it fails nearly every code test.
//
// Judge mode: when a chat request's first user message is a pairwise-judge-v1 prompt (the
// layout of scorers/judge/judge_prompt.h, plain or suffixed markers, read with
// judge::parse_judge_prompt), the mock is a deterministic length-biased judge of that game. With
// L_a and L_b the byte lengths of answers A and B, the longer answer wins: [[A>>B]] / [[B>>A]]
// when it is at least twice as long, [[A>B]] / [[B>A]] when at least 1.2 times, else [[A=B]].
// Its reasoning names the two lengths; its text is "My own answer: ..." (the baseline's answer
// to the question), a blank line, "Evaluation: ..." and, on the last line,
// "My final verdict: [[LABEL]]". When the request already holds an assistant message (the judge
// asked again for a label) it replies with "[[LABEL]]" alone. Markers in the judged question make
// it misbehave, per game and whatever the concurrency (the fault script below applies to judge
// requests too):
//   JUDGE_GARBAGE  the first reply of a conversation has no label; asked again, it gives one;
//   JUDGE_REFUSE   it never gives a label ("I would rather not judge these two answers.").
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/net/local_server.h"
#include "harness/serve/request_limits.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace rbench {

enum class FaultKind {
  ok,            // "ok": serve this request normally
  rate_limit,    // "429" or "429:N": status 429, with `Retry-After: N` when N is given
  server_error,  // "500"
  bad_request,   // "400"
  unauthorized,  // "401": the key is refused
  forbidden,     // "403"
  not_found,     // "404": no such route or model
  stall,         // "stall:MS": stop sending mid-stream for MS milliseconds, then go on
  cut,           // "cut": close the connection mid-stream, before [DONE]
  bad_json,      // "badjson": a malformed chunk mid-stream
  no_done,       // "nodone": end the HTTP response cleanly mid-stream, without [DONE]
};

struct Fault {
  FaultKind kind = FaultKind::ok;
  int value = 0;  // Retry-After seconds for rate_limit (0: no header), milliseconds for stall
  bool operator==(const Fault&) const = default;
};

// "429:1,500,stall:3000,cut,badjson" -> faults in order. Whitespace around items is ignored;
// "" gives none. Throws UsageError naming the bad item and its position.
std::vector<Fault> parse_fault_spec(std::string_view spec);
std::string to_string(const Fault& fault);

enum class MockReasoningStyle {
  reasoning_content,  // delta.reasoning_content (DeepSeek, vLLM)
  reasoning,          // delta.reasoning (OpenRouter and others)
  think_tags,         // <think>...</think> inline at the start of the content
  none,               // everything, the working included, in the content
};

// "reasoning_content" | "reasoning" | "think_tags" | "none"; throws UsageError otherwise.
MockReasoningStyle parse_reasoning_style(std::string_view name);
std::string_view to_string(MockReasoningStyle style);

struct MockServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, see MockOpenAIServer::port()
  MockReasoningStyle reasoning_style = MockReasoningStyle::reasoning_content;
  int token_delay_ms = 0;            // pause before each streamed token (one chunk per token)
  bool crlf = false;                 // end SSE lines with CRLF instead of LF
  bool keep_alive_comments = false;  // send ": keep-alive" comment lines in the stream
  bool json_for_streaming = false;   // answer stream:true with a plain application/json body
  std::vector<Fault> faults;         // consumed one per completion request, in order
  // Streams served at once (a thread each, started as needed, with small stacks); more wait for
  // a thread, up to max_waiting, and past those get a 503.
  std::size_t max_connections = http::kDefaultMaxConnections;
  // How long a connection may wait for its (next) request. stop() waits this long for kept-alive
  // idle connections, so tests keep it short; a client opening thousands of connections at once
  // on a busy machine may take longer to send each request, and then gets an empty reply, so
  // `rbench serve --mock` waits longer.
  int keep_alive_timeout_s = 1;
  // A hostile client's bounds (guards.keep_alive_timeout is keep_alive_timeout_s's): request
  // size and time, and the bearer key clients must send.
  // Connections waiting for a thread when all are busy; past them, a 503 (0: LocalServerLimits'
  // default).
  std::size_t max_waiting = 0;
  http::RequestGuards guards;
  RequestLimits request_limits;
};

class MockOpenAIServer {
 public:
  explicit MockOpenAIServer(MockServerOptions options = {});
  ~MockOpenAIServer();  // stops the server
  MockOpenAIServer(const MockOpenAIServer&) = delete;
  MockOpenAIServer& operator=(const MockOpenAIServer&) = delete;

  // Binds and serves from a background thread; returns once it accepts connections. Throws
  // rbench::Error when the address cannot be bound. A server starts once: after stop(), make
  // a new one.
  void start();
  // Ends every in-flight response (stalls included) and joins the thread. Idempotent.
  void stop();

  int port() const;              // the bound port (after start())
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  // POST /v1/chat/completions and /v1/completions requests received, faulted ones included.
  std::size_t requests_received() const;
  // The most completion requests ever being answered at once (a streamed one until its last
  // byte is handed to the socket): what a connection limit caps, seen from the server.
  std::size_t peak_requests_in_progress() const;

  // Thread-safe: appends to the fault script while the server runs.
  void add_faults(std::span<const Fault> faults);
  std::size_t faults_pending() const;
  // What the last completion request (either route) carried, for tests of request shaping.
  std::string last_request_body() const;
  std::string last_authorization() const;
  // Every completion request's Authorization header ("" where none), in arrival order: which
  // key each request used.
  std::vector<std::string> authorizations() const;
  // The handler of POST /v1/chat/completions (text = false) or /v1/completions on its own, with
  // no socket: the serve_request fuzz target drives read_call and the replies with it.
  void handle(const httplib::Request& req, httplib::Response& res, bool text);

 private:
  struct Impl;  // keeps httplib.h out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace rbench
