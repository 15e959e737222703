// The connection thread pool: it grows per job up to its cap, queues a bounded number past it,
// hands the rest back to the caller (the server then refuses them), and shrinks when idle.
#include "harness/net/growing_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace rbench::http {
namespace {

using namespace std::chrono_literals;

// Jobs that hold their thread until released.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> entered{0};
  std::atomic<int> finished{0};
  std::function<void()> job() {
    return [this] {
      ++entered;
      std::unique_lock lock(mutex);
      cv.wait(lock, [this] { return open; });
      ++finished;
    };
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_all();
  }
};

template <typename F>
bool eventually(F&& condition, std::chrono::seconds limit = 20s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(GrowingThreadPool, GrowsPerJobAndShrinksWhenIdle) {
  GrowingThreadPool pool({.max_threads = 8, .max_waiting = 8, .idle_timeout = 200ms});
  Gate gate;
  for (int i = 0; i < 6; ++i) pool.enqueue(gate.job());
  ASSERT_TRUE(eventually([&] { return gate.entered == 6; }));
  EXPECT_EQ(pool.threads(), 6u);
  gate.release();
  ASSERT_TRUE(eventually([&] { return gate.finished == 6; }));
  // Idle past the timeout: every thread ends (the bug: a burst's threads stayed for good).
  EXPECT_TRUE(eventually([&] { return pool.threads() == 0; })) << pool.threads() << " left";
  // And the pool still serves: a new burst starts threads again.
  Gate second;
  for (int i = 0; i < 3; ++i) pool.enqueue(second.job());
  EXPECT_TRUE(eventually([&] { return second.entered == 3; }));
  second.release();
  EXPECT_TRUE(eventually([&] { return second.finished == 3; }));
  pool.shutdown();
}

TEST(GrowingThreadPool, PastTheWaitingQueueAJobRunsOnTheCaller) {
  GrowingThreadPool pool({.max_threads = 2, .max_waiting = 2, .idle_timeout = 30s});
  Gate gate;
  pool.enqueue(gate.job());
  pool.enqueue(gate.job());
  ASSERT_TRUE(eventually([&] { return gate.entered == 2; }));
  // Both threads busy: two jobs wait, the fifth is run at once by the caller.
  std::atomic<int> ran_waiting{0};
  pool.enqueue([&] { ++ran_waiting; });
  pool.enqueue([&] { ++ran_waiting; });
  std::thread::id ran_on{};
  pool.enqueue([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(ran_waiting, 0);
  gate.release();
  EXPECT_TRUE(eventually([&] { return ran_waiting == 2; }));
  pool.shutdown();
}

}  // namespace
}  // namespace rbench::http
