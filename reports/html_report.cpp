// The HTML report: one self-contained file. The header (runs, configs, and timings by host
// where results ran on several) is rendered here with HTML escaping; leaderboards, the frontier
// charts, the per-item view and the probes' charts and tables are rendered by inline JavaScript
// from the data embedded as JSON (inserted as textContent, never as HTML): the summaries first,
// each result's samples after the code (html_samples.h), read only when shown.
#include <fmt/format.h>
#include <rapidjson/document.h>

#include "harness/core/json_writer.h"
#include "reports/html_assets.h"
#include "reports/html_samples.h"
#include "reports/paired_matrix.h"
#include "reports/report_probes.h"
#include "reports/reporters.h"
#include "reports/result_json.h"
#include "reports/text_escape.h"

namespace rbench {
namespace {

std::string pretty_config(const std::string& config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.c_str(), config_json.size());
  if (doc.HasParseError()) return config_json;
  json::Writer w(json::Pretty{});
  w.value(doc);
  return w.str();
}

std::string runs_section(const ReportData& data) {
  std::string out = R"(<section class="runs"><h2>Runs</h2><div class="table-wrap"><table>
<thead><tr><th>Run</th><th>rbench</th><th>Commit</th><th>Started (UTC)</th><th>Finished (UTC)</th><th>Config</th></tr></thead><tbody>
)";
  for (const RunInfo& run : data.runs) {
    std::string name = html_escape(run.name);  // a run under a protocol says so beside its name
    for (const RunProtocol& p : run_protocols({run})) {
      name += fmt::format(" <span class=\"protocol-match\">protocol {}</span>",
                          html_escape(p.protocol));
    }
    const std::string finished = run.finished_at.empty()
                                     ? R"(<span class="muted" title="no finish time: the run is )"
                                       R"(still going, or was interrupted">not finished</span>)"
                                     : html_escape(run.finished_at);
    out += fmt::format(
        "<tr><td class=\"strong\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
        "<td><details><summary>show</summary><pre class=\"config\">{}</pre></details></td></tr>\n",
        name, html_escape(run.rbench_version), html_escape(run.git_sha),
        html_escape(run.started_at), finished, html_escape(pretty_config(run.config_json)));
  }
  out += "</tbody></table></div></section>\n";
  return out;
}

std::string seconds_cell(const std::optional<double>& v) {
  if (!v) return "—";
  return *v < 1 ? fmt::format("{:.0f} ms", *v * 1000) : fmt::format("{:.2f} s", *v);
}

// Results whose samples ran on several hosts: each host's latency and decode speed, since
// latency from different client machines is never pooled blindly. Nothing when every result
// ran on one host, so such reports read as before.
std::string hosts_section(const ReportData& data) {
  const bool several_runs = data.runs.size() > 1;
  std::string rows;
  for (const ResultSummary& r : data.results) {
    for (const HostTiming& h : r.hosts) {
      rows += fmt::format("<tr><td>{}</td><td class=\"strong\">{}</td>", html_escape(r.suite),
                          html_escape(r.model));
      if (several_runs) rows += fmt::format("<td>{}</td>", html_escape(r.run));
      rows += fmt::format(
          "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
          "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "</tr>\n",
          h.host.empty() ? R"(<span class="muted">unknown</span>)" : html_escape(h.host), h.n,
          h.errors, seconds_cell(h.e2e_p50_s), seconds_cell(h.e2e_mean_s),
          seconds_cell(h.ttft_mean_s),
          h.decode_tokens_per_s ? fmt::format("{:.1f}", *h.decode_tokens_per_s) : "—");
    }
  }
  if (rows.empty()) return "";
  return fmt::format(
      R"(<section class="hosts"><h2>Timings by host</h2>
<p class="muted">These results ran on several machines; the leaderboards pool their timings, and here each host's are apart.</p>
<div class="table-wrap"><table>
<thead><tr><th>Suite</th><th>Model</th>{}<th>Host</th><th>n</th><th>Errors</th><th>Latency p50</th><th>Latency mean</th><th>TTFT mean</th><th>tok/s</th></tr></thead><tbody>
{}</tbody></table></div></section>
)",
      several_runs ? "<th>Run</th>" : "", rows);
}

