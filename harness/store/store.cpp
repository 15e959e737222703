// The SQLite results store; see store.h. One connection guarded by a mutex; every public method
// takes the lock, so the runner's worker threads may call put_sample concurrently.
#include "harness/store/store.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <array>
#include <cstdlib>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/store/sqlite_db.h"
#include "harness/store/store_check.h"
#include "harness/store/store_schema.h"

namespace rbench {
namespace {

constexpr int kBusyTimeoutMs = 10'000;
constexpr const char* kNowUtc = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

std::string chunk_times_to_json(const std::vector<double>& times) {
  json::Writer w;
  w.value(json::array(times));
  return w.str();
}

std::vector<double> chunk_times_from_json(const std::string& json,
                                          const std::filesystem::path& path,
                                          std::int64_t sample_id) {
  if (json.empty()) return {};  // not read (SampleFields::figures)
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    throw Error(fmt::format("{}: sample id {}: chunk_times_json is not a JSON array", path.string(),
                            sample_id));
  }
  std::vector<double> times;
  times.reserve(doc.Size());
  for (const auto& v : doc.GetArray()) {
    if (v.IsNumber()) times.push_back(v.GetDouble());
  }
  return times;
}

ErrorKind parse_error_kind(const std::string& text, const std::filesystem::path& path,
                           std::int64_t sample_id) {
  if (text.empty()) return ErrorKind::none;
  for (ErrorKind kind :
       {ErrorKind::none, ErrorKind::http, ErrorKind::timeout, ErrorKind::connection,
        ErrorKind::protocol, ErrorKind::cancelled, ErrorKind::engine}) {
    if (to_string(kind) == text) return kind;
  }
  throw Error(
      fmt::format("{}: sample id {}: unknown error_kind '{}'", path.string(), sample_id, text));
}

RunInfo read_run(const sqlite::Statement& st) {
  RunInfo run;
  run.id = st.int64(0);
  run.name = st.text(1);
  run.config_json = st.text(2);
  run.rbench_version = st.text(3);
  run.git_sha = st.text(4);
  run.started_at = st.text(5);
  run.finished_at = st.text(6);
  return run;
}

constexpr const char* kInsertScore =
    "INSERT INTO scores (sample_id, scorer, value, correct, extracted, method, detail, outcome, "
    "log, duration_s, rule, answer_form, reference_form) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

constexpr const char* kRunColumns =
    "id, name, config_json, rbench_version, git_sha, started_at, finished_at";

// Column order shared by the samples' SELECTs and read_sample(); `figures` reads NULL in place of
// the texts it leaves out (see SampleFields).
std::string sample_select(SampleFields fields) {
  const bool all = fields != SampleFields::figures;  // the texts
  // Judged samples keep the texts the pairwise summary compares (reports/pairwise_summary.h).
  constexpr const char* kJudged =
      "s.sample_index = 0 AND s.suite IN (SELECT DISTINCT suite FROM judgments)";
  return fmt::format(
      R"sql(
SELECT s.id, s.run_id, s.model, s.suite, s.item_id, s.sample_index, s.suite_version,
       {}, {}, {}, {}, s.finish_reason, s.prompt_tokens,
       s.completion_tokens, s.reasoning_tokens, s.ttft_s, s.e2e_s, {},
       s.attempts, s.http_status, s.error_kind, s.error, s.cost_usd, s.created_at,
       s.draft_tokens, s.accepted_draft_tokens, s.host, s.cached_prompt_tokens,
       c.sample_id, c.scorer, c.value, c.correct, c.extracted, c.method, {},
       c.outcome, {}, c.duration_s, c.rule, c.answer_form, c.reference_form
FROM samples s LEFT JOIN scores c ON c.sample_id = s.id
)sql",
      all ? "s.prompt_json" : "NULL",
      all ? "s.reference" : fmt::format("CASE WHEN {} THEN s.reference END", kJudged),
      all ? "s.reasoning" : "NULL",
      all ? "s.answer" : fmt::format("CASE WHEN {} THEN s.answer END", kJudged),
      fields == SampleFields::all ? "s.chunk_times_json" : "NULL", all ? "c.detail" : "NULL",
      all ? "c.log" : "NULL");
}

