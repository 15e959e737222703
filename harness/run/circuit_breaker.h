// A circuit breaker for one endpoint: once the last N finished requests all failed in a way no
// retry will mend (the connection fails, the key is refused with 401/403, the URL is a 404), no
// new requests are sent. A run against a dead endpoint then stops after N requests instead of
// retrying every item of the suite. Rate limits (429), 5xx, timeouts and malformed streams do
// not count: the client backs off from those, and the endpoint may well recover.
#pragma once

#include <mutex>
#include <stop_token>
#include <string>

#include "engines/api/engine.h"

namespace rbench {

// Consecutive dead-endpoint failures that trip the breaker (`--breaker N`; 0 turns it off).
inline constexpr int kBreakerWindow = 20;

// Whether `c` failed in a way that says the endpoint is unreachable or refuses us: a connection
// error, or HTTP 401, 403 or 404.
bool is_dead_endpoint_failure(const Completion& c);

class CircuitBreaker {
 public:
  // `endpoint` names it in the reason ("http://127.0.0.1:8000/v1"); `window` 0 never trips.
  explicit CircuitBreaker(std::string endpoint, int window = kBreakerWindow);

  // Counts one finished request. Cancelled ones are left out (they say nothing of the endpoint);
  // any other outcome that is not a dead-endpoint failure starts the count again. Returns true
  // for the request that trips it. Thread-safe.
  bool record(const Completion& c);

  bool tripped() const { return stop_.stop_requested(); }
  // Requested when it trips, so that waits and requests in flight can hear it.
  std::stop_token token() const { return stop_.get_token(); }
  // "the last 20 requests to URL failed (connection: Couldn't connect to server)"; "" until it
  // trips.
  std::string reason() const;

 private:
  std::string endpoint_;
  int window_;
  mutable std::mutex mutex_;
  int failures_ = 0;        // consecutive dead-endpoint failures
  std::string last_error_;  // of the latest one, for the reason
  std::stop_source stop_;
};

}  // namespace rbench
