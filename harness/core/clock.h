// The clocks that latency figures are read from. Durations (time to first token, the gaps
// between chunks, a request's time) come from the monotonic clock alone, so a step of the wall
// clock (NTP, a suspended laptop, an operator's `date -s`) never shows up as a negative or
// hour-long latency; the wall clock is for timestamps people read. An interface so that a test
// can inject clocks whose wall time jumps while the monotonic time advances steadily.
#pragma once

#include <chrono>

namespace rbench {

class Clock {
 public:
  using Monotonic = std::chrono::steady_clock;
  using Wall = std::chrono::system_clock;

  virtual ~Clock() = default;
  virtual Monotonic::time_point monotonic() const = 0;
  virtual Wall::time_point wall() const = 0;

  // Seconds from `since` (a monotonic() reading) to now, on the monotonic clock.
  double seconds_since(Monotonic::time_point since) const {
    return std::chrono::duration<double>(monotonic() - since).count();
  }
};

// The machine's clocks: std::chrono::steady_clock and system_clock. Stateless, so one shared
// instance serves every caller.
class SystemClock final : public Clock {
 public:
  Monotonic::time_point monotonic() const override { return Monotonic::now(); }
  Wall::time_point wall() const override { return Wall::now(); }
};

// The machine's clocks, for callers that are given no clock.
const Clock& machine_clock();

}  // namespace rbench
