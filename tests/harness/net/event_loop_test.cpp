// The event loop: many slow streams on its one thread, kept-alive connections reused, timers in
// order, cancellation, and HTTP/2 multiplexing against a real HTTP/2 server (nghttpd, h2c).
#include "harness/net/event_loop.h"

#include <arpa/inet.h>
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
  constexpr int kStreams = 200;
  MockServerOptions options;
  options.token_delay_ms = 5;  // ~20 tokens: each stream lasts ~0.1 s or more
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
    loop.start(
        post_to(server.base_url() + "/chat/completions"),
        [](std::string_view, const ResponseHead&) { return true; }, results.collect());
  }
  for (int i = 0; i < 100 && loop.in_flight() > 0; ++i) {
    most_threads = std::max(most_threads.load(), process_threads());
    most_in_flight = std::max(most_in_flight.load(), loop.in_flight());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(results.wait_for(kStreams, std::chrono::seconds(60)));
  for (const PostResult& r : results.done) {
    ASSERT_EQ(r.error, TransferError::none) << r.error_message;
    EXPECT_EQ(r.head.status, 200);
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

// nghttpd (Debian's nghttp2-server) serving a folder over h2c on a free port, killed at the end.
class Nghttpd {
 public:
  explicit Nghttpd(const std::filesystem::path& root) {
    port_ = free_port();
    const std::string port = std::to_string(port_);
    const std::string dir = root.string();
    std::vector<char*> argv{const_cast<char*>("nghttpd"),
                            const_cast<char*>("--no-tls"),
                            const_cast<char*>("--echo-upload"),
                            const_cast<char*>("-d"),
                            const_cast<char*>(dir.c_str()),
                            const_cast<char*>(port.c_str()),
                            nullptr};
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
  static bool installed() { return std::system("command -v nghttpd >/dev/null 2>&1") == 0; }
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

TEST(EventLoop, MultiplexesHttp2StreamsOnOneConnection) {
  if (!Nghttpd::installed()) {
    GTEST_SKIP() << "nghttpd not installed (Debian: apt-get install nghttp2-server; scripts/setup "
                    "installs it with the test packages)";
  }
  const auto root =
      std::filesystem::temp_directory_path() / ("rbench-h2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  std::ofstream(root / "hello.txt") << "hello over h2c\n";
  Nghttpd server(root);
  ASSERT_TRUE(server.ready()) << "nghttpd did not start on port " << server.port();
  EventLoop loop;
  constexpr int kRequests = 8;
  Results results;
  std::mutex bodies_mutex;
  std::string echoed;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hello.txt";
  for (int i = 0; i < kRequests; ++i) {
    // POSTs echoed back (--echo-upload), and GETs of the file, all at once.
    PostRequest r = post_to(url);
    r.http2_prior_knowledge = true;
    r.get = i % 2 == 1;
    loop.start(
        std::move(r),
        [&](std::string_view bytes, const ResponseHead&) {
          std::lock_guard lock(bodies_mutex);
          echoed.append(bytes);
          return true;
        },
        results.collect());
  }
  ASSERT_TRUE(results.wait_for(kRequests, std::chrono::seconds(20)));
  long connections = 0;
  for (const PostResult& r : results.done) {
    ASSERT_EQ(r.error, TransferError::none) << r.error_message;
    EXPECT_EQ(r.head.status, 200);
    EXPECT_EQ(r.http_version, 20);
    connections += r.new_connections;
  }
  EXPECT_EQ(connections, 1) << "every stream should share the one HTTP/2 connection";
  EXPECT_NE(echoed.find("hello over h2c"), std::string::npos);
  EXPECT_NE(echoed.find(R"("stream":true)"), std::string::npos) << "the POST body echoed";
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace rbench::http
