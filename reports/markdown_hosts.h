// The Markdown report's timings by host: for results whose samples ran on several hosts (a
// sharded run), one row per host with its latency and decode speed, below the leaderboard that
// shows the pooled figures. Nothing for results from one host, so their tables read as before.
#pragma once

#include <string>
#include <vector>

#include "reports/summary.h"

namespace rbench {

// "" when no result of `ranked` has per-host timings.
std::string hosts_table(const std::vector<const ResultSummary*>& ranked, bool several_runs);

}  // namespace rbench
