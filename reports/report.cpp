// Entry points of the reports: load the store, aggregate, hand the data to one reporter.
#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "harness/core/atomic_file.h"
#include "harness/core/error.h"
#include "harness/core/version.h"
#include "reports/reporters.h"

namespace rbench {
namespace {

// The probes of the reported runs, each with its run's name; unfinished ones with what they stored.
std::vector<ReportProbe> load_probes(Store& store, const ReportData& data,
                                     std::optional<std::int64_t> run_id) {
  std::vector<ReportProbe> out;
  for (ProbeRecord& record : store.probes(run_id)) {
    ReportProbe probe;
    const auto run = std::find_if(data.runs.begin(), data.runs.end(),
                                  [&](const RunInfo& r) { return r.id == record.run_id; });
    if (run != data.runs.end()) probe.run = run->name;
    if (record.result_json.empty()) {
      const std::vector<ProbeRequestRecord> requests = store.probe_requests(record.id);
      probe.requests_stored = requests.size();
      probe.requests_failed = static_cast<std::size_t>(std::count_if(
          requests.begin(), requests.end(), [](const ProbeRequestRecord& r) { return !r.ok; }));
    }
    probe.record = std::move(record);
    out.push_back(std::move(probe));
  }
  return out;
}

// The samples, read in store order one (run, model) at a time, become the prices and the
// results: prices apply per run and model (its busy time spans its suites) and every result lies
// within one. Nothing else of them is kept but the judged samples the pairwise summary reads, so
// memory follows the largest model's share of the store, not the store; the HTML reads the
// samples it shows again, result by result (ReportData::result_samples).
void summarize_samples(Store& store, const ReportOptions& options,
                       const std::map<std::string, PriceHistory>& file_prices,
                       const std::set<std::string>& judged_suites, ReportData& data) {
  SummaryOptions summary;
  summary.bootstrap_seed = options.bootstrap_seed;
  summary.bootstrap_rounds = options.bootstrap_rounds;
  summary.confidence = options.confidence;
  std::vector<SampleRecord> group;
  const auto flush = [&] {
    if (group.empty()) return;
    for (AppliedPrices& p : apply_prices(data.runs, group, file_prices)) {
      data.prices.push_back(std::move(p));
    }
    for (ResultSummary& r : summarize(data.runs, group, summary)) {
      r.samples = {};  // indices into `group`, which goes
      data.results.push_back(std::move(r));
    }
    for (SampleRecord& s : group) {
      if (s.key.sample_index == 0 && judged_suites.contains(s.key.suite)) {
        data.samples.push_back(std::move(s));
      }
    }
    group.clear();
  };
  const std::optional<std::int64_t> run_id =
      options.run ? std::optional(data.runs.front().id) : std::nullopt;
  store.for_each_sample({.run_id = run_id, .fields = SampleFields::figures}, [&](SampleRecord&& s) {
    if (!group.empty() &&
        (group.back().run_id != s.run_id || group.back().key.model != s.key.model)) {
      flush();
    }
    group.push_back(std::move(s));
  });
  flush();
}

}  // namespace

ReportData load_report_data(Store& store, const ReportOptions& options) {
  ReportData data;
  data.db_path = store.path().string();
  data.rbench_version = version();
  data.confidence = options.confidence;
  std::vector<RunInfo> runs = store.runs();
  if (options.run) {
    const auto it = std::find_if(runs.begin(), runs.end(),
                                 [&](const RunInfo& r) { return r.name == *options.run; });
    if (it == runs.end()) {
      std::string names;
      for (const auto& r : runs) names += (names.empty() ? "" : ", ") + r.name;
      throw UsageError(fmt::format("report: no run named '{}' in {} (runs: {})", *options.run,
                                   data.db_path, names.empty() ? "none" : names));
    }
    data.runs = {*it};
  } else {
    data.runs = std::move(runs);
  }
  std::map<std::string, PriceHistory> file_prices;
  if (options.prices_file) {
    file_prices = load_price_file(*options.prices_file);
    std::string names;
    for (const auto& [name, history] : file_prices) names += (names.empty() ? "" : ", ") + name;
    data.prices_note = fmt::format("re-priced from {} ({})", options.prices_file->string(),
                                   names.empty() ? "no models" : names);
  }
  const std::vector<JudgmentRecord> judgments =
      options.run ? store.judgments(data.runs.front().id) : store.judgments();
  std::set<std::string> judged_suites;
  for (const JudgmentRecord& j : judgments) judged_suites.insert(j.suite);
  summarize_samples(store, options, file_prices, judged_suites, data);
  PairwiseOptions pairwise;
  pairwise.seed = options.bootstrap_seed;
  pairwise.confidence = options.confidence;
  data.pairwise = summarize_pairwise(judgments, data.samples, pairwise);
  data.paired = paired_matrices(data.results, data.runs.size() > 1,
                                {.seed = options.bootstrap_seed,
                                 .rounds = options.bootstrap_rounds,
                                 .confidence = options.confidence});
  data.probes =
      load_probes(store, data, options.run ? std::optional(data.runs.front().id) : std::nullopt);
  if (options.published_dir) data.published = load_published(*options.published_dir);
  // Read again, the samples get the prices the figures were computed with.
  data.result_samples = [&store, prices = data.prices](const ResultSummary& r, std::size_t limit) {
    const auto applied = std::find_if(prices.begin(), prices.end(), [&](const AppliedPrices& p) {
      return p.run_id == r.run_id && p.model == r.model;
    });
    std::vector<SampleRecord> out;
    store.for_each_sample({.run_id = r.run_id,
                           .model = r.model,
                           .suite = r.suite,
                           .limit = static_cast<std::int64_t>(limit),
                           .fields = SampleFields::items},
                          [&](SampleRecord&& s) {
                            if (applied != prices.end()) s.cost_usd = applied->sample_cost(s);
                            out.push_back(std::move(s));
                          });
    return out;
  };
  return data;
}

ReportFormat parse_report_format(std::string_view name) {
  if (name == "html") return ReportFormat::html;
  if (name == "json") return ReportFormat::json;
  if (name == "csv") return ReportFormat::csv;
  if (name == "md" || name == "markdown") return ReportFormat::md;
  throw UsageError(
      fmt::format("unknown report format '{}' (expected html, json, csv or md)", name));
}

std::string_view to_string(ReportFormat format) {
  switch (format) {
    case ReportFormat::html:
      return "html";
    case ReportFormat::json:
      return "json";
    case ReportFormat::csv:
      return "csv";
    case ReportFormat::md:
      return "md";
  }
  return "unknown";
}

std::string render_report(Store& store, ReportFormat format, const ReportOptions& options) {
  const ReportData data = load_report_data(store, options);
  switch (format) {
    case ReportFormat::html:
      return render_html_report(data);
    case ReportFormat::json:
      return render_json_report(data);
    case ReportFormat::csv:
      return options.paired_csv ? render_paired_csv(data.paired) : render_csv_report(data);
    case ReportFormat::md:
      return render_markdown_report(data);
  }
  throw Error("render_report: unknown report format");
}

void write_report(Store& store, const std::filesystem::path& out, ReportFormat format,
                  const ReportOptions& options) {
  const std::string text = render_report(store, format, options);
  if (out.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(out.parent_path(), ec);  // the open below reports it
  }
  // Under OUT only once whole: a full disk leaves the previous report (or none), never half.
  write_file_atomically(out, text);
}

}  // namespace rbench