SampleRecord read_sample(const sqlite::Statement& st, const std::filesystem::path& path) {
  SampleRecord r;
  r.id = st.int64(0);
  r.run_id = st.int64(1);
  r.key.model = st.text(2);
  r.key.suite = st.text(3);
  r.key.item_id = st.text(4);
  r.key.sample_index = static_cast<int>(st.int64(5));
  r.suite_version = st.text(6);
  r.prompt_json = st.text(7);
  r.reference = st.text(8);
  Completion& c = r.completion;
  c.reasoning = st.text(9);
  c.answer = st.text(10);
  c.finish_reason = st.text(11);
  c.usage.prompt_tokens = st.int64(12, -1);
  c.usage.completion_tokens = st.int64(13, -1);
  c.usage.reasoning_tokens = st.int64(14, -1);
  c.timings.ttft_s = st.real(15, -1);
  c.timings.e2e_s = st.real(16, -1);
  c.timings.chunk_times_s = chunk_times_from_json(st.text(17), path, r.id);
  c.attempts = static_cast<int>(st.int64(18));
  c.http_status = static_cast<int>(st.int64(19, 0));
  c.error_kind = parse_error_kind(st.text(20), path, r.id);
  c.error = st.text(21);
  r.cost_usd = st.real(22, -1);
  r.created_at = st.text(23);
  c.usage.draft_tokens = st.int64(24, -1);
  c.usage.accepted_draft_tokens = st.int64(25, -1);
  r.host = st.text(26);
  c.usage.cached_prompt_tokens = st.int64(27, -1);
  if (!st.is_null(28)) {
    Score s;
    r.scorer = st.text(29);
    s.value = st.real(30);
    s.correct = st.int64(31) != 0;
    s.extracted = st.text(32);
    s.method = st.text(33);
    s.detail = st.text(34);
    s.outcome = st.text(35);
    s.log = st.text(36);
    s.duration_s = st.real(37, -1);
    s.rule = st.text(38);
    s.answer_form = st.text(39);
    s.reference_form = st.text(40);
    r.score = std::move(s);
  }
  return r;
}

}  // namespace

void Store::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Store::Store(const std::filesystem::path& path) : path_(path) {
  if (path_.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);  // open reports the failure
  }
  // Cheap checks on every open; the full page check only after an unclean shutdown, when the
  // WAL left behind makes damage possible (store_check.h).
  const bool unclean = left_unclean(path_);
  if (!unclean) check_file_length(path_);
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path_.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  db_.reset(raw);  // even a failed open allocates a handle that must be closed
  if (rc != SQLITE_OK) sqlite::fail(db_.get(), path_, "opening the results store");
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);

  // Check the version before anything writes to the file (switching to WAL does).
  const int version = store_schema_version(db_.get(), path_);
  if (version > kSchemaVersion) {
    throw Error(
        fmt::format("{}: the store has schema version {}, newer than this rbench understands ({}); "
                    "use a newer rbench to read it",
                    path_.string(), version, kSchemaVersion));
  }
  if (unclean) {
    if (const auto problems = quick_check(db_.get(), path_); !problems.empty()) {
      throw DataError(fmt::format(
          "{}: refused: left by a process that did not close it, and damaged ({} problem(s), "
          "first: {}); run `rbench store check {}` for all of them",
          path_.string(), problems.size(), problems.front(), path_.string()));
    }
  }
  {
    sqlite::Statement st(db_.get(), path_, "PRAGMA journal_mode = WAL");
    if (!st.step() || st.text(0) != "wal") {
      throw Error(
          fmt::format("{}: cannot switch the store to WAL mode (journal_mode is '{}'); "
                      "is it on a network file system?",
                      path_.string(), st.text(0)));
    }
  }
  // NORMAL in WAL mode: a committed transaction survives a killed process (not a power cut).
  sqlite::exec(db_.get(), path_, "PRAGMA synchronous = NORMAL");
  sqlite::exec(db_.get(), path_, "PRAGMA foreign_keys = ON");
  // Test hook (README, "Reliability"): a store that cannot grow past N pages fails as a full
  // disk does (SQLITE_FULL), on any machine, without mounting a small file system.
  if (const char* pages = std::getenv("RBENCH_TEST_STORE_MAX_PAGES"); pages && *pages) {
    sqlite::exec(
        db_.get(), path_,
        fmt::format("PRAGMA max_page_count = {}", std::strtoll(pages, nullptr, 10)).c_str());
  }
  migrate_store(db_.get(), path_, kSchemaVersion);
}

