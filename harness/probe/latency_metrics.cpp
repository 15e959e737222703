// Latency metric definitions: see latency_metrics.h.
#include "harness/probe/latency_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace rbench::probe {

double percentile(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double rank = (static_cast<double>(sorted.size()) - 1) * std::clamp(p, 0.0, 100.0) / 100;
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

Distribution describe(std::vector<double> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = values.size();
  const double n = static_cast<double>(values.size());
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  d.median = percentile(values, 50);
  d.p90 = percentile(values, 90);
  d.p95 = percentile(values, 95);
  d.p99 = percentile(values, 99);
  d.min = values.front();
  d.max = values.back();
  double ss = 0;
  for (double v : values) ss += (v - d.mean) * (v - d.mean);
  d.stdev = values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;  // sample standard deviation
  return d;
}

std::optional<double> tpot_s(const ProbeRequestRecord& r) {
  if (!r.ok || r.ttft_s < 0 || r.e2e_s < 0 || r.output_tokens < 2) return std::nullopt;
  return (r.e2e_s - r.ttft_s) / static_cast<double>(r.output_tokens - 1);
}

bool meets(const ProbeRequestRecord& r, const Slo& slo) {
  if (!r.ok) return false;
  if (slo.ttft_ms && !(r.ttft_s >= 0 && r.ttft_s * 1e3 <= *slo.ttft_ms)) return false;
  if (slo.e2e_ms && !(r.e2e_s >= 0 && r.e2e_s * 1e3 <= *slo.e2e_ms)) return false;
  if (slo.tpot_ms) {
    const std::optional<double> t = tpot_s(r);
    if (t && *t * 1e3 > *slo.tpot_ms) return false;
  }
  return true;
}

StepSummary summarize_step(std::span<const ProbeRequestRecord> requests, const Slo& slo) {
  StepSummary s;
  if (requests.empty()) return s;
  s.step = requests.front().step;
  s.load = requests.front().load;
  s.load_value = requests.front().load_value;
  s.requests = requests.size();
  std::map<std::string, std::size_t> failures;
  double first_start = std::numeric_limits<double>::infinity();
  double last_end = 0;
  for (const ProbeRequestRecord& r : requests) {
    if (r.start_s >= 0) first_start = std::min(first_start, r.start_s);
    if (r.start_s >= 0 && r.e2e_s >= 0) last_end = std::max(last_end, r.start_s + r.e2e_s);
    if (!r.ok) {
      ++s.failed;
      ++failures[r.error_kind.empty() ? "error" : r.error_kind];
      continue;
    }
    ++s.ok;
    if (r.input_tokens > 0) s.input_tokens += r.input_tokens;
    if (r.output_tokens > 0) s.output_tokens += r.output_tokens;
    s.tokens_from_usage = s.tokens_from_usage && r.tokens_from_usage;
    if (r.ttft_s >= 0) s.ttft_samples.push_back(r.ttft_s * 1e3);
    if (r.e2e_s >= 0) s.e2e_samples.push_back(r.e2e_s * 1e3);
    if (const auto t = tpot_s(r)) s.tpot_samples.push_back(*t * 1e3);
    for (double gap : r.itl_s) s.itl_samples.push_back(gap * 1e3);
    if (meets(r, slo)) ++s.good;
  }
  s.failures.assign(failures.begin(), failures.end());
  s.duration_s = std::isfinite(first_start) && last_end > first_start ? last_end - first_start : 0;
  s.ttft_ms = describe(s.ttft_samples);
  s.tpot_ms = describe(s.tpot_samples);
  s.itl_ms = describe(s.itl_samples);
  s.e2e_ms = describe(s.e2e_samples);
  if (s.duration_s > 0) {
    s.request_throughput = static_cast<double>(s.ok) / s.duration_s;
    s.output_throughput = static_cast<double>(s.output_tokens) / s.duration_s;
    s.total_throughput = static_cast<double>(s.input_tokens + s.output_tokens) / s.duration_s;
    s.goodput = static_cast<double>(s.good) / s.duration_s;
  }
  return s;
}

}  // namespace rbench::probe
