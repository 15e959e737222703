// The circuit breaker alone: which failures count, that anything else starts the count again,
// that it trips once on the window's last failure (from many threads too), and what it says.
#include "harness/run/circuit_breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace rbench {
namespace {

constexpr const char* kUrl = "http://127.0.0.1:9/v1";

Completion failed(ErrorKind kind, int status = 0, std::string error = "") {
  Completion c;
  c.error_kind = kind;
  c.http_status = status;
  c.error = error.empty() ? std::string(to_string(kind)) : std::move(error);
  return c;
}

Completion refused() {
  return failed(ErrorKind::connection, 0,
                "connection: Failed to connect to 127.0.0.1 port 9: Connection refused (curl "
                "error 7) (POST http://127.0.0.1:9/v1/chat/completions; 3 attempts)");
}

Completion ok() {
  Completion c;
  c.answer = "42";
  return c;
}

TEST(CircuitBreaker, DeadEndpointFailuresAreConnectionAuthAndNotFound) {
  EXPECT_TRUE(is_dead_endpoint_failure(refused()));
  for (int status : {401, 403, 404}) {
    EXPECT_TRUE(is_dead_endpoint_failure(failed(ErrorKind::http, status))) << status;
  }
  for (int status : {400, 408, 429, 500, 502, 503, 504}) {
    EXPECT_FALSE(is_dead_endpoint_failure(failed(ErrorKind::http, status))) << status;
  }
  for (ErrorKind kind : {ErrorKind::timeout, ErrorKind::protocol, ErrorKind::cancelled,
                         ErrorKind::engine, ErrorKind::none}) {
    EXPECT_FALSE(is_dead_endpoint_failure(failed(kind))) << to_string(kind);
  }
  // A 404 status on a failure of another kind (a cut stream) is not an HTTP refusal.
  EXPECT_FALSE(is_dead_endpoint_failure(failed(ErrorKind::protocol, 404)));
}

TEST(CircuitBreaker, TripsOnTheWindowsLastFailureAndSaysWhy) {
  CircuitBreaker breaker(kUrl);
  for (int i = 1; i < kBreakerWindow; ++i) {
    EXPECT_FALSE(breaker.record(refused())) << i;
    EXPECT_FALSE(breaker.tripped()) << i;
  }
  EXPECT_EQ(breaker.reason(), "");
  EXPECT_FALSE(breaker.token().stop_requested());
  EXPECT_TRUE(breaker.record(refused()));
  EXPECT_TRUE(breaker.tripped());
  EXPECT_TRUE(breaker.token().stop_requested());
  EXPECT_EQ(breaker.reason(),
            "the last 20 requests to http://127.0.0.1:9/v1 failed (connection: Failed to "
            "connect to 127.0.0.1 port 9: Connection refused (curl error 7))");
  // Only the first trip reports itself.
  EXPECT_FALSE(breaker.record(refused()));
  EXPECT_TRUE(breaker.tripped());
}

TEST(CircuitBreaker, AnyOtherOutcomeStartsTheCountAgain) {
  for (const Completion& other :
       {ok(), failed(ErrorKind::http, 429), failed(ErrorKind::http, 500),
        failed(ErrorKind::http, 503), failed(ErrorKind::http, 400), failed(ErrorKind::timeout),
        failed(ErrorKind::protocol), failed(ErrorKind::engine)}) {
    CircuitBreaker breaker(kUrl, 3);
    EXPECT_FALSE(breaker.record(failed(ErrorKind::http, 401)));
    EXPECT_FALSE(breaker.record(failed(ErrorKind::http, 403)));
    EXPECT_FALSE(breaker.record(other)) << other.error;
    EXPECT_FALSE(breaker.record(failed(ErrorKind::http, 404)));
    EXPECT_FALSE(breaker.record(refused()));
    EXPECT_FALSE(breaker.tripped()) << other.error;
    EXPECT_TRUE(breaker.record(refused())) << other.error;
  }
}

TEST(CircuitBreaker, RateLimitsAndServerErrorsNeverTripIt) {
  CircuitBreaker breaker(kUrl, 3);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(breaker.record(failed(ErrorKind::http, i % 2 ? 429 : 500)));
  }
  EXPECT_FALSE(breaker.tripped());
}

TEST(CircuitBreaker, CancelledRequestsNeitherCountNorReset) {
  CircuitBreaker breaker(kUrl, 2);
  EXPECT_FALSE(breaker.record(refused()));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(breaker.record(failed(ErrorKind::cancelled)));
  EXPECT_TRUE(breaker.record(refused()));
}

TEST(CircuitBreaker, WindowZeroIsOff) {
  CircuitBreaker breaker(kUrl, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(breaker.record(refused()));
  EXPECT_FALSE(breaker.tripped());
  EXPECT_EQ(breaker.reason(), "");
}

TEST(CircuitBreaker, HttpCauseKeepsTheServersWordsOnOneLine) {
  CircuitBreaker breaker("https://api.example.com/v1", 1);
  EXPECT_TRUE(breaker.record(failed(ErrorKind::http, 401,
                                    "HTTP 401: Incorrect API key\nprovided (POST "
                                    "https://api.example.com/v1/chat/completions; 1 attempt)")));
  EXPECT_EQ(breaker.reason(),
            "the last 1 requests to https://api.example.com/v1 failed (HTTP 401: Incorrect API "
            "key provided)");
}

TEST(CircuitBreaker, ManyThreadsTripItExactlyOnce) {
  CircuitBreaker breaker(kUrl, 50);
  std::atomic<int> trips{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) {
          if (breaker.record(refused())) ++trips;
        }
      });
    }
  }
  EXPECT_EQ(trips.load(), 1);
  EXPECT_TRUE(breaker.tripped());
}

}  // namespace
}  // namespace rbench
