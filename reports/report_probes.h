// One probe of a report as a JSON object: shared by the JSON report and the data the HTML report
// embeds, so both carry the same document under the same names. The probe's own document
// (harness/probe/probe_json.h) is embedded as JSON, not as a string.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <string>
#include <vector>

#include "reports/probe_figures.h"
#include "reports/reporters.h"
#include "reports/result_json.h"

namespace rbench {

struct ProbeJsonOptions {
  // The HTML report leaves out the pooled inter-token samples: no chart draws them, and they grow
  // with every token of every request (their summary stays in "itl_ms").
  bool itl_samples = true;
  // "figure_rows": [[name, value], ...] of a memory or ceiling probe (reports/probe_figures.h),
  // for the HTML report to show the same rows as the Markdown one.
  bool figure_rows = false;
};

inline void drop_itl_samples(rapidjson::Document& doc) {
  if (!doc.HasMember("steps") || !doc["steps"].IsArray()) return;
  for (auto& step : doc["steps"].GetArray()) {
    if (step.IsObject() && step.HasMember("samples") && step["samples"].IsObject()) {
      step["samples"].RemoveMember("itl_ms");
    }
  }
}

template <class Writer>
void write_figure_rows(Writer& w, const rapidjson::Document& doc, const std::string& kind) {
  std::vector<probe_figures::Figure> rows;
  if (kind == "memory") rows = probe_figures::memory_figures(doc);
  if (kind == "ceiling") rows = probe_figures::ceiling_figures(doc);
  if (rows.empty()) return;
  w.Key("figure_rows");
  w.StartArray();
  for (const probe_figures::Figure& f : rows) {
    w.StartArray();
    write_json_string(w, f.name);
    write_json_string(w, f.value);
    w.EndArray();
  }
  w.EndArray();
}

// {"id", "run", "kind", "model", "created_at", "finished_at", "status": "finished"|"unfinished",
//  "document": {...} | null}; an unfinished probe adds "requests_stored" and "requests_failed",
//  a document that does not parse is null with "document_error" saying why.
template <class Writer>
void write_report_probe(Writer& w, const ReportProbe& p, const ProbeJsonOptions& options) {
  const ProbeRecord& r = p.record;
  w.StartObject();
  w.Key("id");
  w.Int64(r.id);
  w.Key("run");
  write_json_string(w, p.run);
  w.Key("kind");
  write_json_string(w, r.kind);
  w.Key("model");
  write_json_string(w, r.model);
  w.Key("created_at");
  write_json_string(w, r.created_at);
  w.Key("finished_at");
  if (r.finished_at.empty()) {
    w.Null();
  } else {
    write_json_string(w, r.finished_at);
  }
  w.Key("status");
  write_json_string(w, p.finished() ? "finished" : "unfinished");
  if (!p.finished()) {
    w.Key("requests_stored");
    w.Uint64(p.requests_stored);
    w.Key("requests_failed");
    w.Uint64(p.requests_failed);
    w.Key("document");
    w.Null();
    w.EndObject();
    return;
  }
  rapidjson::Document doc;
  doc.Parse(r.result_json.c_str(), r.result_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    w.Key("document");
    w.Null();
    w.Key("document_error");
    write_json_string(w, doc.HasParseError() ? std::string("does not parse: ") +
                                                   rapidjson::GetParseError_En(doc.GetParseError())
                                             : std::string("not a JSON object"));
    w.EndObject();
    return;
  }
  if (options.figure_rows) write_figure_rows(w, doc, r.kind);
  if (!options.itl_samples) drop_itl_samples(doc);
  w.Key("document");
  doc.Accept(w);
  w.EndObject();
}

}  // namespace rbench
