// Ctrl-C for a long run: the first SIGINT/SIGTERM stops new work and lets in-flight requests
// finish; the second cancels them too. Everything already finished stays in the store.
#pragma once

#include <atomic>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

namespace rbench {

class InterruptWatcher {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread (and so in every thread created after it)
  // and waits for them on a thread of its own. Construct it before starting any other thread.
  explicit InterruptWatcher(std::function<void(const std::string&)> say);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  std::stop_token drain() const { return drain_.get_token(); }
  std::stop_token cancel() const { return cancel_.get_token(); }
  int signals_seen() const { return seen_; }

 private:
  std::function<void(const std::string&)> say_;
  std::stop_source drain_;
  std::stop_source cancel_;
  std::atomic<int> seen_{0};
  std::jthread waiter_;  // last member: stops and joins first
};

}  // namespace rbench
