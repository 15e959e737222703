#include "harness/net/growing_thread_pool.h"

#include <algorithm>

namespace rbench::http {

GrowingThreadPool::GrowingThreadPool(ThreadPoolLimits limits) : limits_(limits) {}

void GrowingThreadPool::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mutex_);
  const std::size_t max_threads = std::max<std::size_t>(1, limits_.max_threads);
  const bool at_cap = threads_.size() >= max_threads;
  // Jobs beyond the idle and starting threads wait; past the queue's bound the job runs here
  // and now (the server refuses the connection at once) rather than hold a descriptor for long.
  const std::size_t free_threads = idle_ + starting_;
  if (at_cap && jobs_.size() >= free_threads + limits_.max_waiting) {
    lock.unlock();
    fn();
    return;
  }
  jobs_.push_back(std::move(fn));
  if (free_threads >= jobs_.size() || at_cap) {
    lock.unlock();
    ready_.notify_one();
    return;
  }
  // Started under the lock, so that shutdown() sees every thread it must join.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (limits_.stack_bytes > 0) pthread_attr_setstacksize(&attr, limits_.stack_bytes);
  pthread_t thread{};
  const int failed = pthread_create(&thread, &attr, &GrowingThreadPool::work, this);
  pthread_attr_destroy(&attr);
  // Out of threads: the job waits for a busy thread to be free, as at the cap.
  if (failed == 0) {
    threads_.push_back(thread);
    ++starting_;
  }
}

void GrowingThreadPool::shutdown() {
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

std::size_t GrowingThreadPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void* GrowingThreadPool::work(void* self) {
  pthread_setname_np(pthread_self(), kConnectionThreadName);
  static_cast<GrowingThreadPool*>(self)->run();
  return nullptr;
}

void GrowingThreadPool::run() {
  std::unique_lock lock(mutex_);
  --starting_;  // from here on counted as idle or busy
  while (true) {
    ++idle_;
    const bool woken =
        ready_.wait_for(lock, limits_.idle_timeout, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (!woken) {
      // Idle too long: this thread leaves, so that a burst's threads (and their stacks) do not
      // stay for the life of the server. It takes itself off the list shutdown() joins.
      const pthread_t self = pthread_self();
      threads_.erase(std::find_if(threads_.begin(), threads_.end(),
                                  [&](pthread_t t) { return pthread_equal(t, self); }));
      pthread_detach(self);
      return;
    }
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace rbench::http
