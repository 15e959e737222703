// The inline CSS and JavaScript of the HTML report, written in reports/web/ (README.md there) and
// compiled in by the build (scripts/embed.cmake), so the report stays one self-contained file
// with no external requests and rbench needs no files beside it.
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
// The frontier charts (accuracy against cost and speed); defines frontierSection(), used by main().
std::string_view html_report_script_frontier();
// The probes: latency curves, CDFs and tables; defines probesSection(), used by main().
std::string_view html_report_script_probes();
// The overview at the top (models by suites, sortable); defines overviewSection(), used by main().
std::string_view html_report_script_overview();
// Each suite's paired-comparison matrix; defines pairedMatrix(), used by main().
std::string_view html_report_script_paired();
// Two models' per-item diff in each suite; defines diffView(), used by main().
std::string_view html_report_script_diff();
// Published figures beside a measured suite of the same benchmark; defines publishedBeside(),
// used by main().
std::string_view html_report_script_published();

}  // namespace rbench
