#include "harness/net/local_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::http {

namespace {
constexpr std::size_t kServerThreads = 128;  // connections served at once
}  // namespace

std::string openai_error_json(std::string_view message, std::string_view type, int code) {
  json::Writer w;
  w.object({{"error", json::object({{"message", message}, {"type", type}, {"code", code}})}});
  return w.str();
}

int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who) {
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(openai_error_json(fmt::format("no route for {} {}", req.method, req.path),
                                        "invalid_request_error", res.status),
                      "application/json");
    }
  });
  // httplib serves each connection on a pool thread, 8 by default on a small machine: a client
  // holding more keep-alive connections than that waits for one to time out, which a latency
  // probe at concurrency 8 measured as a 1 s TTFT. Loopback servers get a larger pool.
  // (httplib takes ownership of the raw pointer it asks for.)
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  // Streams are many small writes: with Nagle's algorithm on, each waits for the client's
  // delayed ACK (~40 ms on Linux) on a kept-alive connection. Set on the listening socket,
  // inherited by accepted ones.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) throw Error(fmt::format("{}: cannot listen on {}:{} (in use?)", who, host, port));
  thread = std::thread([&server] { server.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      server.stop();
      thread.join();
      throw Error(fmt::format("{}: did not start listening on {}:{}", who, host, bound));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

}  // namespace rbench::http
