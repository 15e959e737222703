// One thread driving every HTTP transfer of the process through one curl multi handle: thousands
// of streams in flight on one thread, connections kept alive between requests (the multi
// handle's connection cache), HTTP/2 multiplexed where the server offers it. Transfers keep
// streaming_post's semantics (three timeouts, cancellation by std::stop_token, body bytes handed
// over as they arrive, non-2xx bodies kept for the error). The loop also runs timed tasks, so a
// retry's backoff or a rate limit's deferral waits on the loop's clock, not in a sleeping thread.
//
// Everything the loop calls (body callbacks, done callbacks, tasks) runs on its thread and must
// be quick: while one runs, no other transfer makes progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>

#include "harness/net/streaming_post.h"

namespace rbench::http {

// Receives a transfer's result, exactly once, on the loop's thread.
using DoneCallback = std::move_only_function<void(PostResult)>;
using LoopTask = std::move_only_function<void()>;

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the loop's thread. Throws rbench::Error when libcurl cannot be set up.
  EventLoop();
  // Ends the transfers still in flight (their done callbacks hear "cancelled": the event loop
  // shut down), drops pending tasks and joins the thread. Must not run on the loop's thread.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The process's loop, created on first use and kept while anyone holds it: every client
  // shares one thread and one connection cache. (Only a weak reference is kept here, so the
  // loop ends with its last user, not at static destruction.)
  static std::shared_ptr<EventLoop> shared();

  // Starts a transfer and returns at once; thread-safe. `on_body` and `on_done` run on the
  // loop's thread; `on_done` exactly once, also when the loop shuts down first.
  void start(PostRequest request, BodyCallback on_body, DoneCallback on_done,
             std::stop_token stop = {});

  // Runs `task` on the loop's thread at `at` (at once when it has passed); thread-safe. Tasks
  // still pending when the loop is destroyed are dropped without running.
  void post_at(Clock::time_point at, LoopTask task);
  void post(LoopTask task) { post_at(Clock::time_point{}, std::move(task)); }

  bool on_loop_thread() const;
  // CPU time the loop's thread has used so far: the client's own cost, for the probes.
  double thread_cpu_s() const;
  // Transfers started and not yet done (including those still queued to start).
  std::int64_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rbench::http
