// The client-side rate limiter on an injected clock: a minute's burst at once, then the rate;
// tokens and requests both bind; settling refunds or charges the difference.
#include "engines/openai/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "harness/core/error.h"

namespace rbench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;  // any moment

double seconds_after(Clock::time_point t, Clock::time_point origin) {
  return std::chrono::duration<double>(t - origin).count();
}

TEST(RateLimiter, NoLimitSendsAtOnce) {
  RateLimiter limiter(std::nullopt, std::nullopt);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.reserve(1'000'000, t0), t0);
}

TEST(RateLimiter, RequestsPerMinuteAllowAMinutesBurstThenPace) {
  RateLimiter limiter(60, std::nullopt);  // one a second
  for (int i = 0; i < 60; ++i) EXPECT_EQ(limiter.reserve(100, t0), t0) << i;
  // The bucket is empty: the next ones go one second apart.
  EXPECT_NEAR(seconds_after(limiter.reserve(100, t0), t0), 1.0, 1e-6);
  EXPECT_NEAR(seconds_after(limiter.reserve(100, t0), t0), 2.0, 1e-6);
  // Asked later, past its slot: at once, and the bucket refilled meanwhile.
  const Clock::time_point later = t0 + 10s;
  EXPECT_EQ(limiter.reserve(100, later), later);
}

TEST(RateLimiter, RefillsContinuouslyAndNeverBeyondOneMinute) {
  RateLimiter limiter(6, std::nullopt);  // one every 10 s
  for (int i = 0; i < 6; ++i) EXPECT_EQ(limiter.reserve(0, t0), t0);
  // Half a minute later, three have come back: three go at once, the fourth waits 10 s.
  const Clock::time_point t = t0 + 30s;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.reserve(0, t), t) << i;
  EXPECT_NEAR(seconds_after(limiter.reserve(0, t), t), 10.0, 1e-6);
  // An hour idle holds one minute's worth, not sixty.
  RateLimiter idle(6, std::nullopt);
  const Clock::time_point hour = t0 + 3600s;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(idle.reserve(0, hour), hour);
  EXPECT_GT(idle.reserve(0, hour), hour);
}

TEST(RateLimiter, TokensPerMinuteBindWhenRequestsAreLarge) {
  RateLimiter limiter(1000, 6000);  // 100 tokens a second
  EXPECT_EQ(limiter.reserve(3000, t0), t0);
  EXPECT_EQ(limiter.reserve(3000, t0), t0);
  // The minute's 6,000 tokens are spent: 1,000 more take 10 s.
  EXPECT_NEAR(seconds_after(limiter.reserve(1000, t0), t0), 10.0, 1e-6);
  // A request larger than the whole bucket goes when the bucket is full, and the excess is a
  // debt the next one waits for.
  RateLimiter small(std::nullopt, 600);  // 10 tokens a second
  EXPECT_EQ(small.reserve(1200, t0), t0);
  EXPECT_NEAR(seconds_after(small.reserve(10, t0), t0), 61.0, 1e-6);
  EXPECT_NEAR(seconds_after(small.reserve(1200, t0), t0), 121.0, 1e-6);
}

TEST(RateLimiter, BothLimitsChargedWhenTheRequestGoes) {
  RateLimiter limiter(1, 1'000'000);  // the request limit binds
  EXPECT_EQ(limiter.reserve(10, t0), t0);
  EXPECT_NEAR(seconds_after(limiter.reserve(10, t0), t0), 60.0, 1e-6);
  EXPECT_NEAR(seconds_after(limiter.reserve(10, t0), t0), 120.0, 1e-6);
}

TEST(RateLimiter, SettleRefundsOrChargesTheDifference) {
  RateLimiter limiter(std::nullopt, 600);  // 10 tokens a second
  EXPECT_EQ(limiter.reserve(600, t0), t0);
  EXPECT_NEAR(seconds_after(limiter.reserve(100, t0), t0), 10.0, 1e-6);
  // The first used 300 tokens, not 600: 300 back, so the next 100 fit at once... after the 100
  // already reserved, which now fit too.
  limiter.settle(600, 300);
  EXPECT_EQ(limiter.reserve(100, t0), t0);
  // A debt: 1,000 used where 100 were reserved pushes the next one back 90 s.
  RateLimiter debt(std::nullopt, 600);
  EXPECT_EQ(debt.reserve(600, t0), t0);
  debt.settle(100, 1000);
  EXPECT_NEAR(seconds_after(debt.reserve(0, t0), t0), 90.0, 1e-6);
  // Unknown usage (-1) leaves the bucket as reserved.
  RateLimiter unknown(std::nullopt, 600);
  EXPECT_EQ(unknown.reserve(600, t0), t0);
  unknown.settle(600, -1);
  EXPECT_NEAR(seconds_after(unknown.reserve(10, t0), t0), 1.0, 1e-6);
}

TEST(RateLimiter, RejectsRatesThatAreNotPositive) {
  EXPECT_THROW(RateLimiter(0.0, std::nullopt), Error);
  EXPECT_THROW(RateLimiter(std::nullopt, -5.0), Error);
}

TEST(RateLimiter, ThreadSafeReservationsKeepTheRate) {
  RateLimiter limiter(600, std::nullopt);  // 10 a second, 600 at once
  std::vector<Clock::time_point> times(4 * 300);
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i)
        times[static_cast<std::size_t>(t * 300 + i)] = limiter.reserve(1, t0);
    });
  }
  threads.clear();
  std::sort(times.begin(), times.end());
  EXPECT_EQ(times[599], t0);
  // The 1,200th goes 600 slots of 0.1 s after the burst.
  EXPECT_NEAR(seconds_after(times.back(), t0), 60.0, 1e-6);
}

}  // namespace
}  // namespace rbench
