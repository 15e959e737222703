// The inline CSS and JavaScript of the HTML report, kept as C++ raw strings so the report stays
// one self-contained file with no external requests.
#pragma once

#include <string_view>

namespace rbench {

std::string_view html_report_style();
// Helpers, leaderboard tables and the accuracy-vs-cost plot; defines main().
std::string_view html_report_script_tables();
// The per-item drill-down; defines itemsView(), used by main().
std::string_view html_report_script_items();
// The leaderboard's speed and memory columns; defines speedColumns(), used by leaderboard().
std::string_view html_report_script_speed();
// The probes: latency curves, CDFs and tables; defines probesSection(), used by main().
std::string_view html_report_script_probes();

}  // namespace rbench
