// Rendering the store: an HTML leaderboard for people, JSON/CSV/Markdown for CI and scripts.
// Reports read only the store, and the same store gives the same bytes (seeded bootstrap, no
// timestamps of their own).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "harness/store/store.h"

namespace rbench {

enum class ReportFormat { html, json, csv, md };

// "html", "json", "csv", "md" (also "markdown"); throws UsageError naming the accepted values.
ReportFormat parse_report_format(std::string_view name);
std::string_view to_string(ReportFormat format);

struct ReportOptions {
  std::uint64_t bootstrap_seed = 0;
  int bootstrap_rounds = 1000;
  double confidence = 0.95;
  std::optional<std::string> run;  // only this run (by name); all runs when absent
  // csv: the paired comparisons (reports/paired_matrix.h), one row per pair, instead of the results
  bool paired_csv = false;
  // The published reference rows' folder (`rbench report --published DIR`; the CLI defaults it to
  // the bundled data/published); absent: no published band.
  std::optional<std::filesystem::path> published_dir;
  // {"profile name": pricing} re-pricing the stored runs of the models it names
  // (reports/pricing.h).
  std::optional<std::filesystem::path> prices_file;
};

struct ReportData;  // reports/reporters.h

// What every reporter renders, read from the store in one pass over its samples (summaries,
// prices, paired matrices; the HTML reads the samples it embeds again through
// ReportData::result_samples, so the store must outlive the data). Throws UsageError when
// options.run names no run in the store.
ReportData load_report_data(Store& store, const ReportOptions& options);

// The report as text. Throws UsageError when options.run names no run in the store.
std::string render_report(Store& store, ReportFormat format, const ReportOptions& options);

// Renders and writes `out` (through a temporary file renamed into place, so a reader never
// sees half a report). Throws rbench::Error naming the file when it cannot be written.
void write_report(Store& store, const std::filesystem::path& out, ReportFormat format,
                  const ReportOptions& options);

}  // namespace rbench
