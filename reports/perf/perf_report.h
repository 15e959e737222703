// What `rbench perf compare` prints and writes: a Markdown table with a one-line summary, and the
// same comparison as JSON for tools.
#pragma once

#include <string>

#include "reports/perf/perf_compare.h"

namespace rbench::perf {

// "2 regressions, 1 improvement, 10 unchanged, 1 inconclusive"
std::string summary_line(const Comparison& c);

// A heading line (files, test, alpha, min effect), the table (metric, n, baseline median,
// current median, change of the median, p, verdict) in the comparison's order, the metrics
// found on one side only, notes, and the summary line last.
std::string to_markdown(const Comparison& c);

// {"baseline", "current", "kind", "alpha", "min_effect", "filter",
//  "metrics": [{"name", "unit" ("ns" | "ms" | "per_second"), "higher_is_better",
//               "baseline": {"n", "median"}, "current": {"n", "median"}, "change", "worse_by",
//               "u", "p", "method" ("exact" | "normal"), "smallest_p", "verdict", "reason"}],
//  "only_in_baseline": [...], "only_in_current": [...], "notes": [...],
//  "summary": {"regression", "improvement", "unchanged", "inconclusive"}}
// Figures that do not exist (a median of no values, U of an untested metric) are null.
std::string to_json(const Comparison& c);

}  // namespace rbench::perf
