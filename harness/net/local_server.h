// What rbench's loopback servers (`rbench serve --model` and the mock) share: OpenAI's error
// body, the bounds a hostile client meets (request size and time, connections, a bearer key),
// and starting a cpp-httplib server that answers unknown routes with that body.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>

namespace rbench::http {

class GuardedServer;

// cpp-httplib serves each connection on a thread of its own, for as long as the connection
// lives (kept alive between requests, or streaming slowly): connections held at once = threads.
inline constexpr std::size_t kDefaultMaxConnections = 4096;
// Long-context prompts are a few hundred KiB of JSON; 8 MiB leaves room without letting one
// client make the server hold gigabytes.
inline constexpr std::size_t kDefaultMaxBodyBytes = 8 * 1024 * 1024;

// Per request and per connection: what a client that trickles, stalls or floods meets.
struct RequestGuards {
  // Bytes of a request body (413 above, before any is read when Content-Length says so; a
  // chunked body is cut off once past it).
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  // A whole request (request line, headers and body) must arrive within this from its first
  // byte: a client sending a byte at a time (slow loris) is cut off with a 408.
  std::chrono::milliseconds request_timeout{60'000};
  // No byte for this long while reading, or no progress while writing: the connection is cut.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // How long a connection may wait for its (next) request.
  std::chrono::milliseconds keep_alive_timeout{5'000};
  // Non-empty: every request must carry `Authorization: Bearer KEY` (401 otherwise).
  std::string api_key;
};

struct LocalServerLimits {
  // Connections served at once. Threads are started as connections need them, up to this; a
  // thread left idle for `idle_thread_timeout` ends, so a burst's threads do not stay forever.
  std::size_t max_connections = kDefaultMaxConnections;
  // Accepted connections waiting for one of those threads; past this, a connection gets a 503
  // and is closed at once rather than holding a descriptor in an unbounded queue. 0: as many as
  // max_connections, and at least 1,024.
  std::size_t max_waiting = 0;
  // Each connection thread's stack; 0: the system's default (8 MiB of address space, touched
  // only as used). Small stacks suit handlers that only format and write.
  std::size_t thread_stack_bytes = 0;
  std::chrono::milliseconds idle_thread_timeout{30'000};
  RequestGuards guards;
};

// {"error": {"message", "type", "code"}} as OpenAI sends it.
std::string openai_error_json(std::string_view message, std::string_view type, int code);

// Whether an Authorization header value is "Bearer KEY" for this key. The comparison takes the
// same time wherever the first difference is, so the key cannot be guessed byte by byte.
bool bearer_key_matches(std::string_view authorization, std::string_view key);

// Binds `server` to host:port (0: a free port), serves it from `thread` and returns the bound
// port once it accepts connections. Throws rbench::Error, naming `who`, when it cannot.
int start_local_server(GuardedServer& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who, LocalServerLimits limits = {});

}  // namespace rbench::http