Store::~Store() = default;

RunInfo Store::open_run(const std::string& name, const std::string& config_json,
                        const std::string& rbench_version, const std::string& git_sha) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       fmt::format(R"sql(
INSERT INTO runs (name, config_json, rbench_version, git_sha, started_at)
VALUES (?1, ?2, ?3, ?4, {})
ON CONFLICT (name) DO UPDATE SET config_json = excluded.config_json,
  rbench_version = excluded.rbench_version, git_sha = excluded.git_sha, finished_at = NULL
RETURNING {})sql",
                                   kNowUtc, kRunColumns));
  st.bind(1, name);
  st.bind(2, config_json);
  st.bind(3, rbench_version);
  st.bind(4, git_sha);
  if (!st.step()) sqlite::fail(db_.get(), path_, fmt::format("opening run '{}'", name));
  RunInfo run = read_run(st);
  st.run();
  return run;
}

void Store::finish_run(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       fmt::format("UPDATE runs SET finished_at = {} WHERE id = ?1", kNowUtc));
  st.bind(1, run_id);
  st.run();
  if (sqlite3_changes(db_.get()) == 0) {
    throw Error(fmt::format("{}: finish_run: no run with id {}", path_.string(), run_id));
  }
}

std::set<SampleKey> Store::completed(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       "SELECT model, suite, item_id, sample_index FROM samples "
                       "WHERE run_id = ?1 AND error_kind IS NULL");
  st.bind(1, run_id);
  std::set<SampleKey> keys;
  while (st.step()) {
    keys.insert(SampleKey{st.text(0), st.text(1), st.text(2), static_cast<int>(st.int64(3))});
  }
  return keys;
}

// The upsert of one sample; the statements are prepared once per transaction (put_samples).
struct Store::SampleStatements {
  sqlite::Statement insert;
  sqlite::Statement drop_score;
  sqlite::Statement insert_score;
  SampleStatements(sqlite3* db, const std::filesystem::path& path)
      : insert(db, path,
               fmt::format(R"sql(
INSERT INTO samples (run_id, model, suite, item_id, sample_index, suite_version, prompt_json,
  reference, reasoning, answer, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens,
  ttft_s, e2e_s, chunk_times_json, attempts, http_status, error_kind, error, cost_usd, created_at,
  draft_tokens, accepted_draft_tokens, host, cached_prompt_tokens)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
  ?21, ?22, COALESCE(?23, {}), ?24, ?25, ?26, ?27)
ON CONFLICT (run_id, model, suite, item_id, sample_index) DO UPDATE SET
  suite_version = excluded.suite_version, prompt_json = excluded.prompt_json,
  reference = excluded.reference, reasoning = excluded.reasoning, answer = excluded.answer,
  finish_reason = excluded.finish_reason, prompt_tokens = excluded.prompt_tokens,
  completion_tokens = excluded.completion_tokens, reasoning_tokens = excluded.reasoning_tokens,
  ttft_s = excluded.ttft_s, e2e_s = excluded.e2e_s, chunk_times_json = excluded.chunk_times_json,
  attempts = excluded.attempts, http_status = excluded.http_status,
  error_kind = excluded.error_kind, error = excluded.error, cost_usd = excluded.cost_usd,
  created_at = excluded.created_at, draft_tokens = excluded.draft_tokens,
  accepted_draft_tokens = excluded.accepted_draft_tokens, host = excluded.host,
  cached_prompt_tokens = excluded.cached_prompt_tokens
RETURNING id)sql",
                           kNowUtc)),
        drop_score(db, path, "DELETE FROM scores WHERE sample_id = ?1"),
        insert_score(db, path, kInsertScore) {}
};

