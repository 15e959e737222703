// Reading Google Benchmark and rbench probe JSON into metrics, and comparing two such files.
#include "reports/perf/perf_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "harness/core/jsonl_reader.h"
#include "reports/stats/bootstrap.h"

namespace rbench::perf {
namespace {

using json::Value;

// Metrics in first-seen order, found by name.
class MetricSet {
 public:
  Metric& get(const std::string& name, Unit unit, bool higher_is_better) {
    const auto [it, inserted] = index_.try_emplace(name, metrics_.size());
    if (inserted) metrics_.push_back({name, unit, higher_is_better, {}});
    return metrics_[it->second];
  }
  std::vector<Metric> take() { return std::move(metrics_); }

 private:
  std::vector<Metric> metrics_;
  std::unordered_map<std::string, std::size_t> index_;
};

double ns_per(std::string_view unit, const Value& benchmark) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  benchmark.member("time_unit").fail(fmt::format("unknown unit \"{}\" (ns, us, ms or s)", unit));
}

// Google Benchmark writes optional keys with several types across versions: they are read only
// when of the expected type, and otherwise ignored, as Google Benchmark's own tools do.
std::optional<std::string> string_if(const Value& object, std::string_view key) {
  const auto v = object.find(key);
  return v && v->is_string() ? v->string() : std::optional<std::string>();
}

void read_google_benchmark(const Value& benchmarks, PerfFile& file) {
  MetricSet metrics;
  std::map<std::string, int> errored;  // benchmark -> runs left out
  for (const Value b : benchmarks.elements()) {
    if (!b.is_object()) b.fail("expected an object with a \"name\"");
    const std::string run_name = b.member("name").string();
    if (string_if(b, "run_type") == "aggregate") {
      continue;  // mean/median/stddev/cv of the repetitions: the test reads the repetitions
    }
    const std::string name = string_if(b, "run_name").value_or(run_name);
    if (const auto e = b.find("error_occurred"); e && e->raw().IsBool() && e->boolean()) {
      ++errored[name];
      continue;
    }
    const double real_time = b.member("real_time").number();
    const std::string unit = string_if(b, "time_unit").value_or("ns");
    metrics.get(name + " real_time", Unit::ns, false).values.push_back(real_time * ns_per(unit, b));
    for (const auto& [key, value] : b.members()) {
      if (key.ends_with("_per_second") && value.is_number()) {
        metrics.get(fmt::format("{} {}", name, key), Unit::per_second, true)
            .values.push_back(value.number());
      }
    }
  }
  for (const auto& [name, runs] : errored) {
    file.notes.push_back(fmt::format("{}: {} run(s) with error_occurred left out", name, runs));
  }
  file.metrics = metrics.take();
}

std::string step_key(const Value& step) {
  const std::string load = step.member("load").string();
  const auto value = step.find("load_value");
  // A rate of null is "all at once" (an infinite request rate), as the probe writes it.
  if (!value) return load + "=inf";
  return fmt::format("{}={:g}", load, value->number());
}

void read_latency_probe(const Value& doc, PerfFile& file) {
  static constexpr const char* kSampleKeys[] = {"ttft_ms", "tpot_ms", "e2e_ms", "itl_ms"};
  MetricSet metrics;
  std::unordered_map<std::string, int> seen_keys;
  const Value steps = doc.member("steps");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Value step = steps.at(i);
    std::string key = step_key(step);
    // Two steps at the same load are two measurements, not one sample: keep them apart.
    if (seen_keys[key]++ > 0) key += fmt::format("#{}", i);
    const auto samples = step.find("samples");
    if (!samples || !samples->is_object()) {
      file.notes.push_back(fmt::format("{}: no per-request \"samples\"; not compared", key));
      continue;
    }
    for (const char* metric : kSampleKeys) {
      if (!samples->has(metric)) continue;
      const Value values = samples->member(metric);
      // Created even when empty (every request failed): it then shows as inconclusive.
      Metric& m = metrics.get(fmt::format("{} {}", key, metric), Unit::ms, false);
      for (const Value v : values.elements()) m.values.push_back(v.number());
    }
  }
  file.metrics = metrics.take();
}

