// A Clock for tests of latency figures: every reading of its monotonic time advances by exactly
// one step, while its wall time jumps an hour back and two ahead by turns (a clock stepped by NTP
// or by hand). Figures read from the monotonic clock alone come out as whole numbers of steps,
// small and in order; any that mixed in the wall clock (or the machine's) could not.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>

#include "harness/core/clock.h"

namespace rbench::testing {

class SteppingClock final : public Clock {
 public:
  static constexpr std::chrono::microseconds kStep{7000};
  static constexpr double kStepS = 0.007;

  Monotonic::time_point monotonic() const override {
    const std::int64_t n = monotonic_reads_.fetch_add(1);
    // Far from the machine's steady time, so a mix of the two could not pass as small.
    using namespace std::chrono_literals;
    return Monotonic::time_point{} + 1000h + n * kStep;
  }
  Wall::time_point wall() const override {
    using namespace std::chrono_literals;
    const std::int64_t n = wall_reads_.fetch_add(1);
    return Wall::now() + (n % 2 == 0 ? -1h : 2h);
  }
  std::int64_t monotonic_reads() const { return monotonic_reads_.load(); }

  // Whether `seconds` is a whole number of steps.
  static bool whole_steps(double seconds) {
    const double steps = seconds / kStepS;
    return std::abs(steps - std::round(steps)) < 1e-6;
  }

 private:
  mutable std::atomic<std::int64_t> monotonic_reads_{0};
  mutable std::atomic<std::int64_t> wall_reads_{0};
};

}  // namespace rbench::testing