std::int64_t Store::upsert_sample(SampleStatements& statements, const SampleRecord& record) {
  const Completion& c = record.completion;
  const std::string chunk_times = chunk_times_to_json(c.timings.chunk_times_s);
  sqlite::Statement& st = statements.insert;
  st.reset();
  st.bind(1, record.run_id);
  st.bind(2, record.key.model);
  st.bind(3, record.key.suite);
  st.bind(4, record.key.item_id);
  st.bind(5, static_cast<std::int64_t>(record.key.sample_index));
  st.bind(6, record.suite_version);
  st.bind(7, record.prompt_json);
  st.bind(8, record.reference);
  st.bind(9, c.reasoning);
  st.bind(10, c.answer);
  st.bind_text_or_null(11, c.finish_reason);
  st.bind_count_or_null(12, c.usage.prompt_tokens);
  st.bind_count_or_null(13, c.usage.completion_tokens);
  st.bind_count_or_null(14, c.usage.reasoning_tokens);
  st.bind_real_or_null(15, c.timings.ttft_s);
  st.bind_real_or_null(16, c.timings.e2e_s);
  st.bind(17, chunk_times);
  st.bind(18, static_cast<std::int64_t>(c.attempts));
  st.bind_count_or_null(19, c.http_status > 0 ? c.http_status : -1);
  st.bind_text_or_null(20, c.ok() ? std::string_view{} : to_string(c.error_kind));
  st.bind_text_or_null(21, c.error);
  st.bind_real_or_null(22, record.cost_usd);
  st.bind_text_or_null(23, record.created_at);
  st.bind_count_or_null(24, c.usage.draft_tokens);
  st.bind_count_or_null(25, c.usage.accepted_draft_tokens);
  st.bind_text_or_null(26, record.host);
  st.bind_count_or_null(27, c.usage.cached_prompt_tokens);
  if (!st.step()) {
    sqlite::fail(db_.get(), path_,
                 fmt::format("storing sample {}/{}/{}#{}", record.key.model, record.key.suite,
                             record.key.item_id, record.key.sample_index));
  }
  const std::int64_t id = st.int64(0);
  st.run();

  // A retry that replaces an errored (or differently scored) sample must not keep a stale score.
  sqlite::Statement& drop = statements.drop_score;
  drop.reset();
  drop.bind(1, id);
  drop.run();
  if (record.score && c.ok()) {
    insert_score(statements.insert_score, id, record.scorer, *record.score);
  }
  return id;
}

std::int64_t Store::put_sample(const SampleRecord& record) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_.get(), path_);
  SampleStatements statements(db_.get(), path_);
  const std::int64_t id = upsert_sample(statements, record);
  tx.commit();
  return id;
}

void Store::put_samples(std::span<const SampleRecord> records) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_.get(), path_);
  SampleStatements statements(db_.get(), path_);
  for (const SampleRecord& record : records) upsert_sample(statements, record);
  tx.commit();
}

