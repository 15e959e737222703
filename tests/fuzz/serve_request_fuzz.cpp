// Fuzz target `serve_request`: a request body through `rbench serve`'s handler (its request
// parsing, an engine, the wire writer) and through the mock server's (read_call and its replies),
// without sockets: httplib's framing is not ours to fuzz. Byte 0 picks the route (bit 0: raw-text
// /v1/completions), the server (bit 1: the mock) and the mock's reasoning style (bits 2-3).
// Properties: a refused request gets a 400 with an OpenAI error body; an accepted one gets a
// response that our own client reads without a protocol error, to its end ([DONE] when
// streamed); with `rbench serve` the client reads back exactly the engine's text.
// fuzz-links: rbench_harness_serve rbench_engines_openai PkgConfig::HTTPLIB
#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

#include "engines/api/engine.h"
#include "engines/openai/openai_response.h"
#include "fuzz/fuzz_target.h"
#include "harness/net/sse_parser.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/serve/openai_server.h"

namespace {

using rbench::fuzz::check;

// Answers with the request's last message (or prompt) cut to 64 bytes, after a fixed reasoning,
// streamed in pieces of 7 bytes: text the response must carry back unchanged.
class EchoEngine final : public rbench::Engine {
 public:
  rbench::Completion complete(const rbench::ChatRequest& request, rbench::TokenSink* sink,
                              std::stop_token) override {
    rbench::Completion c;
    const std::string& source =
        request.prompt.empty()
            ? (request.messages.empty() ? std::string() : request.messages.back().content)
            : request.prompt;
    c.answer = source.substr(0, 64);
    if (request.prompt.empty()) c.reasoning = "echo";
    if (sink) {
      if (!c.reasoning.empty()) sink->on_reasoning(c.reasoning, 0);
      for (std::size_t at = 0; at < c.answer.size(); at += 7) {
        sink->on_answer(std::string_view(c.answer).substr(at, 7), 0);
      }
    }
    c.usage.prompt_tokens = 1;
    c.usage.completion_tokens = static_cast<std::int64_t>(c.answer.size());
    last = c;
    return c;
  }
  std::string describe() const override { return "echo"; }

  std::optional<rbench::Completion> last;  // what it answered, when it was asked
};

// Runs a streamed response's provider as httplib would, collecting what it writes.
std::string drain(httplib::Response& res) {
  std::string out;
  bool done = false;
  httplib::DataSink sink;
  sink.write = [&](const char* p, std::size_t n) {
    out.append(p, n);
    return true;
  };
  sink.done = [&] { done = true; };
  sink.is_writable = [] { return true; };
  // The mock writes one token per call at most; a real reply is far below this many.
  for (int calls = 0; !done && calls < 100000; ++calls) {
    if (!res.content_provider_(out.size(), 0, sink)) break;
  }
  return out;
}

}  // namespace

RBENCH_FUZZ_TARGET(serve_request) {
  if (size < 1) return 0;
  const bool text = data[0] & 1;
  const bool mock = data[0] & 2;
  httplib::Request req;
  req.method = "POST";
  req.path = text ? "/v1/completions" : "/v1/chat/completions";
  req.body.assign(rbench::fuzz::as_text(data + 1, size - 1));
  httplib::Response res;
  EchoEngine engine;
  // A streamed response's provider refers to its server: both live until it has been drained.
  std::optional<rbench::MockOpenAIServer> mock_server;
  std::optional<rbench::OpenAIServer> server;
  if (mock) {
    rbench::MockServerOptions options;
    options.reasoning_style = static_cast<rbench::MockReasoningStyle>((data[0] >> 2) & 3);
    mock_server.emplace(options);
    mock_server->handle(req, res, text);
  } else {
    rbench::OpenAIServerOptions options;
    options.model_id = "fuzz";
    options.max_tokens_cap = 256;
    server.emplace(engine, options);
    server->handle(req, res, text);
  }

  if (res.status == 400) {
    const auto error = rbench::parse_error_body(res.body);
    check(error.has_value() && !error->message.empty(), "a 400 without an OpenAI error body");
    return 0;
  }
  check(res.status == -1 || res.status == 200, "an unexpected status");
  rbench::ResponseAccumulator acc(rbench::ThinkTags::leading, nullptr,
                                  text ? rbench::CompletionApi::text : rbench::CompletionApi::chat);
  if (res.content_provider_) {
    rbench::http::SseParser sse;
    for (const auto& event : sse.feed(drain(res))) {
      check(!acc.done(), "events after [DONE]");
      check(acc.on_stream_data(event.data, 0), "a streamed chunk our client cannot read");
    }
    check(!sse.has_partial_event(), "the stream ends inside an event");
    check(acc.done(), "the stream has no [DONE]");
  } else {
    check(acc.on_json_body(res.body, 0), "a response body our client cannot read");
  }
  acc.finish(0);
  check(!acc.server_error(), "a successful response carries an error");
  if (!mock) {
    check(engine.last.has_value(), "a successful response without asking the engine");
    check(acc.completion().answer == engine.last->answer &&
              acc.completion().reasoning == engine.last->reasoning,
          "the client read back other text than the engine's");
  }
  return 0;
}
