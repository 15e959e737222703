#include "engines/openai/rate_limiter.h"

#include <algorithm>

namespace rbench {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<double> positive(std::optional<double> rate) {
  return rate && *rate > 0 ? rate : std::nullopt;
}

}  // namespace

RateLimiter::RateLimiter(std::optional<double> requests_per_minute,
                         std::optional<double> tokens_per_minute) {
  const auto now = Clock::now();
  // Full buckets: the first minute's worth may go at once, as a server's own limits allow.
  if (const auto r = positive(requests_per_minute)) requests_ = Bucket{*r, *r, now};
  if (const auto t = positive(tokens_per_minute)) tokens_ = Bucket{*t, *t, now};
}

void RateLimiter::refill(Bucket& b, Clock::time_point now) {
  if (now <= b.updated) return;
  const double minutes = std::chrono::duration<double>(now - b.updated).count() / 60.0;
  b.level = std::min(b.per_minute, b.level + minutes * b.per_minute);
  b.updated = now;
}

Clock::time_point RateLimiter::take(Bucket& b, double amount, Clock::time_point now) {
  refill(b, now);
  b.level -= amount;
  if (b.level >= 0) return now;
  const double minutes = -b.level / b.per_minute;
  return now +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(minutes * 60.0));
}

Clock::time_point RateLimiter::reserve(std::int64_t tokens, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Clock::time_point at = now;
  if (requests_) at = std::max(at, take(*requests_, 1, now));
  if (tokens_)
    at = std::max(at, take(*tokens_, static_cast<double>(std::max<std::int64_t>(0, tokens)), now));
  return at;
}

void RateLimiter::settle(std::int64_t reserved_tokens, std::int64_t actual_tokens) {
  std::lock_guard lock(mutex_);
  if (tokens_) tokens_->level += static_cast<double>(reserved_tokens - actual_tokens);
}

}  // namespace rbench
