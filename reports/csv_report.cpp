// The CSV report: one row per (run, model, suite) result, RFC 4180 (CRLF, quoted fields).
#include <fmt/format.h>

#include <optional>

#include "reports/reporters.h"
#include "reports/text_escape.h"

namespace rbench {
namespace {

// Shortest representation that reads back exactly; empty for unknown.
std::string number(const std::optional<double>& v) {
  return v ? fmt::format("{}", *v) : "";
}

std::string errors_by_kind(const ResultSummary& r) {
  std::string out;
  for (const auto& [kind, count] : r.errors_by_kind) {
    out += fmt::format("{}{}:{}", out.empty() ? "" : ";", kind, count);
  }
  return out;
}

std::string count(const std::optional<std::int64_t>& v) {
  return v ? fmt::format("{}", *v) : "";
}

// New columns go at the end, so that scripts reading columns by position keep working.
constexpr const char* kHeader =
    "run,model,suite,suite_version,n,scored,correct,accuracy,ci_low,ci_high,errors,"
    "errors_by_kind,truncated,truncated_wrong,unscored,prompt_tokens_mean,"
    "completion_tokens_mean,reasoning_tokens_mean,e2e_mean_s,e2e_p50_s,e2e_p90_s,ttft_mean_s,"
    "cost_usd,cost_per_correct_usd,decode_tokens_per_s,decode_samples,e2e_tokens_per_s_mean,"
    "weight_bytes,kv_bytes_per_token,kv_bytes_per_token_mha,parameters_total,parameters_active,"
    "cost_per_correct_ci_low_usd,cost_per_correct_ci_high_usd,cost_per_item_usd,"
    "tokens_per_correct,cached_prompt_tokens_mean,answer_tokens_mean";

}  // namespace

std::string render_csv_report(const ReportData& data) {
  std::string out = kHeader;
  out += "\r\n";
  for (const ResultSummary& r : data.results) {
    const auto ci_lo = r.accuracy ? std::optional(r.ci.lo) : std::nullopt;
    const auto ci_hi = r.accuracy ? std::optional(r.ci.hi) : std::nullopt;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                       csv_field(r.run), csv_field(r.model), csv_field(r.suite),
                       csv_field(r.suite_version), r.n, r.scored, r.correct, number(r.accuracy),
                       number(ci_lo), number(ci_hi), r.errors, csv_field(errors_by_kind(r)),
                       r.truncated, r.truncated_wrong, r.unscored, number(r.prompt_tokens_mean),
                       number(r.completion_tokens_mean), number(r.reasoning_tokens_mean),
                       number(r.e2e_mean_s), number(r.e2e_p50_s), number(r.e2e_p90_s),
                       number(r.ttft_mean_s), number(r.cost_usd), number(r.cost_per_correct_usd));
    out += fmt::format(",{},{},{},{},{},{},{},{}", number(r.decode_tokens_per_s), r.decode_samples,
                       number(r.e2e_tokens_per_s_mean), count(r.facts.weight_bytes),
                       count(r.facts.kv_bytes_per_token), count(r.facts.kv_bytes_per_token_mha),
                       count(r.facts.parameters_total), count(r.facts.parameters_active));
    const auto& cost_ci = r.cost_per_correct_ci;
    out += fmt::format(",{},{},{},{},{},{}\r\n",
                       number(cost_ci ? std::optional(cost_ci->lo) : std::nullopt),
                       number(cost_ci ? std::optional(cost_ci->hi) : std::nullopt),
                       number(r.cost_per_item_usd), number(r.tokens_per_correct),
                       number(r.cached_prompt_tokens_mean), number(r.answer_tokens_mean));
  }
  // Published figures: a block of their own, so the measured rows' columns stay as they are.
  out += published_csv(data.published);
  return out;
}

}  // namespace rbench
