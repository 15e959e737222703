#include "harness/net/local_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/open_files.h"
#include "harness/net/growing_thread_pool.h"
#include "harness/net/guarded_server.h"

namespace rbench::http {

namespace {

// Connections waiting to be accepted: httplib listens with a backlog of 5, which drops the SYNs
// of a client opening thousands of connections at once (each then waits a second to retry).
constexpr int kListenBacklog = 4096;
constexpr std::size_t kMinWaiting = 1024;

// The listening socket httplib keeps to itself (a protected member, reached through a derived
// class's member pointer).
struct ListeningSocket : httplib::Server {
  static int of(httplib::Server& server) { return (server.*(&ListeningSocket::svr_sock_)).load(); }
};

// What httplib's own refusals (it sets only the status) mean, in words a client can act on.
std::string refusal_message(const httplib::Request& req, int status, const RequestGuards& g) {
  switch (status) {
    case 400:
      return fmt::format(
          "malformed or incomplete HTTP request (a body over {} bytes, or one that did not "
          "arrive within {} ms, is cut off)",
          g.max_body_bytes, g.request_timeout.count());
    case 413:
      return fmt::format("request body over this server's limit of {} bytes", g.max_body_bytes);
    case 414:
      return "request URI too long";
    default:
      return fmt::format("no route for {} {}", req.method, req.path);
  }
}

}  // namespace

std::string openai_error_json(std::string_view message, std::string_view type, int code) {
  json::Writer w;
  w.object({{"error", json::object({{"message", message}, {"type", type}, {"code", code}})}});
  return w.str();
}

bool bearer_key_matches(std::string_view authorization, std::string_view key) {
  constexpr std::string_view kScheme = "Bearer ";
  if (key.empty() || !authorization.starts_with(kScheme)) return false;
  const std::string_view given = authorization.substr(kScheme.size());
  // Every byte of the key is compared whatever the given text is: the time depends on the
  // key's length only.
  unsigned difference = given.size() == key.size() ? 0u : 1u;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    difference |= g ^ static_cast<unsigned char>(key[i]);
  }
  return difference == 0;
}

int start_local_server(GuardedServer& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who, LocalServerLimits limits) {
  server.set_guards(limits.guards);
  server.set_error_handler([&server](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(openai_error_json(refusal_message(req, res.status, server.guards()),
                                        "invalid_request_error", res.status),
                      "application/json");
    }
  });
  // Before any of the body is read: the key, then the announced size.
  server.set_pre_routing_handler([&server](const httplib::Request& req, httplib::Response& res) {
    const RequestGuards& g = server.guards();
    if (!g.api_key.empty() &&
        !bearer_key_matches(req.get_header_value("Authorization"), g.api_key)) {
      res.status = 401;
      res.set_content(openai_error_json("missing or wrong API key (send the header "
                                        "'Authorization: Bearer KEY')",
                                        "invalid_request_error", 401),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    const auto length = req.get_header_value<std::uint64_t>("Content-Length");
    if (length > g.max_body_bytes) {
      res.status = 413;
      res.set_content(openai_error_json(fmt::format("request body of {} bytes is over this "
                                                    "server's limit of {} bytes",
                                                    length, g.max_body_bytes),
                                        "invalid_request_error", 413),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_payload_max_length(limits.guards.max_body_bytes);
  // httplib serves each connection on a pool thread, 8 by default on a small machine: a client
  // holding more keep-alive connections than that waits for one to time out, which a latency
  // probe at concurrency 8 measured as a 1 s TTFT. Loopback servers get a pool that grows to
  // their connection limit. (httplib takes ownership of the raw pointer it asks for.)
  const std::size_t waiting =
      limits.max_waiting > 0 ? limits.max_waiting : std::max(limits.max_connections, kMinWaiting);
  const ThreadPoolLimits pool{.max_threads = limits.max_connections,
                              .max_waiting = waiting,
                              .stack_bytes = limits.thread_stack_bytes,
                              .idle_timeout = limits.idle_thread_timeout};
  server.new_task_queue = [pool] { return new GrowingThreadPool(pool); };
  // A descriptor per connection served or waiting, and some for the process's own files.
  raise_open_files_limit(limits.max_connections + waiting + 256);
  // Streams are many small writes: with Nagle's algorithm on, each waits for the client's
  // delayed ACK (~40 ms on Linux) on a kept-alive connection. Set on the listening socket,
  // inherited by accepted ones.
  server.set_tcp_nodelay(true);
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) throw Error(fmt::format("{}: cannot listen on {}:{} (in use?)", who, host, port));
  // listen() again on a listening socket sets its backlog (Linux; capped by somaxconn).
  ::listen(ListeningSocket::of(server), kListenBacklog);
  thread = std::thread([&server] { server.serve_here(); });
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
