#include "harness/http/local_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

#include "harness/error.h"

namespace rbench::http {

int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who) {
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
