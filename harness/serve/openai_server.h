// An OpenAI-compatible server on loopback in front of any Engine (`rbench serve --model DIR`
// puts the built-in engine behind it): POST /v1/chat/completions, streaming (SSE, with
// stream_options.include_usage) and not, reasoning sent apart as `reasoning_content` as
// DeepSeek's API and vLLM do; POST /v1/completions for a raw-text prompt (one string; the
// engine's answer is the text); and GET /v1/models. A client that goes away cancels its
// generation.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "engines/api/engine.h"
#include "harness/net/local_server.h"
#include "harness/serve/request_limits.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace rbench {

struct OpenAIServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;            // 0: an ephemeral port
  std::string model_id;    // what /v1/models lists and responses name
  int max_tokens_cap = 0;  // > 0: requests asking for more are cut to this
  // Listed beside OpenAI's fields in /v1/models when set (clients ignore unknown fields): where
  // the built-in engine runs ("cpu", "cuda:0") and the device in words.
  std::string device;
  std::string device_description;
  // Connections served at once (a thread each, started as needed); more wait for a thread, up
  // to max_waiting, and past those get a 503.
  std::size_t max_connections = http::kDefaultMaxConnections;
  // A hostile client's bounds: request size and time, and the bearer key clients must send.
  // Connections waiting for a thread when all are busy; past them, a 503 (0: LocalServerLimits'
  // default).
  std::size_t max_waiting = 0;
  http::RequestGuards guards;
  RequestLimits request_limits;
};

class OpenAIServer {
 public:
  OpenAIServer(Engine& engine, OpenAIServerOptions options);
  ~OpenAIServer();
  OpenAIServer(const OpenAIServer&) = delete;
  OpenAIServer& operator=(const OpenAIServer&) = delete;

  void start();  // binds and serves from background threads; rbench::Error when it cannot bind
  void stop();   // idempotent
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  std::size_t requests_served() const;
  // The handler of POST /v1/chat/completions (text = false) or /v1/completions on its own, with
  // no socket: the serve_request fuzz target drives the request parsing and the engine with it.
  void handle(const httplib::Request& req, httplib::Response& res, bool text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rbench
