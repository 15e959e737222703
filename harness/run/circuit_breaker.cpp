#include "harness/run/circuit_breaker.h"

#include <fmt/format.h>

#include <utility>

namespace rbench {
namespace {

// The failure's own words, without the client's "(POST URL; N attempts)" tail (the reason names
// the endpoint once) and kept to one short line.
std::string cause_of(const Completion& c) {
  std::string text = c.error;
  if (const auto tail = text.rfind(" (POST "); tail != std::string::npos) text.resize(tail);
  for (char& ch : text) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  constexpr std::size_t kMaxCause = 200;
  if (text.size() > kMaxCause) text = text.substr(0, kMaxCause) + "...";
  if (text.empty()) text = std::string(to_string(c.error_kind));
  return text;
}

}  // namespace

bool is_dead_endpoint_failure(const Completion& c) {
  if (c.error_kind == ErrorKind::connection) return true;
  if (c.error_kind != ErrorKind::http) return false;
  return c.http_status == 401 || c.http_status == 403 || c.http_status == 404;
}

CircuitBreaker::CircuitBreaker(std::string endpoint, int window)
    : endpoint_(std::move(endpoint)), window_(window) {}

bool CircuitBreaker::record(const Completion& c) {
  if (window_ <= 0 || c.error_kind == ErrorKind::cancelled) return false;
  std::lock_guard lock(mutex_);
  if (!is_dead_endpoint_failure(c)) {
    failures_ = 0;
    return false;
  }
  last_error_ = cause_of(c);
  if (++failures_ < window_ || stop_.stop_requested()) return false;
  stop_.request_stop();
  return true;
}

std::string CircuitBreaker::reason() const {
  if (!tripped()) return "";
  std::lock_guard lock(mutex_);
  return fmt::format("the last {} requests to {} failed ({})", window_, endpoint_, last_error_);
}

}  // namespace rbench
