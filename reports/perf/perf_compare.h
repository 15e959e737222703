// `rbench perf compare`: a noise-aware performance-regression gate. Reads a baseline and a
// current measurement file of the same kind, tests every metric the two share with the
// Mann-Whitney U test (reports/stats/mann_whitney.h) and a minimum effect on the medians, and
// gives each a verdict.
//
// The two kinds of file, told apart by content:
//  * Google Benchmark JSON (`--benchmark_format=json` or `--benchmark_out=F`): an object with a
//    "benchmarks" array. Entries with "run_type": "iteration" (or no run_type, as older versions
//    write) are one repetition each; those sharing a "run_name" ("name" when absent) are one
//    benchmark's samples, so `--benchmark_repetitions=N` gives N values. "aggregate" entries
//    (mean, median, stddev, cv) are ignored: the test needs the repetitions themselves. Entries
//    with "error_occurred": true are left out and counted in a note. Metrics per benchmark:
//    "NAME real_time" ("real_time" in "time_unit" ns/us/ms/s, kept in ns; lower is better) and
//    "NAME COUNTER" for every numeric key ending in "_per_second" (items_per_second,
//    bytes_per_second and user counters; higher is better).
//  * rbench probe JSON (harness/probe/probe_json.h): an object with "rbench_probe". For kind
//    "latency", every step's per-request samples: "STEP METRIC" with STEP "concurrency=4",
//    "rate=2" or "rate=inf" (load_value null) and METRIC ttft_ms, tpot_ms, e2e_ms or itl_ms
//    (lower is better; a second step with the same load gets "#INDEX" appended). For kind
//    "decode", every timed step per batch size, "batch=8 step_ms", and the MTP verification
//    steps, "batch=1 verify_step_ms" (lower is better). Other kinds (memory, ceiling) carry
//    single figures, not samples: they are reported as skipped.
//
// Verdicts, with change = (current median - baseline median) / baseline median, taken with the
// opposite sign for higher-is-better metrics so that worse_by > 0 always means worse:
//  * inconclusive: either side has fewer than 2 values, or the sample sizes cannot reach
//    p < alpha even when the two samples do not overlap at all (smallest_two_sided_p(n1, n2)
//    >= alpha: 2 vs 2 can at best give p = 0.33, 3 vs 3 p = 0.1). Never a pass.
//  * regression: worse_by > min_effect and p < alpha.
//  * improvement: worse_by < -min_effect and p < alpha.
//  * unchanged: anything else (a difference too small to matter, or not shown by the data).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "reports/stats/mann_whitney.h"

namespace rbench::perf {

enum class FileKind { google_benchmark, rbench_probe };
std::string_view to_string(FileKind kind);

enum class Unit { ns, ms, per_second };

struct Metric {
  std::string name;  // "BM_Foo/8 real_time", "BM_Foo/8 items_per_second", "rate=2 ttft_ms"
  Unit unit = Unit::ns;
  bool higher_is_better = false;
  std::vector<double> values;  // one per repetition (benchmarks) or per request (probes)
};

struct PerfFile {
  std::string source;  // the file name, for messages
  FileKind kind = FileKind::google_benchmark;
  std::string probe_kind;          // "latency", "memory", ... (probe files)
  std::vector<Metric> metrics;     // in the file's order
  std::vector<std::string> notes;  // what was left out, and why
};

// Parses `text`, the contents of `source`. Throws DataError "SOURCE: ..." for text that is not
// JSON, or JSON of neither kind, or a file of its kind with a malformed entry.
PerfFile parse_perf_file(std::string_view text, const std::string& source);
PerfFile read_perf_file(const std::filesystem::path& file);

// Several files of one side as one: the values of metrics with the same name are pooled, in file
// order. For runs taken in alternating rounds (baseline, current, baseline, ...), so that a change
// in the machine's load falls on both sides instead of looking like a regression. Throws
// DataError when the files are of different kinds.
PerfFile merge_perf_files(const std::vector<PerfFile>& files);

struct CompareOptions {
  double min_effect = 0.05;  // relative change of the median below which nothing matters
  double alpha = 0.05;       // significance level of the two-sided test
  std::string filter;        // ECMAScript regex searched in metric names; empty = all
};

enum class Verdict { regression, inconclusive, improvement, unchanged };  // the table's order
std::string_view to_string(Verdict verdict);

struct MetricComparison {
  std::string name;
  Unit unit = Unit::ns;
  bool higher_is_better = false;
  std::size_t baseline_n = 0, current_n = 0;
  double baseline_median = 0, current_median = 0;
  double change = 0;    // (current - baseline) / baseline median, as measured (+ = larger)
  double worse_by = 0;  // change, negated when higher is better: + = worse
  double u = 0;         // Mann-Whitney U of the current sample (NaN when not tested)
  double p = 1;         // two-sided (1 when not tested)
  stats::MannWhitneyMethod method = stats::MannWhitneyMethod::exact;
  double smallest_p = 1;  // the best p these sample sizes allow
  Verdict verdict = Verdict::unchanged;
  std::string reason;  // why inconclusive
};

struct Comparison {
  std::string baseline_source, current_source;
  FileKind kind = FileKind::google_benchmark;
  CompareOptions options;
  std::vector<MetricComparison> metrics;  // regressions first (largest first), see Verdict
  std::vector<std::string> only_in_baseline, only_in_current;
  std::vector<std::string> notes;  // from both files, prefixed with their names
  std::size_t count(Verdict verdict) const;
};

// Compares the metrics the two files share. Throws UsageError for files of different kinds,
// options out of range, a filter that is not a regex or matches no metric of either file.
Comparison compare(const PerfFile& baseline, const PerfFile& current,
                   const CompareOptions& options);

// One metric's verdict from its two samples (exposed for tests).
MetricComparison compare_metric(const Metric& baseline, const Metric& current,
                                const CompareOptions& options);

}  // namespace rbench::perf
