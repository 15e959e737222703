// A cpp-httplib server whose connections are served by rbench's own loop, so that a hostile
// client meets bounds httplib 0.11 lacks: a deadline on a whole request (httplib times out each
// read alone, so a byte every few seconds held a connection forever), a byte budget that also
// bounds chunked bodies and headers, a keep-alive wait that sleeps in poll() instead of waking
// every 10 ms, and a 503 for connections past the waiting queue. Parsing, routing and writing
// stay httplib's (Server::process_request on our Stream).
#pragma once

#include <httplib.h>

#include <atomic>
#include <thread>

#include "harness/net/local_server.h"

namespace rbench::http {

class GuardedServer final : public httplib::Server {
 public:
  GuardedServer();
  ~GuardedServer() override;
  GuardedServer(const GuardedServer&) = delete;
  GuardedServer& operator=(const GuardedServer&) = delete;

  // Before serving: the bounds every connection gets.
  void set_guards(const RequestGuards& guards) { guards_ = guards; }
  const RequestGuards& guards() const { return guards_; }
  // Serves on the calling thread until stop(); connections handed back to this thread by the
  // task queue (it is full) are refused with a 503.
  bool serve_here();
  // httplib's stop(), after waking every connection that waits for its next request (they
  // sleep in poll() on their socket and this event, not in 10 ms naps).
  void stop();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Waits for the next request's first byte; false on the keep-alive timeout, or when stopping.
  bool wait_for_request(socket_t sock, bool buffered) const;

  RequestGuards guards_;
  int stopping_event_ = -1;  // an eventfd, readable once stop() is called
  std::atomic<std::thread::id> listener_{};
};

}  // namespace rbench::http
