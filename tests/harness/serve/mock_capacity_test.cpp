// The mock's capacity: many slow streams at once, each on a thread started as it arrives, rather
// than 128 and a queue. Raw sockets and poll() on the client side, so that the test itself holds
// no thread per stream.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/core/open_files.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench {
namespace {

using namespace std::chrono_literals;

// One streamed request on its own connection ("Connection: close": the answer ends at EOF).
struct Stream {
  int fd = -1;
  std::string request;
  std::size_t sent = 0;
  std::string response;
  bool done = false;
};

int connect_nonblocking(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);  // EINPROGRESS
  return fd;
}

// Runs every stream to its end, or until `limit`; returns how many had received their first
// bytes (were being served) when the first one ended.
std::size_t drive(std::vector<Stream>& streams, std::chrono::seconds limit) {
  const auto started = std::chrono::steady_clock::now();
  std::size_t served_at_first_end = 0;
  std::vector<pollfd> fds;
  std::vector<Stream*> owners;
  while (std::chrono::steady_clock::now() - started < limit) {
    fds.clear();
    owners.clear();
    for (Stream& s : streams) {
      if (s.done) continue;
      const short events = s.sent < s.request.size() ? POLLOUT : POLLIN;
      fds.push_back({s.fd, events, 0});
      owners.push_back(&s);
    }
    if (fds.empty()) break;
    ::poll(fds.data(), fds.size(), 100);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      Stream& s = *owners[i];
      if (fds[i].revents & POLLOUT) {
        const ssize_t n =
            ::send(s.fd, s.request.data() + s.sent, s.request.size() - s.sent, MSG_NOSIGNAL);
        if (n > 0) s.sent += static_cast<std::size_t>(n);
      } else if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[4096];
        const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
        if (n > 0) {
          s.response.append(buffer, static_cast<std::size_t>(n));
        } else {
          s.done = true;
          ::close(s.fd);
          if (served_at_first_end == 0) {
            for (const Stream& other : streams) served_at_first_end += !other.response.empty();
          }
        }
      }
    }
  }
  return served_at_first_end;
}

TEST(MockCapacity, HoldsAThousandSlowStreamsAtOnce) {
  constexpr int kStreams = 1000;
  constexpr int kTokens = 8;
  constexpr int kDelayMs = 250;  // each stream lasts ~2 s: time to start a thousand threads
  raise_open_files_limit(kStreams + 256);
  MockServerOptions options;
  options.token_delay_ms = kDelayMs;
  MockOpenAIServer server(options);
  server.start();
  const std::string body = R"({"model":"mock","stream":true,"max_tokens":)" +
                           std::to_string(kTokens) +
                           R"(,"messages":[{"role":"user","content":"What is 2 + 3?"}]})";
  std::vector<Stream> streams(kStreams);
  for (Stream& s : streams) {
    s.fd = connect_nonblocking(server.port());
    ASSERT_GE(s.fd, 0);
    s.request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  const std::size_t served_together = drive(streams, 60s);
  int complete = 0;
  for (const Stream& s : streams) complete += s.response.find("data: [DONE]") != std::string::npos;
  EXPECT_EQ(complete, kStreams);
  EXPECT_EQ(server.requests_received(), static_cast<std::size_t>(kStreams));
  // A fixed pool of 128 threads serves 128 before the first ends; this one serves them all
  // (slack for a loaded machine, where starting a thousand threads takes a while).
  EXPECT_GT(served_together, 300u) << "streams were not served at once";
  EXPECT_GT(server.peak_requests_in_progress(), 300u);
}

TEST(MockCapacity, AConnectionLimitQueuesTheRest) {
  MockServerOptions options;
  options.token_delay_ms = 50;
  options.max_connections = 2;
  MockOpenAIServer server(options);
  server.start();
  const std::string body =
      R"({"model":"mock","stream":true,"max_tokens":4,"messages":[{"role":"user","content":"1"}]})";
  std::vector<Stream> streams(6);
  for (Stream& s : streams) {
    s.fd = connect_nonblocking(server.port());
    s.request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  // Two at a time, counted by the server: the client sees each end only when it next polls, so
  // on a loaded machine more than two may have started by then.
  drive(streams, 30s);
  EXPECT_EQ(server.peak_requests_in_progress(), 2u);
  EXPECT_EQ(server.requests_received(), streams.size());
  for (const Stream& s : streams) EXPECT_NE(s.response.find("data: [DONE]"), std::string::npos);
}

}  // namespace
}  // namespace rbench
