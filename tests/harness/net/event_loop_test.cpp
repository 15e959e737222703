// The event loop: many slow streams on its one thread, kept-alive connections reused, timers in
// order, cancellation, and HTTP/2 multiplexing against a real HTTP/2 server (nghttpd, h2c).
#include "harness/net/event_loop.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "harness/net/process_threads.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::http {
namespace {

using test::process_threads;
using Clock = std::chrono::steady_clock;

constexpr const char* kStreamBody =
    R"({"model":"mock","stream":true,"messages":[{"role":"user","content":"1 and 2"}]})";

PostRequest post_to(const std::string& url) {
  return PostRequest{url, kStreamBody, {"Content-Type: application/json"}, 5, 10, 60};
}

// Counts results from the loop's thread; the test's thread waits for all of them.
struct Results {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<PostResult> done;
  std::vector<std::string> bodies;

  DoneCallback collect() {
    return [this](PostResult r) {
      std::lock_guard lock(mutex);
      done.push_back(std::move(r));
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return done.size() >= n; });
  }
};

TEST(EventLoop, HoldsManySlowStreamsOnItsOneThread) {
  // Under the mock's 128 server threads; started 5 ms apart, as cpp-httplib's listen backlog (5)
  // drops a burst of SYNs on a loaded machine (each then waits 1, 3, 7 s for retransmission).
  constexpr int kStreams = 120;
  MockServerOptions options;
  options.token_delay_ms = 50;  // ~20 tokens: each stream lasts a second or more
  MockOpenAIServer server(options);
  server.start();
  EventLoop loop;
  // The mock starts a thread per connection as they arrive and keeps them: a first round grows
  // its pool, so that the count below is the client's alone.
  Results warm_up;
  for (int i = 0; i < kStreams; ++i) {
    loop.start(
        post_to(server.base_url() + "/chat/completions"),
        [](std::string_view, const ResponseHead&) { return true; }, warm_up.collect());
  }
  ASSERT_TRUE(warm_up.wait_for(kStreams, std::chrono::seconds(60)));
  const int before = process_threads();
  Results results;
  std::atomic<int> most_threads{before};
  std::atomic<std::int64_t> most_in_flight{0};
  for (int i = 0; i < kStreams; ++i) {
    PostRequest r = post_to(server.base_url() + "/chat/completions");
    r.idle_timeout_s = 30;
    loop.start(
        std::move(r), [](std::string_view, const ResponseHead&) { return true; },
        results.collect());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int i = 0; i < 100 && loop.in_flight() > 0; ++i) {
    most_threads = std::max(most_threads.load(), process_threads());
    most_in_flight = std::max(most_in_flight.load(), loop.in_flight());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(results.wait_for(kStreams, std::chrono::seconds(60)));
  for (const PostResult& r : results.done) {
    EXPECT_EQ(r.error, TransferError::none) << r.error_message;
  }
  EXPECT_GE(most_in_flight.load(), kStreams / 2) << "the streams should overlap";
  EXPECT_LE(most_threads.load() - before, 2)
      << "no thread per stream: " << before << " threads before, " << most_threads << " at most";
}

TEST(EventLoop, ReusesKeptAliveConnections) {
  MockOpenAIServer server;
  server.start();
  EventLoop loop;
  constexpr int kRequests = 10;
  long connections = 0;
  for (int i = 0; i < kRequests; ++i) {
    Results results;
    loop.start(
        post_to(server.base_url() + "/chat/completions"),
        [](std::string_view, const ResponseHead&) { return true; }, results.collect());
    ASSERT_TRUE(results.wait_for(1, std::chrono::seconds(10)));
    ASSERT_EQ(results.done[0].error, TransferError::none) << results.done[0].error_message;
    EXPECT_EQ(results.done[0].http_version, 11);
    connections += results.done[0].new_connections;
  }
  // cpp-httplib closes a connection after 5 requests (its keep-alive maximum): 2 connections,
  // where a client without reuse opens 10.
  EXPECT_LE(connections, kRequests / 5 + 1);
  EXPECT_GE(connections, 1);
}

TEST(EventLoop, RunsTimedTasksInOrderOfTheirTime) {
  EventLoop loop;
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> all;
  const auto now = Clock::now();
  const auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mutex);
      order.push_back(n);
      if (order.size() == 3) all.set_value();
    };
  };
  loop.post_at(now + std::chrono::milliseconds(60), record(3));
  loop.post_at(now + std::chrono::milliseconds(20), record(2));
  loop.post(record(1));
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(Clock::now() - now, std::chrono::milliseconds(60));
}

