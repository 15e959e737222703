#include "harness/net/local_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/open_files.h"

namespace rbench::http {

namespace {

// Requests one kept-alive connection serves before the server closes it (httplib's default, 5,
// makes a client that keeps connections open reconnect every fifth request).
constexpr std::size_t kKeepAliveMaxRequests = 100'000;
// Connections waiting to be accepted: httplib listens with a backlog of 5, which drops the SYNs
// of a client opening thousands of connections at once (each then waits a second to retry).
constexpr int kListenBacklog = 4096;

// httplib's task queue, grown on demand: a thread is started when a connection arrives and none
// is idle, up to `max_threads`, with stacks of the size asked for (std::thread cannot set it).
// Threads are kept until shutdown, for the next connections.
class GrowingThreadPool final : public httplib::TaskQueue {
 public:
  GrowingThreadPool(std::size_t max_threads, std::size_t stack_bytes)
      : max_threads_(std::max<std::size_t>(1, max_threads)), stack_bytes_(stack_bytes) {}
  ~GrowingThreadPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    jobs_.push_back(std::move(fn));
    if (idle_ >= jobs_.size() || threads_.size() >= max_threads_) {
      lock.unlock();
      ready_.notify_one();
      return;
    }
    // Started under the lock, so that shutdown() sees every thread it must join.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack_bytes_ > 0) pthread_attr_setstacksize(&attr, stack_bytes_);
    pthread_t thread{};
    const int failed = pthread_create(&thread, &attr, &GrowingThreadPool::work, this);
    pthread_attr_destroy(&attr);
    // Out of threads: the job waits for a busy thread to be free, as at the cap.
    if (failed == 0) threads_.push_back(thread);
  }

  void shutdown() override {
    std::vector<pthread_t> threads;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
      threads = threads_;
    }
    ready_.notify_all();
    for (pthread_t t : threads) pthread_join(t, nullptr);
  }

 private:
  static void* work(void* self) {
    static_cast<GrowingThreadPool*>(self)->run();
    return nullptr;
  }
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      ++idle_;
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  const std::size_t max_threads_;
  const std::size_t stack_bytes_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<pthread_t> threads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

// The listening socket httplib keeps to itself (a protected member, reached through a derived
// class's member pointer).
struct ListeningSocket : httplib::Server {
  static int of(httplib::Server& server) { return (server.*(&ListeningSocket::svr_sock_)).load(); }
};

}  // namespace

std::string openai_error_json(std::string_view message, std::string_view type, int code) {
  json::Writer w;
  w.object({{"error", json::object({{"message", message}, {"type", type}, {"code", code}})}});
  return w.str();
}

int start_local_server(httplib::Server& server, const std::string& host, int port,
                       std::thread& thread, std::string_view who, LocalServerLimits limits) {
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(openai_error_json(fmt::format("no route for {} {}", req.method, req.path),
                                        "invalid_request_error", res.status),
                      "application/json");
    }
  });
  // httplib serves each connection on a pool thread, 8 by default on a small machine: a client
  // holding more keep-alive connections than that waits for one to time out, which a latency
  // probe at concurrency 8 measured as a 1 s TTFT. Loopback servers get a pool that grows to
  // their connection limit. (httplib takes ownership of the raw pointer it asks for.)
  server.new_task_queue = [limits] {
    return new GrowingThreadPool(limits.max_connections, limits.thread_stack_bytes);
  };
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  // A descriptor per connection, and some for the process's own files.
  raise_open_files_limit(limits.max_connections + 256);
  // Streams are many small writes: with Nagle's algorithm on, each waits for the client's
  // delayed ACK (~40 ms on Linux) on a kept-alive connection. Set on the listening socket,
  // inherited by accepted ones.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) throw Error(fmt::format("{}: cannot listen on {}:{} (in use?)", who, host, port));
  // listen() again on a listening socket sets its backlog (Linux; capped by somaxconn).
  ::listen(ListeningSocket::of(server), kListenBacklog);
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
