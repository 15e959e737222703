#include "harness/net/guarded_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "harness/core/error.h"

namespace rbench::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The request line and headers: httplib caps one header line at 8 KiB, but not their number.
constexpr std::size_t kHeaderBudgetBytes = 64 * 1024;
// Requests one kept-alive connection serves before it is closed (httplib's default, 5, makes a
// client that keeps connections open reconnect every fifth request).
constexpr std::size_t kKeepAliveMaxRequests = 100'000;
// After a response that leaves the request's body unread, the client's bytes are read and
// dropped for up to this long before closing: closing with unread data sends a reset, which
// can destroy the response before the client reads it.
constexpr milliseconds kLingerLimit{1'000};

// poll() for one event on `fd`: > 0 ready, 0 timed out, < 0 an error or `stop_fd` readable
// (the server is stopping; -1: none).
int wait_socket(int fd, short events, milliseconds timeout, int stop_fd = -1) {
  pollfd p[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
  const auto until = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    const int r =
        ::poll(p, stop_fd < 0 ? 1 : 2, static_cast<int>(std::max<long long>(0, left.count())));
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && ((p[0].revents & POLLNVAL) || p[1].revents != 0)) return -1;
    return r;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  auto* a = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(fd, a, &size) : ::getsockname(fd, a, &size)) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// One connection's bytes, read through a buffer (httplib reads request lines a byte at a time)
// under the current request's deadline and byte budget.
class GuardedStream final : public httplib::Stream {
 public:
  GuardedStream(int fd, const RequestGuards& guards, int stop_fd)
      : fd_(fd), stop_fd_(stop_fd), guards_(guards) {}

  void begin_request() {
    deadline_ = Clock::now() + guards_.request_timeout;
    budget_ = kHeaderBudgetBytes + guards_.max_body_bytes;
    received_ = len_ - pos_;  // a pipelined request's bytes already buffered count
    status_ = 0;
    written_ = 0;
  }
  bool has_buffered() const { return pos_ < len_; }
  bool timed_out() const { return timed_out_; }
  bool over_budget() const { return over_budget_; }
  bool failed() const { return failed_; }
  int status() const { return status_; }
  std::size_t written() const { return written_; }

  bool is_readable() const override {
    return has_buffered() || wait_socket(fd_, POLLIN, guards_.read_timeout, stop_fd_) > 0;
  }
  bool is_writable() const override { return wait_socket(fd_, POLLOUT, guards_.write_timeout) > 0; }
  // As a socket's: > 0 bytes, 0 at the client's end of stream, -1 on an error, a timeout or
  // past the budget.
  ssize_t read(char* ptr, size_t size) override {
    if (!has_buffered()) {
      if (const ssize_t filled = fill(); filled <= 0) return filled;
    }
    const std::size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buffer_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  using httplib::Stream::write;
  ssize_t write(const char* ptr, size_t size) override {
    // Timed out before any answer: httplib's own (a 400 for the half-read request) is dropped,
    // and the connection's loop answers 408 instead.
    if (timed_out_ && written_ == 0) return static_cast<ssize_t>(size);
    // A response head is written whole: its status says whether the connection can go on.
    constexpr std::string_view kHead = "HTTP/1.1 ";
    if ((status_ == 0 || status_ == 100) && size >= kHead.size() + 3 &&
        std::string_view(ptr, kHead.size()) == kHead) {
      status_ = std::atoi(std::string(ptr + kHead.size(), 3).c_str());
    }
    std::size_t sent = 0;
    while (sent < size) {
      if (wait_socket(fd_, POLLOUT, guards_.write_timeout, stop_fd_) <= 0) return -1;
      const ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) return -1;
      sent += static_cast<std::size_t>(n);
    }
    written_ += size;
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t fill() {
    if (failed_) return -1;
    if (received_ >= budget_) {
      over_budget_ = failed_ = true;
      return -1;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
    const milliseconds wait = std::min(left, guards_.read_timeout);
    const int ready = wait.count() > 0 ? wait_socket(fd_, POLLIN, wait, stop_fd_) : 0;
    if (ready <= 0) {
      timed_out_ = ready == 0;
      failed_ = true;
      return -1;
    }
    const std::size_t want = std::min(sizeof buffer_, budget_ - received_);
    ssize_t n = -1;
    do {
      n = ::recv(fd_, buffer_, want, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {  // the client closed (0), or reset
      failed_ = true;
      return n < 0 ? -1 : 0;
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(n);
    received_ += len_;
    return n;
  }

  const int fd_;
  const int stop_fd_;
  const RequestGuards& guards_;
  char buffer_[4096];
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  Clock::time_point deadline_{};
  std::size_t budget_ = 0;
  std::size_t received_ = 0;
  bool timed_out_ = false;
  bool over_budget_ = false;
  bool failed_ = false;
  int status_ = 0;
  std::size_t written_ = 0;
};

// Answers that may leave the request's body unread: the connection cannot go on after them.
bool ends_connection(int status) {
  return status == 401 || status == 408 || status == 413 || status == 503;
}

// A small complete response, sent without waiting (the caller closes right after).
void send_now(int fd, int status, std::string_view reason, std::string_view message) {
  const std::string body = openai_error_json(message, "invalid_request_error", status);
  const std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, reason, body.size(), body);
  [[maybe_unused]] const ssize_t n =
      ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Closes once the client has read our last response: stops sending, then drops what the
// client still sends until it closes too, or kLingerLimit passes.
void close_lingering(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto until = Clock::now() + kLingerLimit;
  char sink[4096];
  while (Clock::now() < until) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    if (wait_socket(fd, POLLIN, left) <= 0) break;
    if (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0) break;
  }
}

// Closes the accepted socket however the connection ends.
struct SocketCloser {
  int fd;
  ~SocketCloser() {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
};

}  // namespace

GuardedServer::GuardedServer() : stopping_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (stopping_event_ < 0)
    throw Error(fmt::format("serve: eventfd failed: {}", std::strerror(errno)));
}

GuardedServer::~GuardedServer() {
  ::close(stopping_event_);
}

void GuardedServer::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stopping_event_, &one, sizeof one);
  httplib::Server::stop();
}

bool GuardedServer::serve_here() {
  listener_ = std::this_thread::get_id();
  return listen_after_bind();
}

bool GuardedServer::wait_for_request(socket_t sock, bool buffered) const {
  // The client's first byte, or its close (which process_request then sees), unless stopping.
  return buffered || wait_socket(sock, POLLIN, guards_.keep_alive_timeout, stopping_event_) > 0;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  const SocketCloser closer{sock};
  // The task queue runs a job on the listening thread only when its waiting queue is full.
  if (std::this_thread::get_id() == listener_.load()) {
    send_now(sock, 503, "Service Unavailable",
             "too many connections: the server's connections and waiting queue are full");
    return false;
  }
  GuardedStream strm(sock, guards_, stopping_event_);
  bool ok = false;
  for (std::size_t n = 1; n <= kKeepAliveMaxRequests; ++n) {
    if (!wait_for_request(sock, strm.has_buffered())) break;
    strm.begin_request();
    bool closed = false;
    ok = process_request(strm, n == kKeepAliveMaxRequests, closed, nullptr);
    if (strm.timed_out() && strm.written() == 0) {
      send_now(sock, 408, "Request Timeout",
               fmt::format("the request did not arrive within {} ms (read timeout {} ms)",
                           guards_.request_timeout.count(), guards_.read_timeout.count()));
    }
    const bool unread = strm.over_budget() || strm.timed_out() || ends_connection(strm.status());
    if (unread) close_lingering(sock);
    if (!ok || closed || unread || strm.failed()) break;
  }
  return ok;
}

}  // namespace rbench::http