TEST(EventLoop, ShutdownEndsTransfersInFlightAsCancelled) {
  MockServerOptions options;
  options.faults = parse_fault_spec("stall:3000");
  MockOpenAIServer server(options);
  server.start();
  Results results;
  {
    EventLoop loop;
    loop.start(
        post_to(server.base_url() + "/chat/completions"),
        [](std::string_view, const ResponseHead&) { return true; }, results.collect());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(results.done.size(), 1u);
  EXPECT_EQ(results.done[0].error, TransferError::cancelled);
}

// nghttpd (Debian's nghttp2-server) serving a folder over TLS (HTTP/2 by ALPN) with a
// self-signed certificate made for the test, or over h2c; on a free port, killed at the end.
class Nghttpd {
 public:
  Nghttpd(const std::filesystem::path& root, bool tls) {
    port_ = free_port();
    std::vector<std::string> args{"nghttpd", "--echo-upload", "-d", root.string()};
    if (!tls) args.emplace_back("--no-tls");
    args.push_back(std::to_string(port_));
    if (tls) {
      args.push_back((root / "key.pem").string());
      args.push_back((root / "cert.pem").string());
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, "nghttpd", &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Nghttpd() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Waits until it accepts connections.
  bool ready() const {
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port_));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(fd);
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  int port() const { return port_; }

 private:
  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
  }
  int port_ = 0;
  pid_t pid_ = -1;
};

bool installed(const char* program) {
  return std::system(("command -v " + std::string(program) + " >/dev/null 2>&1").c_str()) == 0;
}

// A folder for nghttpd: the file it serves, and a self-signed certificate for 127.0.0.1.
std::filesystem::path h2_root() {
  const auto root =
      std::filesystem::temp_directory_path() / ("rbench-h2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  std::ofstream(root / "hello.txt") << "hello over h2\n";
  const std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      (root / "key.pem").string() + " -out " + (root / "cert.pem").string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(make_cert.c_str()), 0) << make_cert;
  return root;
}

// Sends POSTs (echoed back) and GETs of the file, all at once.
std::vector<PostResult> send_all(EventLoop& loop, const std::string& url, int n, bool h2c,
                                 const std::filesystem::path& ca, std::string& bodies) {
  Results results;
  std::mutex mutex;
  for (int i = 0; i < n; ++i) {
    PostRequest r = post_to(url);
    r.http2_prior_knowledge = h2c;
    r.get = i % 2 == 1;
    r.ca_file = ca.string();
    loop.start(
        std::move(r),
        [&](std::string_view bytes, const ResponseHead&) {
          std::lock_guard lock(mutex);
          bodies.append(bytes);
          return true;
        },
        results.collect());
  }
  EXPECT_TRUE(results.wait_for(static_cast<std::size_t>(n), std::chrono::seconds(20)));
  std::lock_guard lock(results.mutex);
  return std::move(results.done);
}

TEST(EventLoop, MultiplexesHttp2StreamsOnOneConnection) {
  if (!installed("nghttpd") || !installed("openssl")) {
    GTEST_SKIP() << "nghttpd or openssl missing (Debian: apt-get install nghttp2-server openssl; "
                    "scripts/setup installs them with the test packages)";
  }
  const auto root = h2_root();
  Nghttpd server(root, true);
  ASSERT_TRUE(server.ready()) << "nghttpd did not start on port " << server.port();
  EventLoop loop;
  constexpr int kRequests = 8;
  std::string bodies;
  const auto done =
      send_all(loop, "https://127.0.0.1:" + std::to_string(server.port()) + "/hello.txt", kRequests,
               false, root / "cert.pem", bodies);
  long connections = 0;
  for (const PostResult& r : done) {
    ASSERT_EQ(r.error, TransferError::none) << r.error_message;
    EXPECT_EQ(r.head.status, 200);
    EXPECT_EQ(r.http_version, 20);
    connections += r.new_connections;
  }
  EXPECT_EQ(connections, 1) << "every stream should share the one HTTP/2 connection";
  EXPECT_NE(bodies.find("hello over h2"), std::string::npos);
  EXPECT_NE(bodies.find(R"("stream":true)"), std::string::npos) << "the POST body echoed";
  std::filesystem::remove_all(root);
}

// h2c (profile "http2": true on an http:// URL). libcurl before 8.0.0 cannot reuse such a
// connection (see transfer.cpp), so there each request has its own; from 8.0.0 they share one.
TEST(EventLoop, SpeaksH2cByPriorKnowledge) {
  if (!installed("nghttpd")) GTEST_SKIP() << "nghttpd missing (apt-get install nghttp2-server)";
  const auto root = h2_root();
  Nghttpd server(root, false);
  ASSERT_TRUE(server.ready()) << "nghttpd did not start on port " << server.port();
  EventLoop loop;
  constexpr int kRequests = 4;
  std::string bodies;
  const auto done =
      send_all(loop, "http://127.0.0.1:" + std::to_string(server.port()) + "/hello.txt", kRequests,
               true, {}, bodies);
  long connections = 0;
  for (const PostResult& r : done) {
    ASSERT_EQ(r.error, TransferError::none) << r.error_message;
    EXPECT_EQ(r.http_version, 20);
    connections += r.new_connections;
  }
  EXPECT_GE(connections, 1);
  if (curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000) {
    EXPECT_EQ(connections, 1);
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace rbench::http
