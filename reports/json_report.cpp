// The JSON report: runs, per (run, model, suite) results and the runs' probes, for CI and scripts.
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "reports/report_probes.h"
#include "reports/reporters.h"
#include "reports/result_json.h"

namespace rbench {

std::string render_json_report(const ReportData& data) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("rbench_version");
  write_json_string(w, data.rbench_version);
  w.Key("generated_from");
  write_json_string(w, data.db_path);
  w.Key("confidence");
  w.Double(data.confidence);
  w.Key("runs");
  w.StartArray();
  for (const RunInfo& run : data.runs) {
    w.StartObject();
    w.Key("name");
    write_json_string(w, run.name);
    w.Key("rbench_version");
    write_json_string(w, run.rbench_version);
    w.Key("git_sha");
    write_json_string(w, run.git_sha);
    w.Key("started_at");
    write_json_string(w, run.started_at);
    w.Key("finished_at");
    if (run.finished_at.empty()) {
      w.Null();
    } else {
      write_json_string(w, run.finished_at);
    }
    // The config as a JSON value; as the stored string if it does not parse.
    rapidjson::Document config;
    config.Parse(run.config_json.c_str(), run.config_json.size());
    if (config.HasParseError()) {
      w.Key("config_json");
      write_json_string(w, run.config_json);
    } else {
      w.Key("config");
      config.Accept(w);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("results");
  w.StartArray();
  for (const ResultSummary& r : data.results) write_result_json(w, r);
  w.EndArray();
  w.Key("pairwise");
  w.StartArray();
  for (const PairwiseSummary& p : data.pairwise) write_pairwise_json(w, p);
  w.EndArray();
  w.Key("probes");
  w.StartArray();
  for (const ReportProbe& p : data.probes) write_report_probe(w, p, {});
  w.EndArray();
  w.EndObject();
  std::string out = buffer.GetString();
  out += '\n';
  return out;
}

}  // namespace rbench
