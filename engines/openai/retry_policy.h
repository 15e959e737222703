// When and how long to wait before trying an HTTP request again: which failures are worth a
// retry, exponential backoff with full jitter, and the server's Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <stop_token>
#include <string_view>

namespace rbench {

// 408, 429, 500, 502, 503, 504: the server may well answer next time. Other 4xx never will.
bool is_retryable_status(long status);

// Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform draw from
// [0, min(max_s, base_s * 2^retry)], where retry counts from 0 for the first retry.
double backoff_delay_s(int retry, double base_s, double max_s, std::mt19937_64& rng);

// A Retry-After header value in seconds from `now`: delta-seconds ("7") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT"; a past date gives 0). nullopt when unparsable.
std::optional<double> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Sleeps for `seconds` unless `stop` fires first; returns false when it was stopped.
bool sleep_unless_stopped(double seconds, std::stop_token stop);

}  // namespace rbench
