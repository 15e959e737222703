// Which failures are retried, how long the waits are, and Retry-After in both forms.
#include "engines/openai/retry_policy.h"

#include <gtest/gtest.h>

#include <thread>

#include "engines/engine_test_util.h"

namespace rbench {
namespace {

TEST(RetryPolicy, RetryableStatuses) {
  for (long s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200, 400, 401, 403, 404, 422, 501}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, FullJitterStaysUnderTheCappedExponential) {
  std::mt19937_64 rng(7);
  for (int retry = 0; retry < 12; ++retry) {
    const double ceiling = std::min(10.0, 0.5 * (1 << retry));
    double highest = 0;
    for (int i = 0; i < 500; ++i) {
      const double d = backoff_delay_s(retry, 0.5, 10.0, rng);
      ASSERT_GE(d, 0.0);
      ASSERT_LE(d, ceiling);
      highest = std::max(highest, d);
    }
    EXPECT_GT(highest, 0.9 * ceiling) << "the draw should span [0, ceiling]";
  }
  EXPECT_EQ(backoff_delay_s(3, 0, 10, rng), 0);
}

TEST(RetryPolicy, RetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("7"), 7.0);
  EXPECT_EQ(parse_retry_after(" 0 "), 0.0);
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_FALSE(parse_retry_after("-3"));
}

TEST(RetryPolicy, RetryAfterHttpDate) {
  // 2015-10-21 07:28:00 UTC
  const auto when = std::chrono::system_clock::from_time_t(1445412480);
  const auto wait =
      parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", when - std::chrono::seconds(30));
  ASSERT_TRUE(wait);
  EXPECT_NEAR(*wait, 30.0, 1e-6);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", when + std::chrono::hours(1)), 0.0);
}

TEST(RetryPolicy, SleepEndsAtOnceOnStop) {
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    source.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(sleep_unless_stopped(30.0, source.get_token()));
  EXPECT_LT(test::seconds_since(t0), 1.0);
  EXPECT_TRUE(sleep_unless_stopped(0.01, std::stop_token{}));
}

}  // namespace
}  // namespace rbench
