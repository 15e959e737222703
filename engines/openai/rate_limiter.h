// Client-side rate limits (--rpm, --tpm): token buckets for requests and tokens per minute,
// refilled continuously, that say when a request may be sent instead of letting the server answer
// 429. One limiter is shared by every model that uses the same API key (or profile).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace rbench {

class RateLimiter {  // thread-safe; token buckets refilled continuously
 public:
  // An absent or non-positive rate is no limit.
  RateLimiter(std::optional<double> requests_per_minute, std::optional<double> tokens_per_minute);

  // Reserves one request of about `tokens` tokens (prompt estimate + max_tokens or a default) and
  // returns when it may be sent (<= now: at once). Never blocks.
  std::chrono::steady_clock::time_point reserve(std::int64_t tokens,
                                                std::chrono::steady_clock::time_point now);
  // Once the usage is known: returns the difference to the bucket (may go negative = debt).
  void settle(std::int64_t reserved_tokens, std::int64_t actual_tokens);

 private:
  // A bucket holding up to a minute's worth; `level` may go negative (reserved ahead).
  struct Bucket {
    double per_minute = 0;
    double level = 0;
    std::chrono::steady_clock::time_point updated;
  };
  static void refill(Bucket& b, std::chrono::steady_clock::time_point now);
  // Takes `amount` and returns when the bucket is back at zero (when the taker may go).
  static std::chrono::steady_clock::time_point take(Bucket& b, double amount,
                                                    std::chrono::steady_clock::time_point now);

  std::mutex mutex_;
  std::optional<Bucket> requests_;
  std::optional<Bucket> tokens_;
};

}  // namespace rbench
