// ISO 8601 UTC times as the store writes them ("2025-01-31T12:00:00.123Z"), to and from seconds
// since the epoch: for busy time (the intervals requests were in flight) and dated prices.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rbench {

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fff]Z"; nullopt when it is not one.
std::optional<double> parse_utc_seconds(std::string_view utc);

// Now, as "YYYY-MM-DDTHH:MM:SS.mmmZ" (the store's own format).
std::string utc_now_iso();

}  // namespace rbench