std::string embedded_data(const ReportData& data) {
  json::Writer w;
  w.object({{"confidence", data.confidence},
            {"multi_run", data.runs.size() > 1},
            {"results", json::array(data.results, write_result_json)},
            {"suites",
             [&](json::Writer& w) {
               w.array([&](json::Writer& w) {
                 for (const auto& [suite, ranked] : rank_by_suite(data.results)) {
                   // "ranked": indices into "results", best first.
                   w.object({{"name", suite},
                             {"ranked",
                              json::array(ranked, [&](json::Writer& w, const ResultSummary* r) {
                                w.value(static_cast<std::int64_t>(r - data.results.data()));
                              })}});
                 }
               });
             }},
            // Pairwise suites' leaderboards, one per (suite, judge).
            {"pairwise", json::array(data.pairwise, write_pairwise_json)},
            {"probes", json::array(data.probes,
                                   [](json::Writer& w, const ReportProbe& p) {
                                     write_report_probe(
                                         w, p, {.itl_samples = false, .figure_rows = true});
                                   })},
            {"paired", json::array(data.paired, write_paired_json)},
            // As in the JSON report; the band itself is drawn above, in HTML. published_suites:
            // the measured suites that are a published benchmark (publishedBeside() in
            // published.js shows its figures beside them).
            {"published", json::array(data.published, write_published_json)},
            {"published_suites",
             [&](json::Writer& w) {
               w.object([&](json::Writer& w) {
                 if (data.published.empty()) return;
                 for (const std::string& suite : measured_suites(data.results, data.pairwise)) {
                   if (const auto b = published_benchmark_of_suite(suite)) w.field(suite, *b);
                 }
               });
             }},
            {"prices", prices_json(data.prices, data.prices_note)}});
  return script_safe_json(w.str());
}

}  // namespace

std::string render_html_report(const ReportData& data) {
  std::string out = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="rbench )";
  out += html_escape(data.rbench_version);
  out += "\">\n<title>rbench report</title>\n<style>\n";
  out += html_report_style();
  out += "</style>\n</head>\n<body>\n<header class=\"top\"><h1>rbench report</h1>\n";
  out += fmt::format(
      "<p class=\"muted\">Generated from <code>{}</code> by rbench {}. Accuracy intervals are "
      "{:.0f}% percentile-bootstrap confidence intervals over samples.</p></header>\n",
      html_escape(data.db_path), html_escape(data.rbench_version), data.confidence * 100);
  if (!data.prices_note.empty()) {
    out +=
        fmt::format("<p class=\"notice\">Costs {}, not at the prices stored with the runs.</p>\n",
                    html_escape(data.prices_note));
  }
  out += runs_section(data);
  out += hosts_section(data);
  out += "<section id=\"overview\" class=\"overview\"></section>\n";
  out += "<section id=\"frontier\" class=\"frontier\"></section>\n";
  out += published_html(data.published, measured_suites(data.results, data.pairwise),
                        run_protocols(data.runs));
  out += R"(<nav id="toc" class="toc"></nav>
<main id="suites"><noscript><p class="notice">This report draws its tables with JavaScript; enable it to see them.</p></noscript></main>
<script type="application/json" id="rbench-data">)";
  out += embedded_data(data);
  out += "</script>\n<script>\n(function () {\n'use strict';\n";
  out += html_report_script_tables();
  out += html_report_script_speed();
  out += html_report_script_items();
  out += html_report_script_frontier();
  out += html_report_script_probes();
  out += html_report_script_published();
  out += html_report_script_overview();
  out += html_report_script_paired();
  out += html_report_script_diff();
  out += "main();\n})();\n</script>\n";
  // Each result's samples, after the code: the page draws its tables while the browser still
  // reads these, and items.js decodes a result's only when its items are shown.
  out += html_sample_scripts(data);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace rbench
