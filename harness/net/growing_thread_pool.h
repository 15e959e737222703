// httplib's task queue for rbench's loopback servers: a thread per connection, started as
// connections arrive (up to a cap) and ended after sitting idle, with a bounded queue of
// connections waiting for one. Jobs past that queue run at once on the thread that enqueues
// them (httplib's listening thread), which GuardedServer answers with a quick 503.
#pragma once

#include <httplib.h>
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace rbench::http {

// The name every pool thread carries (at most 15 characters): `top -H`, gdb and the tests tell a
// server's connection threads from the rest of the process by it.
inline constexpr const char* kConnectionThreadName = "rbench-conn";

struct ThreadPoolLimits {
  std::size_t max_threads = 1;
  std::size_t max_waiting = 1024;                  // jobs queued while every thread is busy
  std::size_t stack_bytes = 0;                     // 0: the system's default
  std::chrono::milliseconds idle_timeout{30'000};  // an idle thread ends after this
};

class GrowingThreadPool final : public httplib::TaskQueue {
 public:
  explicit GrowingThreadPool(ThreadPoolLimits limits);
  ~GrowingThreadPool() override { shutdown(); }
  GrowingThreadPool(const GrowingThreadPool&) = delete;
  GrowingThreadPool& operator=(const GrowingThreadPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  std::size_t threads() const;  // alive now (tests: the pool shrinks)

 private:
  static void* work(void* self);
  void run();

  const ThreadPoolLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<pthread_t> threads_;
  std::size_t idle_ = 0;
  std::size_t starting_ = 0;  // started, not yet waiting: each will take a queued job
  bool stopping_ = false;
};

}  // namespace rbench::http
