#include "engines/openai/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>

namespace rbench {

bool is_retryable_status(long status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

double backoff_delay_s(int retry, double base_s, double max_s, std::mt19937_64& rng) {
  const double ceiling = std::min(max_s, base_s * std::ldexp(1.0, std::clamp(retry, 0, 62)));
  if (ceiling <= 0) return 0;
  return std::uniform_real_distribution<double>(0.0, ceiling)(rng);
}

std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::nullopt;  // nonsense, not a wait
    return std::stod(std::string(value));
  }
  // curl_getdate reads the three date formats RFC 9110 allows (IMF-fixdate, RFC 850, asctime).
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const double delta =
      std::chrono::duration<double>(std::chrono::system_clock::from_time_t(when) - now).count();
  return std::max(0.0, delta);
}

bool sleep_unless_stopped(double seconds, std::stop_token stop) {
  if (seconds <= 0) return !stop.stop_requested();
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, stop, std::chrono::duration<double>(seconds), [] { return false; });
  return !stop.stop_requested();
}

}  // namespace rbench
