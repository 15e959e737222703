#include "engines/openai/rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/core/error.h"

namespace rbench {
namespace {

// The bucket holds one minute's worth: its tolerance, in GCRA's terms.
constexpr std::chrono::seconds kBurst{60};

std::optional<double> checked_rate(std::optional<double> rate, const char* what) {
  if (rate && !(*rate > 0 && std::isfinite(*rate))) {
    throw Error(
        fmt::format("rate limiter: {} per minute must be a number > 0, not {}", what, *rate));
  }
  return rate;
}

}  // namespace

RateLimiter::RateLimiter(std::optional<double> requests_per_minute,
                         std::optional<double> tokens_per_minute) {
  requests_.per_minute = checked_rate(requests_per_minute, "requests");
  tokens_.per_minute = checked_rate(tokens_per_minute, "tokens");
}

RateLimiter::Clock::duration RateLimiter::Bucket::refill(double amount) const {
  if (!per_minute) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(amount * 60.0 / *per_minute));
}

RateLimiter::Clock::time_point RateLimiter::Bucket::fits_at(double amount,
                                                            Clock::time_point now) const {
  if (!per_minute) return now;
  // Sending `amount` at t makes the bucket full again at max(full_at, t) + refill(amount); it
  // fits while that is at most one burst ahead of t. More than the whole bucket waits for a full
  // one and leaves the rest as debt.
  const Clock::duration need = std::min<Clock::duration>(refill(amount), kBurst);
  return std::max(now, std::max(full_at, now) + need - kBurst);
}

std::chrono::steady_clock::time_point RateLimiter::reserve(
    std::int64_t tokens, std::chrono::steady_clock::time_point now) {
  const double amount = static_cast<double>(std::max<std::int64_t>(0, tokens));
  std::lock_guard lock(mutex_);
  const Clock::time_point at = std::max(requests_.fits_at(1, now), tokens_.fits_at(amount, now));
  // Both buckets are charged at the moment the request goes, so neither runs ahead of it.
  for (auto [bucket, cost] : {std::pair{&requests_, 1.0}, std::pair{&tokens_, amount}}) {
    if (bucket->per_minute) bucket->full_at = std::max(bucket->full_at, at) + bucket->refill(cost);
  }
  return at;
}

void RateLimiter::settle(std::int64_t reserved_tokens, std::int64_t actual_tokens) {
  if (!tokens_.per_minute || actual_tokens < 0) return;  // -1: the server did not say
  std::lock_guard lock(mutex_);
  const double difference = static_cast<double>(actual_tokens - reserved_tokens);
  // A refund moves the full time back (the bucket still holds one burst at most: fits_at takes
  // max(full_at, now)); a debt moves it forward.
  tokens_.full_at += tokens_.refill(std::abs(difference)) * (difference < 0 ? -1 : 1);
}

}  // namespace rbench
