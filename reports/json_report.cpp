// The JSON report: runs, per (run, model, suite) results and the runs' probes, for CI and scripts.
#include <rapidjson/document.h>

#include "harness/core/json_writer.h"
#include "reports/report_probes.h"
#include "reports/reporters.h"
#include "reports/result_json.h"

namespace rbench {
namespace {

void write_run(json::Writer& w, const RunInfo& run) {
  // The config as a JSON value; as the stored string if it does not parse.
  rapidjson::Document config;
  config.Parse(run.config_json.c_str(), run.config_json.size());
  const bool parsed = !config.HasParseError();
  w.object(
      {{"name", run.name},
       {"rbench_version", run.rbench_version},
       {"git_sha", run.git_sha},
       {"started_at", run.started_at},
       {"finished_at", string_or_null(run.finished_at)},
       {"config_json", parsed ? json::OutValue(std::nullopt) : json::OutValue(run.config_json)},
       {"config", parsed ? json::OutValue(config) : std::nullopt}});
}

}  // namespace

std::string render_json_report(const ReportData& data) {
  json::Writer w(json::Pretty{});
  w.object({{"rbench_version", data.rbench_version},
            {"generated_from", data.db_path},
            {"confidence", data.confidence},
            {"runs", json::array(data.runs, write_run)},
            {"results", json::array(data.results, write_result_json)},
            {"pairwise", json::array(data.pairwise, write_pairwise_json)},
            {"probes",
             json::array(data.probes, [](json::Writer& w,
                                         const ReportProbe& p) { write_report_probe(w, p, {}); })},
            {"paired", json::array(data.paired, write_paired_json)},
            // Published reference rows with their sources: not measured here, never ranked.
            {"published", json::array(data.published, write_published_json)},
            // Which prices the costs used, per run and model (reports/pricing.h).
            {"prices", prices_json(data.prices, data.prices_note)}});
  return w.str() + '\n';
}

}  // namespace rbench
