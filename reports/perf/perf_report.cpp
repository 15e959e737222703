// The Markdown table and the JSON document of a performance comparison.
#include "reports/perf/perf_report.h"

#include <fmt/format.h>
#include <cmath>

#include "harness/core/json_writer.h"

namespace rbench::perf {
namespace {

struct Scale {
  double divisor;
  const char* suffix;
};

// The display unit for a metric, picked once from its baseline median so that both columns
// read in the same unit.
Scale pick_scale(Unit unit, double typical) {
  const double v = std::abs(unit == Unit::ms ? typical * 1e6 : typical);
  if (unit == Unit::per_second) {
    if (v >= 1e12) return {1e12, "T/s"};
    if (v >= 1e9) return {1e9, "G/s"};
    if (v >= 1e6) return {1e6, "M/s"};
    if (v >= 1e3) return {1e3, "k/s"};
    return {1, "/s"};
  }
  // Times in ns from here on.
  const double to_ns = unit == Unit::ms ? 1e6 : 1;
  if (v >= 1e9) return {1e9 / to_ns, " s"};
  if (v >= 1e6) return {1e6 / to_ns, " ms"};
  if (v >= 1e3) return {1e3 / to_ns, " us"};
  return {1 / to_ns, " ns"};
}

std::string format_value(double v, std::size_t n, const Scale& scale) {
  if (n == 0) return "-";
  return fmt::format("{:#.4g}{}", v / scale.divisor, scale.suffix);  // 420.0M/s, not 420M/s
}

std::string format_change(double change) {
  if (std::isnan(change)) return "-";
  if (std::isinf(change)) return change > 0 ? "+inf" : "-inf";
  return fmt::format("{:+.1f}%", change * 100);
}

std::string escape_cell(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

std::string verdict_cell(const MetricComparison& m) {
  switch (m.verdict) {
    case Verdict::regression:
    case Verdict::improvement:
      return fmt::format("**{}**", to_string(m.verdict));
    case Verdict::inconclusive:
      return fmt::format("**inconclusive**: {}", m.reason);
    case Verdict::unchanged:
      break;
  }
  return "unchanged";
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The fewest values a side for which complete separation reaches p < alpha.
std::size_t repetitions_needed(double alpha) {
  std::size_t n = 2;
  while (n < 1000 && stats::smallest_two_sided_p(n, n) >= alpha) ++n;
  return n;
}

// JSON has no NaN or infinity: those become null.
json::OutValue number(double v) {
  return std::isfinite(v) ? json::OutValue(v) : json::null;
}

json::OutValue side(std::size_t n, double median) {
  return json::object({{"n", n}, {"median", number(n > 0 ? median : NAN)}});
}

void write_metric(json::Writer& w, const MetricComparison& m) {
  w.object({{"name", m.name},
            {"unit", m.unit == Unit::ns   ? "ns"
                     : m.unit == Unit::ms ? "ms"
                                          : "per_second"},
            {"higher_is_better", m.higher_is_better},
            {"baseline", side(m.baseline_n, m.baseline_median)},
            {"current", side(m.current_n, m.current_median)},
            {"change", number(m.change)},
            {"worse_by", number(m.worse_by)},
            {"u", number(m.u)},
            {"p", number(m.p)},
            {"method", m.method == stats::MannWhitneyMethod::exact ? "exact" : "normal"},
            {"smallest_p", number(m.smallest_p)},
            {"verdict", to_string(m.verdict)},
            {"reason", m.reason}});
}

}  // namespace

std::string summary_line(const Comparison& c) {
  return fmt::format("{}, {}, {} unchanged, {} inconclusive",
                     plural(c.count(Verdict::regression), "regression", "regressions"),
                     plural(c.count(Verdict::improvement), "improvement", "improvements"),
                     c.count(Verdict::unchanged), c.count(Verdict::inconclusive));
}

std::string to_markdown(const Comparison& c) {
  const CompareOptions& o = c.options;
  std::string out = fmt::format(
      "Baseline `{}` vs current `{}` ({}): two-sided Mann-Whitney U test, alpha {:g}, "
      "minimum effect {:g}% on the median{}.\n\n",
      c.baseline_source, c.current_source, to_string(c.kind), o.alpha, o.min_effect * 100,
      o.filter.empty() ? "" : fmt::format(", metrics matching `{}`", o.filter));
  if (!c.metrics.empty()) {
    out += "| metric | n | baseline median | current median | change | p | verdict |\n";
    out += "|---|---:|---:|---:|---:|---:|---|\n";
    for (const MetricComparison& m : c.metrics) {
      const Scale scale =
          pick_scale(m.unit, m.baseline_n > 0 ? m.baseline_median : m.current_median);
      out +=
          fmt::format("| {}{} | {} / {} | {} | {} | {} | {} | {} |\n", escape_cell(m.name),
                      m.higher_is_better ? " (higher is better)" : "", m.baseline_n, m.current_n,
                      format_value(m.baseline_median, m.baseline_n, scale),
                      format_value(m.current_median, m.current_n, scale), format_change(m.change),
                      std::isnan(m.u) ? "-" : fmt::format("{:.3g}", m.p), verdict_cell(m));
    }
    out += "\n";
  }
  if (!c.only_in_baseline.empty()) {
    out += fmt::format("Only in baseline: {}\n", fmt::join(c.only_in_baseline, ", "));
  }
  if (!c.only_in_current.empty()) {
    out += fmt::format("Only in current: {}\n", fmt::join(c.only_in_current, ", "));
  }
  for (const std::string& note : c.notes) out += fmt::format("Skipped: {}\n", note);
  if (c.count(Verdict::inconclusive) > 0) {
    out += fmt::format(
        "Inconclusive is not a pass: measure with more repetitions (at alpha {:g}, at least {} "
        "a side can show a difference at all; 10 or more for a reliable gate).\n",
        o.alpha, repetitions_needed(o.alpha));
  }
  if (!c.only_in_baseline.empty() || !c.only_in_current.empty() || !c.notes.empty() ||
      c.count(Verdict::inconclusive) > 0) {
    out += "\n";
  }
  out += summary_line(c) + "\n";
  return out;
}

std::string to_json(const Comparison& c) {
  json::Writer w;
  w.object({{"baseline", c.baseline_source},
            {"current", c.current_source},
            {"kind", c.kind == FileKind::google_benchmark ? "google-benchmark" : "rbench-probe"},
            {"alpha", c.options.alpha},
            {"min_effect", c.options.min_effect},
            {"filter", c.options.filter},
            {"metrics", json::array(c.metrics, write_metric)},
            {"only_in_baseline", json::array(c.only_in_baseline)},
            {"only_in_current", json::array(c.only_in_current)},
            {"notes", json::array(c.notes)},
            {"summary", [&](json::Writer& w) {
               w.object([&](json::Writer& w) {
                 for (const Verdict v : {Verdict::regression, Verdict::improvement,
                                         Verdict::unchanged, Verdict::inconclusive}) {
                   w.field(to_string(v), c.count(v));
                 }
               });
             }}});
  return w.str() + "\n";
}

}  // namespace rbench::perf