void Store::insert_score(sqlite::Statement& put, std::int64_t sample_id, const std::string& scorer,
                         const Score& s) {
  put.reset();
  put.bind(1, sample_id);
  put.bind(2, scorer);
  put.bind(3, s.value);
  put.bind(4, static_cast<std::int64_t>(s.correct ? 1 : 0));
  put.bind(5, s.extracted);
  put.bind(6, s.method);
  put.bind(7, s.detail);
  put.bind_text_or_null(8, s.outcome);
  put.bind_text_or_null(9, s.log);
  put.bind_real_or_null(10, s.duration_s);
  put.bind_text_or_null(11, s.rule);
  put.bind_text_or_null(12, s.answer_form);
  put.bind_text_or_null(13, s.reference_form);
  put.run();
}

void Store::put_score(std::int64_t sample_id, const std::string& scorer, const Score& score) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_.get(), path_);
  sqlite::Statement drop(db_.get(), path_, "DELETE FROM scores WHERE sample_id = ?1");
  drop.bind(1, sample_id);
  drop.run();
  sqlite::Statement put(db_.get(), path_, kInsertScore);
  insert_score(put, sample_id, scorer, score);
  tx.commit();
}

std::vector<SampleRecord> Store::unscored(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(
      db_.get(), path_,
      fmt::format("{} WHERE s.run_id = ?1 AND s.error_kind IS NULL AND c.sample_id IS NULL "
                  "ORDER BY s.model, s.suite, s.item_id, s.sample_index",
                  sample_select(SampleFields::all)));
  st.bind(1, run_id);
  std::vector<SampleRecord> out;
  while (st.step()) out.push_back(read_sample(st, path_));
  return out;
}

void Store::put_run_items(std::int64_t run_id, const std::vector<RunItem>& items) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_.get(), path_);
  sqlite::Statement drop(db_.get(), path_, "DELETE FROM run_items WHERE run_id = ?1");
  drop.bind(1, run_id);
  drop.run();
  sqlite::Statement put(db_.get(), path_,
                        "INSERT INTO run_items (run_id, suite, position, item_id) "
                        "VALUES (?1, ?2, ?3, ?4)");
  std::int64_t position = 0;
  std::string suite;
  for (const RunItem& item : items) {
    if (item.suite != suite) position = 0;
    suite = item.suite;
    put.bind(1, run_id);
    put.bind(2, item.suite);
    put.bind(3, position++);
    put.bind(4, item.item_id);
    put.run();
    put.reset();
  }
  tx.commit();
}

std::vector<RunItem> Store::run_items(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       "SELECT suite, item_id FROM run_items WHERE run_id = ?1 "
                       "ORDER BY rowid");
  st.bind(1, run_id);
  std::vector<RunItem> out;
  while (st.step()) out.push_back({st.text(0), st.text(1)});
  return out;
}

std::vector<RunInfo> Store::runs() {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       fmt::format("SELECT {} FROM runs ORDER BY started_at, id", kRunColumns));
  std::vector<RunInfo> out;
  while (st.step()) out.push_back(read_run(st));
  return out;
}

std::vector<SampleRecord> Store::samples(std::optional<std::int64_t> run_id) {
  std::vector<SampleRecord> out;
  for_each_sample({.run_id = run_id}, [&](SampleRecord&& r) { out.push_back(std::move(r)); });
  return out;
}

void Store::for_each_sample(const SampleQuery& query,
                            const std::function<void(SampleRecord&&)>& visit) {
  std::string where;
  if (query.run_id) where = "WHERE s.run_id = ?1";
  if (query.run_id && query.model) where += " AND s.model = ?2";
  if (query.run_id && query.model && query.suite) where += " AND s.suite = ?3";
  const std::string sql =
      fmt::format("{} {} ORDER BY s.run_id, s.model, s.suite, s.item_id, s.sample_index{}",
                  sample_select(query.fields), where,
                  query.limit ? fmt::format(" LIMIT {}", *query.limit) : "");
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_, sql);
  if (query.run_id) st.bind(1, *query.run_id);
  if (query.run_id && query.model) st.bind(2, *query.model);
  if (query.run_id && query.model && query.suite) st.bind(3, *query.suite);
  while (st.step()) visit(read_sample(st, path_));
}

}  // namespace rbench