// A decode probe: each batch size's timed steps, "batch=8 step_ms" (lower is better), and the MTP
// verification steps, "batch=1 verify_step_ms".
void read_decode_probe(const Value& doc, PerfFile& file) {
  MetricSet metrics;
  const Value figures = doc.member("figures");
  const Value rows = figures.member("rows");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Value row = rows.at(i);
    const std::string key = fmt::format("batch={:g}", row.member("batch").number());
    const auto steps = row.find("step_ms");
    if (!steps) {
      file.notes.push_back(fmt::format("{}: no per-step \"step_ms\"; not compared", key));
      continue;
    }
    Metric& m = metrics.get(key + " step_ms", Unit::ms, false);
    for (const Value v : steps->elements()) m.values.push_back(v.number());
  }
  if (const auto mtp = figures.find("mtp"); mtp && mtp->is_object()) {
    if (const auto verify = mtp->find("verify_step_ms_all")) {
      Metric& m = metrics.get("batch=1 verify_step_ms", Unit::ms, false);
      for (const Value v : verify->elements()) m.values.push_back(v.number());
    }
  }
  file.metrics = metrics.take();
}

void read_probe(const Value& doc, PerfFile& file) {
  constexpr int kProbeFormat = 1;
  const Value format = doc.member("rbench_probe");
  if (!format.raw().IsInt() || format.raw().GetInt() > kProbeFormat) {
    format.fail(fmt::format("probe format is not one this rbench reads ({})", kProbeFormat));
  }
  file.probe_kind = doc.member("kind").string();
  if (file.probe_kind == "latency") {
    read_latency_probe(doc, file);
  } else if (file.probe_kind == "decode") {
    read_decode_probe(doc, file);
  } else {
    file.notes.push_back(
        fmt::format("probe kind \"{}\" holds single figures, not samples: skipped, not compared",
                    file.probe_kind));
  }
}

}  // namespace

std::string_view to_string(FileKind kind) {
  return kind == FileKind::google_benchmark ? "Google Benchmark JSON" : "rbench probe JSON";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::regression:
      return "regression";
    case Verdict::inconclusive:
      return "inconclusive";
    case Verdict::improvement:
      return "improvement";
    case Verdict::unchanged:
      return "unchanged";
  }
  return "?";
}

PerfFile parse_perf_file(std::string_view text, const std::string& source) {
  const json::Document document = json::Document::parse(text, source);
  const Value doc = document.root();
  PerfFile file;
  file.source = source;
  if (doc.is_object() && doc.has("benchmarks") && doc.member("benchmarks").is_array()) {
    file.kind = FileKind::google_benchmark;
    read_google_benchmark(doc.member("benchmarks"), file);
  } else if (doc.is_object() && doc.has("rbench_probe")) {
    file.kind = FileKind::rbench_probe;
    read_probe(doc, file);
  } else {
    throw DataError(fmt::format(
        "{}: neither Google Benchmark JSON (an object with a \"benchmarks\" array, from "
        "--benchmark_format=json) nor rbench probe JSON (an object with \"rbench_probe\")",
        source));
  }
  return file;
}

PerfFile read_perf_file(const std::filesystem::path& file) {
  return parse_perf_file(read_file_bytes(file), file.string());
}

std::size_t Comparison::count(Verdict verdict) const {
  return static_cast<std::size_t>(std::ranges::count(metrics, verdict, &MetricComparison::verdict));
}

MetricComparison compare_metric(const Metric& baseline, const Metric& current,
                                const CompareOptions& options) {
  MetricComparison c;
  c.name = baseline.name;
  c.unit = baseline.unit;
  c.higher_is_better = baseline.higher_is_better;
  c.baseline_n = baseline.values.size();
  c.current_n = current.values.size();
  c.baseline_median = stats::quantile(baseline.values, 0.5);
  c.current_median = stats::quantile(current.values, 0.5);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  c.u = kNaN;
  if (c.baseline_n == 0 || c.current_n == 0) {
    c.change = kNaN;  // a side without values has no median
  } else {
    const double delta = c.current_median - c.baseline_median;
    c.change = c.baseline_median != 0 ? delta / std::abs(c.baseline_median)
               : delta == 0           ? 0
                                      : std::copysign(kInf, delta);
    // U of the current sample: large when current values tend to be larger.
    const stats::MannWhitneyResult test = stats::mann_whitney_u(current.values, baseline.values);
    c.u = test.u;
    c.p = test.p;
    c.method = test.method;
  }
  c.worse_by = c.higher_is_better ? -c.change : c.change;
  c.smallest_p = stats::smallest_two_sided_p(c.baseline_n, c.current_n);
  if (c.baseline_n < 2 || c.current_n < 2) {
    c.verdict = Verdict::inconclusive;
    c.reason =
        fmt::format("{} vs {} values; the test needs at least 2 a side", c.baseline_n, c.current_n);
  } else if (c.smallest_p >= options.alpha) {
    c.verdict = Verdict::inconclusive;
    c.reason = fmt::format("{} vs {} values cannot reach p < {:g} (at best p = {:.2g})",
                           c.baseline_n, c.current_n, options.alpha, c.smallest_p);
  } else if (c.p < options.alpha && c.worse_by > options.min_effect) {
    c.verdict = Verdict::regression;
  } else if (c.p < options.alpha && c.worse_by < -options.min_effect) {
    c.verdict = Verdict::improvement;
  } else {
    c.verdict = Verdict::unchanged;
  }
  return c;
}

