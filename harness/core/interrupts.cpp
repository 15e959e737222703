#include "harness/core/interrupts.h"

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace rbench {

InterruptWatcher::InterruptWatcher(std::function<void(const std::string&)> say)
    : say_(std::move(say)) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  waiter_ = std::jthread([this, set](std::stop_token stop) {
    // sigtimedwait with a short timeout so the thread notices when the watcher is destroyed.
    const timespec poll{0, 100'000'000};
    while (!stop.stop_requested()) {
      if (sigtimedwait(&set, nullptr, &poll) < 0) continue;
      const int n = ++seen_;
      if (n == 1) {
        say_(
            "interrupted: no new samples start; waiting for those in flight "
            "(press Ctrl-C again to cancel them). Finished samples are kept.");
        drain_.request_stop();
      } else {
        say_("interrupted again: cancelling in-flight requests; they will be redone on resume.");
        cancel_.request_stop();
      }
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  waiter_.request_stop();
  if (waiter_.joinable()) waiter_.join();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace rbench
