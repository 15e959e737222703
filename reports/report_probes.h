// One probe of a report as a JSON object: shared by the JSON report and the data the HTML report
// embeds, so both carry the same document under the same names. The probe's own document
// (harness/probe/probe_json.h) is embedded as JSON, not as a string.
#pragma once

#include "harness/core/json_writer.h"
#include "reports/reporters.h"

namespace rbench {

struct ProbeJsonOptions {
  // The HTML report leaves out the pooled inter-token samples: no chart draws them, and they grow
  // with every token of every request (their summary stays in "itl_ms").
  bool itl_samples = true;
  // "figure_rows": [[name, value], ...] of a memory or ceiling probe (reports/probe_figures.h),
  // for the HTML report to show the same rows as the Markdown one.
  bool figure_rows = false;
};

// {"id", "run", "kind", "model", "created_at", "finished_at", "status": "finished"|"unfinished",
//  "document": {...} | null}; an unfinished probe adds "requests_stored" and "requests_failed",
//  a document that does not parse is null with "document_error" saying why.
void write_report_probe(json::Writer& w, const ReportProbe& p, const ProbeJsonOptions& options);

}  // namespace rbench
