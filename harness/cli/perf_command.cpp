// `rbench perf`: performance tooling. `perf compare` is the regression gate: two Google Benchmark
// or probe JSON files in, a verdict per metric out, exit 1 on a regression (or, with
// --fail-on-inconclusive, on a metric the data cannot decide).
#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "reports/perf/perf_compare.h"
#include "reports/perf/perf_report.h"

namespace rbench::cli {
namespace {

struct CompareCommandOptions {
  std::string baseline;
  std::string current;
  perf::CompareOptions compare;
  std::string markdown;
  std::string json;
  bool fail_on_inconclusive = false;
};

void write_text(const std::string& path, const std::string& text, const char* flag) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw UsageError(fmt::format("{} {}: cannot open for writing", flag, path));
  out << text;
  out.close();
  if (!out) throw Error(fmt::format("{} {}: write failed (disk full?)", flag, path));
}

// "a.json,b.json" -> both files pooled (rounds of one side).
perf::PerfFile read_side(const std::string& list) {
  std::vector<perf::PerfFile> files;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma - start);
    if (!name.empty()) files.push_back(perf::read_perf_file(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (files.empty()) throw UsageError("perf compare: an empty file list");
  return files.size() == 1 ? files.front() : perf::merge_perf_files(files);
}

int compare(const CompareCommandOptions& o) {
  const perf::PerfFile baseline = read_side(o.baseline);
  const perf::PerfFile current = read_side(o.current);
  const perf::Comparison comparison = perf::compare(baseline, current, o.compare);
  const std::string markdown = perf::to_markdown(comparison);
  fmt::print("{}", markdown);
  if (!o.markdown.empty()) write_text(o.markdown, markdown, "--markdown");
  if (!o.json.empty()) write_text(o.json, perf::to_json(comparison), "--json");
  if (comparison.count(perf::Verdict::regression) > 0) return kExitError;
  if (o.fail_on_inconclusive && comparison.count(perf::Verdict::inconclusive) > 0) {
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void add_perf_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("perf", "Performance tooling: the regression gate");
  cmd->require_subcommand(1);

  auto o = std::make_shared<CompareCommandOptions>();
  CLI::App* compare_cmd = cmd->add_subcommand(
      "compare",
      "Compare two Google Benchmark (or rbench probe) JSON files metric by metric with the "
      "Mann-Whitney U test; exit 1 on a regression");
  compare_cmd
      ->add_option("baseline", o->baseline,
                   "The baseline's JSON (FILE,FILE,...: rounds pooled metric by metric)")
      ->required();
  compare_cmd->add_option("current", o->current, "The current build's JSON (or FILE,FILE,...)")
      ->required();
  compare_cmd
      ->add_option("--min-effect", o->compare.min_effect,
                   "Smallest relative change of the median that counts (0.05 = 5%)")
      ->capture_default_str();
  compare_cmd->add_option("--alpha", o->compare.alpha, "Significance level of the test")
      ->capture_default_str();
  compare_cmd->add_option("--filter", o->compare.filter,
                          "Compare only metrics whose name matches this regex (searched)");
  compare_cmd->add_option("--markdown", o->markdown, "Also write the table to this file");
  compare_cmd->add_option("--json", o->json, "Write the comparison as JSON to this file");
  compare_cmd->add_flag("--fail-on-inconclusive", o->fail_on_inconclusive,
                        "Exit 1 when a metric has too few values to decide (CI: use enough "
                        "repetitions and set this)");
  compare_cmd->callback([o, &exit_code] { exit_code = compare(*o); });
}

}  // namespace rbench::cli
