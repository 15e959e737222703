// Store's probes: latency sweeps, memory measurements and the harness ceiling (schema v5).
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <cmath>

#include "harness/core/json_writer.h"
#include "harness/store/sqlite_db.h"
#include "harness/store/store.h"

namespace rbench {
namespace {

std::string itl_json(const std::vector<double>& itl) {
  json::Writer w;
  w.value(json::array(itl));
  return w.str();
}

std::vector<double> parse_itl(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  std::vector<double> out;
  if (doc.HasParseError() || !doc.IsArray()) return out;
  for (const auto& v : doc.GetArray()) {
    if (v.IsNumber()) out.push_back(v.GetDouble());
  }
  return out;
}

}  // namespace

std::int64_t Store::put_probe(const ProbeRecord& r) {
  std::lock_guard lock(mutex_);
  if (r.id != 0) {
    sqlite::Statement st(db_.get(), path_, R"sql(
UPDATE probes SET kind = ?2, model = ?3, config_json = ?4, result_json = ?5 WHERE id = ?1)sql");
    st.bind(1, r.id);
    st.bind(2, r.kind);
    st.bind(3, r.model);
    st.bind(4, r.config_json);
    st.bind_text_or_null(5, r.result_json);
    st.run();
    return r.id;
  }
  sqlite::Statement st(db_.get(), path_, R"sql(
INSERT INTO probes (run_id, kind, model, config_json, result_json, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, COALESCE(?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
RETURNING id)sql");
  st.bind(1, r.run_id);
  st.bind(2, r.kind);
  st.bind(3, r.model);
  st.bind(4, r.config_json);
  st.bind_text_or_null(5, r.result_json);
  st.bind_text_or_null(6, r.created_at);
  if (!st.step()) {
    sqlite::fail(db_.get(), path_, fmt::format("storing a {} probe of {}", r.kind, r.model));
  }
  const std::int64_t id = st.int64(0);
  st.run();
  return id;
}

void Store::finish_probe(std::int64_t probe_id, const std::string& result_json) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_, R"sql(
UPDATE probes SET result_json = ?2, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1)sql");
  st.bind(1, probe_id);
  st.bind(2, result_json);
  st.run();
}

std::vector<ProbeRecord> Store::probes(std::optional<std::int64_t> run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       fmt::format(R"sql(
SELECT id, run_id, kind, model, config_json, result_json, created_at, finished_at
FROM probes {} ORDER BY id)sql",
                                   run_id ? "WHERE run_id = ?1" : ""));
  if (run_id) st.bind(1, *run_id);
  std::vector<ProbeRecord> out;
  while (st.step()) {
    ProbeRecord r;
    r.id = st.int64(0);
    r.run_id = st.int64(1);
    r.kind = st.text(2);
    r.model = st.text(3);
    r.config_json = st.text(4);
    r.result_json = st.text(5);
    r.created_at = st.text(6);
    r.finished_at = st.text(7);
    out.push_back(std::move(r));
  }
  return out;
}

void Store::put_probe_request(const ProbeRequestRecord& r) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_, R"sql(
INSERT OR REPLACE INTO probe_requests (probe_id, step, load, load_value, idx, scheduled_s,
  start_s, ok, error_kind, error, input_tokens, output_tokens, tokens_from_usage, ttft_s, e2e_s,
  itl_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16))sql");
  st.bind(1, r.probe_id);
  st.bind(2, static_cast<std::int64_t>(r.step));
  st.bind(3, r.load);
  // SQLite has no infinity literal issue with REAL binding, but keep the column finite-or-large.
  st.bind(4, std::isfinite(r.load_value) ? r.load_value : 1e308);
  st.bind(5, static_cast<std::int64_t>(r.index));
  st.bind_real_or_null(6, r.scheduled_s);
  st.bind_real_or_null(7, r.start_s);
  st.bind(8, static_cast<std::int64_t>(r.ok ? 1 : 0));
  st.bind_text_or_null(9, r.error_kind);
  st.bind_text_or_null(10, r.error);
  st.bind_count_or_null(11, r.input_tokens);
  st.bind_count_or_null(12, r.output_tokens);
  st.bind(13, static_cast<std::int64_t>(r.tokens_from_usage ? 1 : 0));
  st.bind_real_or_null(14, r.ttft_s);
  st.bind_real_or_null(15, r.e2e_s);
  st.bind(16, itl_json(r.itl_s));
  st.run();
}

std::vector<ProbeRequestRecord> Store::probe_requests(std::int64_t probe_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_, R"sql(
SELECT probe_id, step, load, load_value, idx, scheduled_s, start_s, ok, error_kind, error,
  input_tokens, output_tokens, tokens_from_usage, ttft_s, e2e_s, itl_json
FROM probe_requests WHERE probe_id = ?1 ORDER BY step, idx)sql");
  st.bind(1, probe_id);
  std::vector<ProbeRequestRecord> out;
  while (st.step()) {
    ProbeRequestRecord r;
    r.probe_id = st.int64(0);
    r.step = static_cast<int>(st.int64(1));
    r.load = st.text(2);
    r.load_value = st.real(3);
    if (r.load_value >= 1e308) r.load_value = INFINITY;
    r.index = static_cast<int>(st.int64(4));
    r.scheduled_s = st.real(5, -1);
    r.start_s = st.real(6, -1);
    r.ok = st.int64(7) != 0;
    r.error_kind = st.text(8);
    r.error = st.text(9);
    r.input_tokens = st.int64(10, -1);
    r.output_tokens = st.int64(11, -1);
    r.tokens_from_usage = st.int64(12) != 0;
    r.ttft_s = st.real(13, -1);
    r.e2e_s = st.real(14, -1);
    r.itl_s = parse_itl(st.text(15));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rbench
