#include "reports/report_probes.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <string>
#include <vector>

#include "reports/probe_figures.h"
#include "reports/result_json.h"

namespace rbench {
namespace {

void drop_itl_samples(rapidjson::Document& doc) {
  if (!doc.HasMember("steps") || !doc["steps"].IsArray()) return;
  for (auto& step : doc["steps"].GetArray()) {
    if (step.IsObject() && step.HasMember("samples") && step["samples"].IsObject()) {
      step["samples"].RemoveMember("itl_ms");
    }
  }
}

std::vector<probe_figures::Figure> figure_rows(const rapidjson::Document& doc,
                                               const std::string& kind) {
  if (kind == "memory") return probe_figures::memory_figures(doc);
  if (kind == "ceiling") return probe_figures::ceiling_figures(doc);
  if (kind == "decode") return probe_figures::decode_figures(doc);
  return {};
}

void write_figure_row(json::Writer& w, const probe_figures::Figure& f) {
  w.value(json::array({f.name, f.value}));
}

}  // namespace

void write_report_probe(json::Writer& w, const ReportProbe& p, const ProbeJsonOptions& options) {
  const ProbeRecord& r = p.record;
  std::vector<json::Field> fields = {{"id", r.id},
                                     {"run", p.run},
                                     {"kind", r.kind},
                                     {"model", r.model},
                                     {"created_at", r.created_at},
                                     {"finished_at", string_or_null(r.finished_at)},
                                     {"status", p.finished() ? "finished" : "unfinished"}};
  if (!p.finished()) {
    fields.insert(fields.end(), {{"requests_stored", p.requests_stored},
                                 {"requests_failed", p.requests_failed},
                                 {"document", json::null}});
    w.object(fields);
    return;
  }
  rapidjson::Document doc;
  doc.Parse(r.result_json.c_str(), r.result_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    fields.insert(fields.end(),
                  {{"document", json::null},
                   {"document_error", doc.HasParseError()
                                          ? std::string("does not parse: ") +
                                                rapidjson::GetParseError_En(doc.GetParseError())
                                          : std::string("not a JSON object")}});
    w.object(fields);
    return;
  }
  const std::vector<probe_figures::Figure> rows =
      options.figure_rows ? figure_rows(doc, r.kind) : std::vector<probe_figures::Figure>{};
  if (!rows.empty()) fields.push_back({"figure_rows", json::array(rows, write_figure_row)});
  if (!options.itl_samples) drop_itl_samples(doc);
  fields.push_back({"document", doc});
  w.object(fields);
}

}  // namespace rbench
