// Published reference rows (data/published/*.json): figures other people measured, each with
// its source, shown in every report in a band of their own ("Published, not measured here"),
// never ranked among the rows rbench measured.
//
// A file is one system family:
//   {"family": "DeepSeek R1", "note": "...",            (note optional)
//    "rows": [{"model": "DeepSeek R1", "snapshot": "...",
//              "figures": [{"benchmark": "AIME 2024", "value": 79.8,
//                           "metric": "pass@1 averaged over 64 samples ...",
//                           "protocol": "deepseek-r1",   (optional: a shipped protocol)
//                           "source": {"url": "https://...", "quote": "...",
//                                      "date": "YYYY-MM-DD"}}]}]}
// Values are percentages. Unknown keys are errors (a typo must not drop a field silently).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/json_writer.h"
#include "harness/store/store.h"
#include "reports/pairwise_summary.h"
#include "reports/summary.h"

namespace rbench {

struct PublishedSource {
  std::string url;
  std::string quote;  // a short quote of the source holding the number
  std::string date;   // YYYY-MM-DD, when the source published it
};

struct PublishedFigure {
  std::string benchmark;  // one of published_benchmarks()
  double value = 0;       // percent
  std::string metric;     // its definition: pass@1 over k samples, cons@64, judge and baseline
  std::string protocol;   // a shipped protocol's name when the figure used it; "" otherwise
  PublishedSource source;
};

struct PublishedRow {
  std::string family;    // the file's system family
  std::string model;     // as shown
  std::string snapshot;  // which snapshot: different snapshots are different rows
  std::string note;      // the file's note (what was not found, how figures were read)
  std::string file;      // the file it came from, by name
  std::vector<PublishedFigure> figures;
};

// The benchmarks a figure may name, in display order.
const std::vector<std::string_view>& published_benchmarks();

// The published benchmark a measured suite is (aime2024 -> "AIME 2024", math500 -> "MATH-500",
// livecodebench, arena-hard, alpaca-eval); nullopt for suites with no published counterpart.
std::optional<std::string_view> published_benchmark_of_suite(std::string_view suite);

// Every *.json of `dir`, in file-name order, rows in file order. Throws DataError naming the
// file and the JSON path of the first thing wrong; a missing directory is an error too.
std::vector<PublishedRow> load_published(const std::filesystem::path& dir);
// One file (for tests and the loader).
std::vector<PublishedRow> load_published_file(const std::filesystem::path& file);

// The suites measured in a report (results and pairwise leaderboards), each once, sorted.
std::vector<std::string> measured_suites(const std::vector<ResultSummary>& results,
                                         const std::vector<PairwiseSummary>& pairwise);

// A reported run made under a protocol (`rbench run --protocol`), from its stored config.
struct RunProtocol {
  std::string run;
  std::string protocol;
};
// The runs' protocols, in run order; runs without one are left out.
std::vector<RunProtocol> run_protocols(const std::vector<RunInfo>& runs);

// Renderings of the band, one per report format; each is empty when `rows` is. The Markdown and
// HTML bands name, per benchmark, the measured suites of the same benchmark, and beside a figure
// made under a protocol, the reported runs made under the same one.
void write_published_json(json::Writer& w, const PublishedRow& row);
std::string published_markdown(const std::vector<PublishedRow>& rows,
                               const std::vector<std::string>& measured_suites,
                               const std::vector<RunProtocol>& protocols);
// One marked line under a measured suite's leaderboard: the published figures of its benchmark
// ("" when it is none, or none was published), pointing to the band.
std::string published_beside_markdown(const std::vector<PublishedRow>& rows,
                                      std::string_view suite);
// A block of its own after the measured rows (their columns unchanged), every line
// source=published.
std::string published_csv(const std::vector<PublishedRow>& rows);
std::string published_html(const std::vector<PublishedRow>& rows,
                           const std::vector<std::string>& measured_suites,
                           const std::vector<RunProtocol>& protocols);

}  // namespace rbench
