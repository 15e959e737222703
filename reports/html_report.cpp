// The HTML report: one self-contained file. The header (runs, configs) is rendered here with
// HTML escaping; leaderboards, the cost plot, the per-item view and the probes' charts and
// tables are rendered by inline JavaScript from the data embedded once as JSON (inserted as
// textContent, never as HTML).
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_map>

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
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  doc.Accept(w);
  return buffer.GetString();
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

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Prompts and references repeat across models and samples: each is stored once in "strings".
class StringTable {
 public:
  int intern(const std::string& s) {
    const auto [it, inserted] = index_.try_emplace(s, static_cast<int>(strings_.size()));
    if (inserted) strings_.push_back(&it->first);
    return it->second;
  }
  void write(Writer& w) const {
    w.StartArray();
    for (const std::string* s : strings_) write_json_string(w, *s);
    w.EndArray();
  }

 private:
  std::unordered_map<std::string, int> index_;
  std::vector<const std::string*> strings_;  // node-based map: pointers stay valid
};

void write_text(Writer& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  write_json_string(w, value);
}

void write_count(Writer& w, const char* key, std::int64_t value) {
  if (value < 0) return;
  w.Key(key);
  w.Int64(value);
}

void write_real(Writer& w, const char* key, double value) {
  if (value < 0) return;
  w.Key(key);
  w.Double(value);
}

// One sample with short keys (the JavaScript's field names); unknown fields are left out.
void write_sample(Writer& w, const SampleRecord& s, StringTable& strings) {
  const Completion& c = s.completion;
  w.StartObject();
  write_text(w, "id", s.key.item_id);
  write_count(w, "k", s.key.sample_index);
  write_count(w, "p", strings.intern(s.prompt_json));
  write_count(w, "r", strings.intern(s.reference));
  // A pairwise answer has no verdict of its own: its games are in the suite's pairwise table.
  const char* verdict = !c.ok()                       ? "error"
                        : !s.score                    ? "unscored"
                        : s.scorer == kPairwiseScorer ? "pairwise"
                        : s.score->correct            ? "correct"
                                                      : "wrong";
  write_text(w, "v", verdict);
  if (s.score) {
    write_text(w, "x", s.score->extracted);
    write_text(w, "m", s.score->method);
    write_text(w, "d", s.score->detail);
    write_text(w, "sc", s.scorer);
    write_text(w, "o", s.score->outcome);
    write_text(w, "ru", s.score->rule);
    write_text(w, "fa", s.score->answer_form);
    write_text(w, "fr", s.score->reference_form);
    write_text(w, "lg", s.score->log);
    write_real(w, "du", s.score->duration_s);
    w.Key("val");
    w.Double(s.score->value);
  }
  write_text(w, "rs", c.reasoning);
  write_text(w, "a", c.answer);
  write_text(w, "f", c.finish_reason);
  write_count(w, "tp", c.usage.prompt_tokens);
  write_count(w, "tc", c.usage.completion_tokens);
  write_count(w, "tr", c.usage.reasoning_tokens);
  write_real(w, "t1", c.timings.ttft_s);
  write_real(w, "te", c.timings.e2e_s);
  if (!c.ok()) write_text(w, "ek", std::string(to_string(c.error_kind)));
  write_text(w, "e", c.error);
  write_real(w, "c", s.cost_usd);
  write_count(w, "at", c.attempts);
  if (c.http_status > 0) write_count(w, "hs", c.http_status);
  w.EndObject();
}

std::string embedded_data(const ReportData& data) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  StringTable strings;
  w.StartObject();
  w.Key("confidence");
  w.Double(data.confidence);
  w.Key("multi_run");
  w.Bool(data.runs.size() > 1);
  w.Key("results");
  w.StartArray();
  for (const ResultSummary& r : data.results) write_result_json(w, r);
  w.EndArray();
  w.Key("suites");
  w.StartArray();
  for (const auto& [suite, ranked] : rank_by_suite(data.results)) {
    w.StartObject();
    w.Key("name");
    write_json_string(w, suite);
    w.Key("ranked");  // indices into "results", best first
    w.StartArray();
    for (const ResultSummary* r : ranked) w.Int64(r - data.results.data());
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("pairwise");  // pairwise suites' leaderboards, one per (suite, judge)
  w.StartArray();
  for (const PairwiseSummary& p : data.pairwise) write_pairwise_json(w, p);
  w.EndArray();
  w.Key("samples");  // parallel to "results"
  w.StartArray();
  for (const ResultSummary& r : data.results) {
    w.StartArray();
    for (std::size_t i : r.samples) write_sample(w, data.samples[i], strings);
    w.EndArray();
  }
  w.EndArray();
  w.Key("probes");
  w.StartArray();
  for (const ReportProbe& p : data.probes) {
    write_report_probe(w, p, {.itl_samples = false, .figure_rows = true});
  }
  w.EndArray();
  w.Key("strings");
  strings.write(w);
  w.EndObject();
  return script_safe_json({buffer.GetString(), buffer.GetSize()});
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
  out += runs_section(data);
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
