// The Markdown report's timings by host; see markdown_hosts.h.
#include "reports/markdown_hosts.h"

#include <fmt/format.h>

#include "reports/markdown_text.h"

namespace rbench {
namespace {

constexpr const char* kNone = "—";

// As the leaderboard prints them (markdown_report.cpp, markdown_speed.cpp).
std::string seconds(const std::optional<double>& v) {
  if (!v) return kNone;
  return *v < 1 ? fmt::format("{:.0f} ms", *v * 1000) : fmt::format("{:.2f} s", *v);
}

std::string rate(const std::optional<double>& v) {
  if (!v) return kNone;
  return *v < 100 ? fmt::format("{:.1f}", *v) : fmt::format("{:.0f}", *v);
}

}  // namespace

std::string hosts_table(const std::vector<const ResultSummary*>& ranked, bool several_runs) {
  std::string rows;
  for (const ResultSummary* r : ranked) {
    for (const HostTiming& h : r->hosts) {
      rows += fmt::format("| {} |", md_text(r->model));
      if (several_runs) rows += fmt::format(" {} |", md_text(r->run));
      rows += fmt::format(" {} | {} | {} | {} | {} | {} | {} |\n",
                          h.host.empty() ? "unknown" : md_text(h.host), h.n, h.errors,
                          seconds(h.e2e_p50_s), seconds(h.e2e_mean_s), seconds(h.ttft_mean_s),
                          rate(h.decode_tokens_per_s));
    }
  }
  if (rows.empty()) return "";
  std::string out =
      "\nTimings by host (the samples ran on several machines; the table above pools them):\n\n";
  out += several_runs ? "| Model | Run |" : "| Model |";
  out += " Host | n | Errors | Latency p50 | Latency mean | TTFT mean | tok/s |\n";
  out += several_runs ? "|---|---|" : "|---|";
  out += "---|--:|--:|--:|--:|--:|--:|\n";
  return out + rows;
}

}  // namespace rbench
