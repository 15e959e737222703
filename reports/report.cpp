// Entry points of the reports: load the store, aggregate, hand the data to one reporter.
#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

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

ReportData load(Store& store, const ReportOptions& options) {
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
    data.samples = store.samples(it->id);
  } else {
    data.runs = std::move(runs);
    data.samples = store.samples();
  }
  std::map<std::string, PriceHistory> file_prices;
  if (options.prices_file) {
    file_prices = load_price_file(*options.prices_file);
    std::string names;
    for (const auto& [name, history] : file_prices) names += (names.empty() ? "" : ", ") + name;
    data.prices_note = fmt::format("re-priced from {} ({})", options.prices_file->string(),
                                   names.empty() ? "no models" : names);
  }
  data.prices = apply_prices(data.runs, data.samples, file_prices);
  SummaryOptions summary;
  summary.bootstrap_seed = options.bootstrap_seed;
  summary.bootstrap_rounds = options.bootstrap_rounds;
  summary.confidence = options.confidence;
  data.results = summarize(data.runs, data.samples, summary);
  PairwiseOptions pairwise;
  pairwise.seed = options.bootstrap_seed;
  pairwise.confidence = options.confidence;
  data.pairwise =
      summarize_pairwise(options.run ? store.judgments(data.runs.front().id) : store.judgments(),
                         data.samples, pairwise);
  data.paired = paired_matrices(data.results, data.samples, data.runs.size() > 1,
                                {.seed = options.bootstrap_seed,
                                 .rounds = options.bootstrap_rounds,
                                 .confidence = options.confidence});
  data.probes =
      load_probes(store, data, options.run ? std::optional(data.runs.front().id) : std::nullopt);
  if (options.published_dir) data.published = load_published(*options.published_dir);
  return data;
}

}  // namespace

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
  const ReportData data = load(store, options);
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
  std::filesystem::path tmp = out;
  tmp += ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(fmt::format("{}: cannot open for writing the report", tmp.string()));
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    file.close();
    if (!file) throw Error(fmt::format("{}: write failed (disk full?)", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error(
        fmt::format("{}: cannot move the report into place: {}", out.string(), ec.message()));
  }
}

}  // namespace rbench
