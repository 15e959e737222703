// Client-side rate limits (`--rpm`, `--tpm`, a profile's "rpm"/"tpm"): requests and tokens per
// minute, paced before the server has to answer 429. One limiter per API key (or per profile
// without a key) is shared by every model that uses it, so the limit holds for the key.
//
// Each limit is a token bucket refilled continuously at its rate, holding at most one minute's
// worth (a fresh limiter lets a minute's budget go at once, as a provider's per-minute window
// would). It is kept as a GCRA "theoretical arrival time": the moment the bucket would be full
// again, so a reservation is a little arithmetic under a mutex and never waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace rbench {

class RateLimiter {  // thread-safe; token buckets refilled continuously
 public:
  // nullopt: that dimension is not limited. Throws rbench::Error for a rate that is not > 0.
  RateLimiter(std::optional<double> requests_per_minute, std::optional<double> tokens_per_minute);

  // Reserves one request of about `tokens` tokens (prompt estimate + max_tokens or a default) and
  // returns when it may be sent (<= now: at once). Never blocks. Reservations queue: the next
  // one is paced after this one. One larger than a minute's worth goes once the bucket is full
  // and leaves the excess as debt.
  std::chrono::steady_clock::time_point reserve(std::int64_t tokens,
                                                std::chrono::steady_clock::time_point now);
  // Once the usage is known: returns the difference to the bucket (may go negative = debt).
  void settle(std::int64_t reserved_tokens, std::int64_t actual_tokens);

  std::optional<double> requests_per_minute() const { return requests_.per_minute; }
  std::optional<double> tokens_per_minute() const { return tokens_.per_minute; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    std::optional<double> per_minute;
    // When the bucket is full again; the epoch (the default) is "full now".
    Clock::time_point full_at{};
    // How long `amount` takes to refill.
    Clock::duration refill(double amount) const;
    // The earliest time >= now at which `amount` fits.
    Clock::time_point fits_at(double amount, Clock::time_point now) const;
  };

  std::mutex mutex_;
  Bucket requests_;
  Bucket tokens_;
};

}  // namespace rbench