Comparison compare(const PerfFile& baseline, const PerfFile& current,
                   const CompareOptions& options) {
  if (baseline.kind != current.kind || baseline.probe_kind != current.probe_kind) {
    const auto describe = [](const PerfFile& f) {
      return f.probe_kind.empty()
                 ? std::string(to_string(f.kind))
                 : fmt::format("{} of kind \"{}\"", to_string(f.kind), f.probe_kind);
    };
    throw UsageError(fmt::format("{} is {} but {} is {}: compare two files of the same kind",
                                 baseline.source, describe(baseline), current.source,
                                 describe(current)));
  }
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw UsageError(fmt::format("--alpha {:g}: must lie strictly between 0 and 1", options.alpha));
  }
  if (!(options.min_effect >= 0)) {
    throw UsageError(fmt::format("--min-effect {:g}: must be 0 or more", options.min_effect));
  }
  std::regex filter;
  try {
    if (!options.filter.empty()) filter = std::regex(options.filter, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw UsageError(
        fmt::format("--filter '{}': not a regular expression ({})", options.filter, e.what()));
  }
  const auto selected = [&](const Metric& m) {
    return options.filter.empty() || std::regex_search(m.name, filter);
  };

  Comparison result;
  result.baseline_source = baseline.source;
  result.current_source = current.source;
  result.kind = baseline.kind;
  result.options = options;
  std::unordered_map<std::string_view, const Metric*> in_current;
  for (const Metric& m : current.metrics) in_current.emplace(m.name, &m);
  std::unordered_map<std::string_view, bool> in_baseline;
  for (const Metric& m : baseline.metrics) {
    in_baseline.emplace(m.name, true);
    if (!selected(m)) continue;
    const auto it = in_current.find(m.name);
    if (it == in_current.end()) {
      result.only_in_baseline.push_back(m.name);
    } else if (m.values.empty() && it->second->values.empty()) {
      // E.g. itl_ms where every response came in one chunk: nothing to compare, nothing wrong.
      result.notes.push_back(fmt::format("{}: no values in either file", m.name));
    } else {
      result.metrics.push_back(compare_metric(m, *it->second, options));
    }
  }
  for (const Metric& m : current.metrics) {
    if (selected(m) && !in_baseline.contains(m.name)) result.only_in_current.push_back(m.name);
  }
  if (!options.filter.empty() && result.metrics.empty() && result.only_in_baseline.empty() &&
      result.only_in_current.empty()) {
    throw UsageError(fmt::format("--filter '{}' matches no metric of {} or {}", options.filter,
                                 baseline.source, current.source));
  }
  for (const PerfFile* f : {&baseline, &current}) {
    for (const std::string& note : f->notes) result.notes.push_back(f->source + ": " + note);
  }
  // Regressions first, the worst first; then inconclusive, improvements (the largest first) and
  // unchanged metrics, each in the baseline file's order.
  std::ranges::stable_sort(result.metrics,
                           [](const MetricComparison& a, const MetricComparison& b) {
                             if (a.verdict != b.verdict) return a.verdict < b.verdict;
                             if (a.verdict == Verdict::regression) return a.worse_by > b.worse_by;
                             if (a.verdict == Verdict::improvement) return a.worse_by < b.worse_by;
                             return false;
                           });
  return result;
}

PerfFile merge_perf_files(const std::vector<PerfFile>& files) {
  if (files.empty()) throw DataError("perf: no files to merge");
  PerfFile merged = files.front();
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < merged.metrics.size(); ++i) index[merged.metrics[i].name] = i;
  for (std::size_t f = 1; f < files.size(); ++f) {
    const PerfFile& file = files[f];
    if (file.kind != merged.kind || file.probe_kind != merged.probe_kind) {
      throw DataError(fmt::format("{}: a {} file cannot be pooled with {}, a {} file", file.source,
                                  to_string(file.kind), merged.source, to_string(merged.kind)));
    }
    merged.source += "," + file.source;
    for (const std::string& note : file.notes) merged.notes.push_back(note);
    for (const Metric& m : file.metrics) {
      const auto it = index.find(m.name);
      if (it == index.end()) {
        index[m.name] = merged.metrics.size();
        merged.metrics.push_back(m);
      } else {
        std::vector<double>& values = merged.metrics[it->second].values;
        values.insert(values.end(), m.values.begin(), m.values.end());
      }
    }
  }
  return merged;
}

}  // namespace rbench::perf
