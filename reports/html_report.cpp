// The HTML report: one self-contained file. The header (runs, configs, and timings by host
// where results ran on several) is rendered here with HTML escaping; leaderboards, the cost plot,
// the per-item view and the probes' charts and tables are rendered by inline JavaScript from the
// data embedded once as JSON (inserted as textContent, never as HTML).
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <unordered_map>

#include "harness/core/json_writer.h"
#include "reports/html_assets.h"
#include "reports/report_probes.h"
#include "reports/reporters.h"
#include "reports/result_json.h"
#include "scorers/pairwise_scorer.h"

namespace rbench {
namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON inside <script type="application/json">: "</script>" or "<!--" in a string must not end
// or change the script element, so every '<' (and '>', '&' for good measure) becomes \uXXXX.
std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

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
    const std::string finished = run.finished_at.empty()
                                     ? R"(<span class="muted" title="no finish time: the run is )"
                                       R"(still going, or was interrupted">not finished</span>)"
                                     : html_escape(run.finished_at);
    out += fmt::format(
        "<tr><td class=\"strong\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
        "<td><details><summary>show</summary><pre class=\"config\">{}</pre></details></td></tr>\n",
        html_escape(run.name), html_escape(run.rbench_version), html_escape(run.git_sha),
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

// Prompts and references repeat across models and samples: each is stored once in "strings".
class StringTable {
 public:
  int intern(const std::string& s) {
    const auto [it, inserted] = index_.try_emplace(s, static_cast<int>(strings_.size()));
    if (inserted) strings_.push_back(&it->first);
    return it->second;
  }
  void write(json::Writer& w) const {
    w.value(json::array(strings_, [](json::Writer& w, const std::string* s) { w.value(*s); }));
  }

 private:
  std::unordered_map<std::string, int> index_;
  std::vector<const std::string*> strings_;  // node-based map: pointers stay valid
};

// Unknown fields are left out: empty strings, negative counts and times.
json::OutValue count(std::int64_t value) {
  return value < 0 ? json::OutValue(std::nullopt) : value;
}
json::OutValue real(double value) {
  return value < 0 ? json::OutValue(std::nullopt) : value;
}

// One sample with short keys (the JavaScript's field names).
void write_sample(json::Writer& w, const SampleRecord& s, StringTable& strings) {
  const Completion& c = s.completion;
  const int prompt = strings.intern(s.prompt_json);
  const int reference = strings.intern(s.reference);
  // A pairwise answer has no verdict of its own: its games are in the suite's pairwise table.
  const char* verdict = !c.ok()                       ? "error"
                        : !s.score                    ? "unscored"
                        : s.scorer == kPairwiseScorer ? "pairwise"
                        : s.score->correct            ? "correct"
                                                      : "wrong";
  w.object([&](json::Writer& w) {
    w.fields({{"id", json::unless_empty(s.key.item_id)},
              {"k", count(s.key.sample_index)},
              {"p", count(prompt)},
              {"r", count(reference)},
              {"v", verdict}});
    if (s.score) {
      w.fields({{"x", json::unless_empty(s.score->extracted)},
                {"m", json::unless_empty(s.score->method)},
                {"d", json::unless_empty(s.score->detail)},
                {"sc", json::unless_empty(s.scorer)},
                {"o", json::unless_empty(s.score->outcome)},
                {"ru", json::unless_empty(s.score->rule)},
                {"fa", json::unless_empty(s.score->answer_form)},
                {"fr", json::unless_empty(s.score->reference_form)},
                {"lg", json::unless_empty(s.score->log)},
                {"du", real(s.score->duration_s)},
                {"val", s.score->value}});
    }
    w.fields({{"rs", json::unless_empty(c.reasoning)},
              {"a", json::unless_empty(c.answer)},
              {"f", json::unless_empty(c.finish_reason)},
              {"tp", count(c.usage.prompt_tokens)},
              {"tc", count(c.usage.completion_tokens)},
              {"tr", count(c.usage.reasoning_tokens)},
              {"t1", real(c.timings.ttft_s)},
              {"te", real(c.timings.e2e_s)},
              {"ek",
               c.ok() ? json::OutValue(std::nullopt) : json::unless_empty(to_string(c.error_kind))},
              {"e", json::unless_empty(c.error)},
              {"c", real(s.cost_usd)},
              {"at", count(c.attempts)},
              {"hs", c.http_status > 0 ? count(c.http_status) : json::OutValue(std::nullopt)}});
  });
}

std::string embedded_data(const ReportData& data) {
  StringTable strings;
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
            // Parallel to "results".
            {"samples", json::array(data.results,
                                    [&](json::Writer& w, const ResultSummary& r) {
                                      w.value(json::array(
                                          r.samples, [&](json::Writer& w, std::size_t i) {
                                            write_sample(w, data.samples[i], strings);
                                          }));
                                    })},
            {"probes", json::array(data.probes,
                                   [](json::Writer& w, const ReportProbe& p) {
                                     write_report_probe(
                                         w, p, {.itl_samples = false, .figure_rows = true});
                                   })},
            {"prices", prices_json(data.prices, data.prices_note)},
            {"strings", [&](json::Writer& w) { strings.write(w); }}});
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
  out += R"(<nav id="toc" class="toc"></nav>
<main id="suites"><noscript><p class="notice">This report draws its tables with JavaScript; enable it to see them.</p></noscript></main>
<script type="application/json" id="rbench-data">)";
  out += embedded_data(data);
  out += "</script>\n<script>\n(function () {\n'use strict';\n";
  out += html_report_script_tables();
  out += html_report_script_speed();
  out += html_report_script_items();
  out += html_report_script_probes();
  out += "main();\n})();\n</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace rbench
