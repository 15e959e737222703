// The reporters behind render_report, one per file, each over the same plain ReportData.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "reports/paired_matrix.h"
#include "reports/pairwise_summary.h"
#include "reports/pricing.h"
#include "reports/published.h"
#include "reports/summary.h"

namespace rbench {

// A probe of a reported run (`rbench probe ... --db`). A finished one carries its probe JSON
// document (harness/probe/probe_json.h) in record.result_json; an unfinished one (killed before
// it wrote its document) is known by the requests it stored, and is listed, never dropped.
struct ReportProbe {
  ProbeRecord record;
  std::string run;                  // the run's name
  std::size_t requests_stored = 0;  // unfinished probes: rows in probe_requests
  std::size_t requests_failed = 0;  // of those, the failed ones
  bool finished() const { return !record.result_json.empty(); }
};

struct ReportData {
  std::string db_path;         // the store the report was generated from
  std::string rbench_version;  // of the rbench that rendered it
  std::vector<RunInfo> runs;   // the runs reported, in start order
  // The samples the figures were computed from, which results[].samples index; render_report
  // keeps only the judged ones (the pairwise summary's texts) and sets result_samples instead.
  std::vector<SampleRecord> samples;
  // The samples of one result, in store order, at most `limit`: the HTML's items view reads its
  // samples through this, one result at a time. Absent: samples[result.samples[...]].
  std::function<std::vector<SampleRecord>(const ResultSummary&, std::size_t limit)> result_samples;
  std::vector<ResultSummary> results;
  std::vector<PairwiseSummary> pairwise;  // pairwise suites: one per (suite, judge)
  std::vector<ReportProbe> probes;        // the runs' probes, in the order they were stored
  double confidence = 0.95;
  std::vector<PairedMatrix> paired;     // per suite, every two results on their common items
  std::vector<PublishedRow> published;  // data/published: shown in their own band, never ranked
  // Which prices the report used: "" = the stored ones; else what re-priced them (--prices).
  std::string prices_note;
  std::vector<AppliedPrices> prices;  // per (run, model): the prices applied, busy time, total
};

std::string render_json_report(const ReportData& data);
std::string render_csv_report(const ReportData& data);
std::string render_markdown_report(const ReportData& data);
std::string render_html_report(const ReportData& data);

}  // namespace rbench
