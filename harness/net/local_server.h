// What rbench's loopback servers (`rbench serve --model` and the mock) share: OpenAI's error
// body, and starting a cpp-httplib server that answers unknown routes with that body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace rbench::http {

// cpp-httplib serves each connection on a thread of its own, for as long as the connection
// lives (kept alive between requests, or streaming slowly): connections held at once = threads.
inline constexpr std::size_t kDefaultMaxConnections = 4096;

struct LocalServerLimits {
  // Connections served at once; more wait in the accept queue. Threads are started as
  // connections need them, up to this, and kept for the next ones.
  std::size_t max_connections = kDefaultMaxConnections;
  // Each connection thread's stack; 0: the system's default (8 MiB of address space, touched
  // only as used). Small stacks suit handlers that only format and write.
  std::size_t thread_stack_bytes = 0;
};

// {"error": {"message", "type", "code"}} as OpenAI sends it.
std::string openai_error_json(std::string_view message, std::string_view type, int code);

// Binds `server` to host:port (0: a free port), serves it from `thread` and returns the bound
// port once it accepts connections. Throws rbench::Error, naming `who`, when it cannot.
int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who, LocalServerLimits limits = {});

}  // namespace rbench::http
