// One ResultSummary as a JSON object: shared by the JSON report and the data the HTML report
// embeds, so both carry the same numbers under the same names. Unknown numbers are null.
#pragma once

#include <string>

#include "harness/core/json_writer.h"
#include "reports/pairwise_summary.h"
#include "reports/summary.h"

namespace rbench {

// The string, or null when it is empty (a time not reached yet).
inline json::OutValue string_or_null(const std::string& s) {
  return s.empty() ? json::OutValue(json::null) : json::OutValue(s);
}

void write_result_json(json::Writer& w, const ResultSummary& r);

// One pairwise suite's leaderboard: what arena-hard-auto and alpaca_eval print, per model.
void write_pairwise_json(json::Writer& w, const PairwiseSummary& p);

}  // namespace rbench
