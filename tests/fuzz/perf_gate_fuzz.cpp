// Fuzz target `perf_gate`: what `rbench perf compare` (the perf gate, scripts/perf-gate) reads:
// Google Benchmark JSON and rbench probe JSON, told apart by content. The input is one file, or
// two (baseline, current) separated by a NUL byte, which JSON text cannot hold. Properties: a
// file parses or is refused with a DataError naming it; a file compared with itself has no
// regression and no improvement; the comparison's JSON output is valid JSON and its Markdown
// ends with the summary line.
// fuzz-links: rbench_reports_perf
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_target.h"
#include "harness/core/error.h"
#include "reports/perf/perf_compare.h"
#include "reports/perf/perf_report.h"

namespace {

using rbench::fuzz::check;
namespace perf = rbench::perf;

std::optional<perf::PerfFile> parse(std::string_view text, const std::string& source) {
  try {
    return perf::parse_perf_file(text, source);
  } catch (const rbench::DataError& e) {
    check(std::string_view(e.what()).find(source) != std::string_view::npos,
          "a refused perf file's error does not name it");
    return std::nullopt;
  }
}

void check_outputs(const perf::Comparison& c) {
  const std::string json = perf::to_json(c);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  check(!doc.HasParseError() && doc.IsObject(), "to_json wrote invalid JSON");
  const std::string md = perf::to_markdown(c);
  check(md.find(perf::summary_line(c)) != std::string::npos, "the Markdown lacks the summary");
}

}  // namespace

RBENCH_FUZZ_TARGET(perf_gate) {
  // Mann-Whitney's exact test is quadratic in the sample sizes; real files hold tens of values.
  if (size > (1 << 15)) return 0;
  const std::string_view input = rbench::fuzz::as_text(data, size);
  const std::size_t nul = input.find('\0');
  const auto base = parse(input.substr(0, nul), "fuzz/baseline.json");
  if (!base) return 0;
  try {
    const perf::Comparison self = perf::compare(*base, *base, {});
    check(self.count(perf::Verdict::regression) == 0 && self.count(perf::Verdict::improvement) == 0,
          "a perf file compared with itself shows a change");
    check_outputs(self);
  } catch (const rbench::UsageError&) {
    // A file with no metrics at all: nothing to compare.
  }
  if (nul == std::string_view::npos) return 0;
  const auto current = parse(input.substr(nul + 1), "fuzz/current.json");
  if (!current) return 0;
  try {
    check_outputs(perf::compare(*base, *current, {}));
    (void)perf::merge_perf_files({*base, *current});
  } catch (const rbench::UsageError&) {
    // Files of different kinds, or no metrics.
  } catch (const rbench::DataError&) {
    // merge_perf_files of different kinds.
  }
  return 0;
}
