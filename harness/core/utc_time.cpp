// ISO 8601 UTC times; see utc_time.h.
#include "harness/core/utc_time.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <regex>

namespace rbench {

std::optional<double> parse_utc_seconds(std::string_view utc) {
  static const std::regex pattern(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(utc.begin(), utc.end(), m, pattern)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1].str()) - 1900;
  tm.tm_mon = std::stoi(m[2].str()) - 1;
  tm.tm_mday = std::stoi(m[3].str());
  tm.tm_hour = std::stoi(m[4].str());
  tm.tm_min = std::stoi(m[5].str());
  tm.tm_sec = std::stoi(m[6].str());
  const double fraction = m[7].matched ? std::stod("0" + m[7].str()) : 0.0;
  return double(timegm(&tm)) + fraction;
}

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::tm utc = fmt::gmtime(std::chrono::system_clock::to_time_t(now));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, static_cast<int>(ms));
}

}  // namespace rbench
