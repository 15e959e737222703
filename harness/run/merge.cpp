// Merging shard stores; see merge.h. The rows travel by INSERT ... SELECT between attached
// files (never row by row through Store): each shard is attached in turn and copied into the
// connection's temporary tables outside the lock (SQLite attaches at most 10 files at once, and
// not inside a transaction), then one BEGIN IMMEDIATE transaction on OUT picks, for each sample
// key, the best row among the shards and OUT's own, and writes it.
#include "harness/run/merge.h"

#include <fmt/format.h>
#include <glob.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/run/shard.h"
#include "harness/store/sqlite_db.h"
#include "harness/store/store_check.h"
#include "harness/store/store_schema.h"

namespace rbench {
namespace fs = std::filesystem;
namespace {

constexpr int kReadBusyMs = 10'000;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

Db open_raw(const fs::path& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // a failed open still allocates a handle
  if (rc != SQLITE_OK) sqlite::fail(db.get(), path, "opening");
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kReadBusyMs);
  return db;
}

bool has_table(sqlite3* db, const fs::path& path, const std::string& table) {
  sqlite::Statement st(db, path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, table);
  return st.step();
}

// Refuses, before anything writes to it, a file that is not an rbench store (Store would create
// its tables in any SQLite file). Returns its schema version.
int check_store_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw DataError(fmt::format("{}: no such shard file", path.string()));
  }
  if (fs::file_size(path, ec) == 0) {
    throw DataError(fmt::format("{}: an empty file, not an rbench store", path.string()));
  }
  try {
    Db db = open_raw(path, SQLITE_OPEN_READONLY);
    const int version = store_schema_version(db.get(), path);
    if (version == 0 || !has_table(db.get(), path, "runs") ||
        !has_table(db.get(), path, "samples")) {
      throw DataError(fmt::format(
          "{}: not an rbench store (an SQLite file without rbench's tables)", path.string()));
    }
    return version;
  } catch (const DataError&) {
    throw;
  } catch (const Error& e) {
    throw DataError(fmt::format("{}: not an rbench store ({})", path.string(), e.what()));
  }
}

// A file another merge has only just created (empty, or an SQLite file without tables yet):
// Store waits for its creator's schema transaction, then finds it done.
bool is_blank_store(const fs::path& path) {
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 && !ec) return true;
  try {
    Db db = open_raw(path, SQLITE_OPEN_READONLY);
    sqlite::Statement st(db.get(), path, "SELECT COUNT(*) FROM sqlite_master");
    return st.step() && st.int64(0) == 0 && store_schema_version(db.get(), path) == 0;
  } catch (const Error&) {
    return false;  // check_store_file names the problem
  }
}

// The columns of a table of the current schema, minus those the merge maps itself.
std::vector<std::string> columns(sqlite3* db, const fs::path& path, const std::string& table,
                                 const std::set<std::string>& except) {
  sqlite::Statement st(db, path, fmt::format("PRAGMA main.table_info({})", table));
  std::vector<std::string> out;
  while (st.step()) {
    std::string name = st.text(1);
    if (!except.contains(name)) out.push_back(std::move(name));
  }
  if (out.empty()) throw Error(fmt::format("{}: no table '{}'", path.string(), table));
  return out;
}

std::string joined(const std::vector<std::string>& cols, std::string_view prefix,
                   std::string_view alias_prefix = "") {
  std::string out;
  for (const auto& c : cols) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}{}", prefix, c);
    if (!alias_prefix.empty()) out += fmt::format(" AS {}{}", alias_prefix, c);
  }
  return out;
}

// An item of the run's plan with its position (Store's RunItem has none).
struct PlannedItem {
  std::string suite;
  std::int64_t position = 0;
  std::string item_id;
  bool operator==(const PlannedItem&) const = default;
};

// What the checks and the coverage need of one run of one file, beyond ShardRun.
struct RunDetail {
  std::int64_t id = 0;
  rapidjson::Document config;
  std::vector<PlannedItem> items;
};

struct LoadedShard {
  ShardFile file;
  std::map<std::string, RunDetail> details;
};

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : json::to_string(v);
}

void read_shard_attribute(ShardRun& run, const rapidjson::Document& config, const fs::path& path) {
  if (!config.IsObject() || !config.HasMember("shard")) return;
  const auto& s = config["shard"];
  if (!s.IsObject() || !s.HasMember("index") || !s.HasMember("count") || !s["index"].IsInt() ||
      !s["count"].IsInt()) {
    throw DataError(fmt::format("{}: run '{}': config's \"shard\" lacks an integer index and count",
                                path.string(), run.name));
  }
  run.sharded = true;
  run.index = s["index"].GetInt();
  run.count = s["count"].GetInt();
  if (run.count < 1 || run.index < 0 || run.index >= run.count) {
    throw DataError(fmt::format("{}: run '{}': shard {}/{} is out of range", path.string(),
                                run.name, run.index, run.count));
  }
  if (s.HasMember("host") && s["host"].IsString()) run.host = s["host"].GetString();
  if (s.HasMember("argv") && s["argv"].IsArray()) {
    for (const auto& a : s["argv"].GetArray()) run.argv.push_back(str(a));
  }
}

// Reads a store through a read-only connection: its runs, their shard attributes and items.
LoadedShard read_shard(const fs::path& path, bool allow_empty = false) {
  Db db = open_raw(path, SQLITE_OPEN_READONLY);
  LoadedShard out;
  out.file.path = path;
  sqlite::Statement st(db.get(), path, R"sql(
SELECT r.id, r.name, r.config_json, r.rbench_version, r.git_sha, r.started_at, r.finished_at,
  (SELECT COUNT(*) FROM samples s WHERE s.run_id = r.id),
  (SELECT COUNT(*) FROM samples s WHERE s.run_id = r.id AND s.error_kind IS NOT NULL)
FROM runs r ORDER BY r.name)sql");
  while (st.step()) {
    ShardRun run;
    RunDetail detail;
    detail.id = st.int64(0);
    run.name = st.text(1);
    run.config_json = st.text(2);
    run.rbench_version = st.text(3);
    run.git_sha = st.text(4);
    run.started_at = st.text(5);
    run.finished_at = st.text(6);
    run.samples = st.int64(7);
    run.errors = st.int64(8);
    detail.config.Parse<rapidjson::kParseFullPrecisionFlag>(run.config_json.c_str(),
                                                            run.config_json.size());
    if (detail.config.HasParseError() || !detail.config.IsObject()) {
      throw DataError(
          fmt::format("{}: run '{}': config_json is not a JSON object", path.string(), run.name));
    }
    read_shard_attribute(run, detail.config, path);
    out.file.runs.push_back(std::move(run));
    out.details.emplace(out.file.runs.back().name, std::move(detail));
  }
  if (out.file.runs.empty() && !allow_empty)
    throw DataError(fmt::format("{}: holds no run", path.string()));
  // The run's full item list (schema v7); an older, unsharded store has none, so its items are
  // those it has samples of.
  for (auto& [name, detail] : out.details) {
    sqlite::Statement items(db.get(), path,
                            "SELECT suite, position, item_id FROM run_items WHERE run_id = ?1 "
                            "ORDER BY suite, position");
    items.bind(1, detail.id);
    while (items.step()) detail.items.push_back({items.text(0), items.int64(1), items.text(2)});
    if (detail.items.empty()) {
      sqlite::Statement seen(db.get(), path,
                             "SELECT DISTINCT suite, item_id FROM samples WHERE run_id = ?1 "
                             "ORDER BY suite, item_id");
      seen.bind(1, detail.id);
      std::int64_t position = 0;
      while (seen.step()) detail.items.push_back({seen.text(0), position++, seen.text(1)});
    }
  }
  return out;
}

// Where two JSON values first differ: ` at "samples": 2 vs 1`, or nullopt when equal.
std::optional<std::string> json_difference(const rapidjson::Value& a, const rapidjson::Value& b,
                                           const std::string& at) {
  const auto where = [&] { return at.empty() ? std::string() : fmt::format(" at \"{}\"", at); };
  if (a.IsObject() && b.IsObject()) {
    for (const auto& m : a.GetObject()) {
      const std::string key = m.name.GetString();
      const std::string sub = at.empty() ? key : at + "." + key;
      if (!b.HasMember(m.name)) {
        return fmt::format(" at \"{}\": {} vs (absent)", sub, json::to_string(m.value));
      }
      if (auto d = json_difference(m.value, b[m.name], sub)) return d;
    }
    for (const auto& m : b.GetObject()) {
      if (!a.HasMember(m.name)) {
        const std::string key = m.name.GetString();
        return fmt::format(" at \"{}\": (absent) vs {}", at.empty() ? key : at + "." + key,
                           json::to_string(m.value));
      }
    }
    return std::nullopt;
  }
  if (a.IsArray() && b.IsArray()) {
    for (rapidjson::SizeType i = 0; i < std::min(a.Size(), b.Size()); ++i) {
      if (auto d = json_difference(a[i], b[i], fmt::format("{}[{}]", at, i))) return d;
    }
    if (a.Size() != b.Size()) {
      return fmt::format("{}: {} entries vs {}", where(), a.Size(), b.Size());
    }
    return std::nullopt;
  }
  if (a == b) return std::nullopt;
  return fmt::format("{}: {} vs {}", where(), json::to_string(a), json::to_string(b));
}

const rapidjson::Value& member_or_null(const rapidjson::Value& v, const char* name) {
  static const rapidjson::Value null_value;
  return v.IsObject() && v.HasMember(name) ? v[name] : null_value;
}

std::string suites_summary(const rapidjson::Value& config) {
  std::string out;
  const auto& suites = member_or_null(config, "suites");
  if (!suites.IsArray()) return "(none)";
  for (const auto& s : suites.GetArray()) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({} items)", str(member_or_null(s, "name")),
                       json::to_string(member_or_null(s, "items")));
  }
  return out;
}

std::string names_of(const ShardFile& f) {
  std::string out;
  for (const auto& r : f.runs) out += (out.empty() ? "'" : ", '") + r.name + "'";
  return out;
}

// `b` must hold the same runs as `a`, made with the same settings, on the same items, cut into
// the same number of shards. Throws UsageError naming b, a and the first difference.
void check_same_runs(const LoadedShard& a, const LoadedShard& b, std::string_view b_role = "") {
  const std::string fa = a.file.path.string();
  const std::string fb = std::string(b_role) + b.file.path.string();
  std::set<std::string> na, nb;
  for (const auto& r : a.file.runs) na.insert(r.name);
  for (const auto& r : b.file.runs) nb.insert(r.name);
  if (na != nb) {
    throw UsageError(fmt::format("{}: holds run(s) {}, but {} holds {}: not shards of one run", fb,
                                 names_of(b.file), fa, names_of(a.file)));
  }
  for (std::size_t i = 0; i < a.file.runs.size(); ++i) {
    const ShardRun& ra = a.file.runs[i];
    const ShardRun& rb = b.file.runs[i];
    const RunDetail& da = a.details.at(ra.name);
    const RunDetail& db = b.details.at(rb.name);
    const std::string run = a.file.runs.size() > 1 ? fmt::format(" (run '{}')", ra.name) : "";
    // The named file's value first: "b.db: ... differs from a.db at X: b's vs a's".
    if (auto d = json_difference(member_or_null(db.config, "fingerprint"),
                                 member_or_null(da.config, "fingerprint"), "")) {
      throw UsageError(fmt::format("{}: fingerprint differs from {}{}{}", fb, fa, *d, run));
    }
    if (member_or_null(da.config, "limit") != member_or_null(db.config, "limit")) {
      throw UsageError(fmt::format("{}: limit differs from {}: {} vs {}{}", fb, fa,
                                   json::to_string(member_or_null(db.config, "limit")),
                                   json::to_string(member_or_null(da.config, "limit")), run));
    }
    if (suites_summary(da.config) != suites_summary(db.config)) {
      throw UsageError(fmt::format("{}: suites differ from {}: {} vs {}{}", fb, fa,
                                   suites_summary(db.config), suites_summary(da.config), run));
    }
    if (rb.count != ra.count) {
      throw UsageError(fmt::format("{}: shard count differs from {}: {} vs {}{}", fb, fa, rb.count,
                                   ra.count, run));
    }
    if (da.items != db.items) {
      std::size_t k = 0;
      while (k < da.items.size() && k < db.items.size() && da.items[k] == db.items[k]) ++k;
      const auto show = [](const std::vector<PlannedItem>& v, std::size_t k) {
        return k < v.size() ? fmt::format("{}/{}", v[k].suite, v[k].item_id) : "(end)";
      };
      throw UsageError(fmt::format(
          "{}: item list differs from {} at item {}: {} vs {} ({} items vs {}){}", fb, fa, k,
          show(db.items, k), show(da.items, k), db.items.size(), da.items.size(), run));
    }
  }
}

std::vector<LoadedShard> load_shards(const std::vector<fs::path>& paths, bool always_open_store) {
  if (paths.empty()) throw UsageError("no shard files given");
  std::vector<LoadedShard> out;
  for (const auto& path : paths) {
    const int version = check_store_file(path);
    // A merge reads every page once (PRAGMA quick_check): a damaged shard is refused before any
    // of it is copied, with the file named. The status of shards still running does not.
    if (always_open_store) require_intact_store(path);
    // Store recovers a WAL left behind by a killed writer and migrates an older schema.
    if (always_open_store || version != Store::kSchemaVersion) Store{path};
    out.push_back(read_shard(path));
  }
  for (std::size_t i = 1; i < out.size(); ++i) check_same_runs(out.front(), out[i]);
  return out;
}

std::string key_string(const std::string& model, const std::string& suite,
                       const std::string& item_id, std::int64_t sample_index) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}", model, suite, item_id, sample_index);
}

using KeySet = std::unordered_set<std::string>;

void read_keys(sqlite3* db, const fs::path& path, std::int64_t run_id, KeySet& keys) {
  sqlite::Statement st(db, path,
                       "SELECT model, suite, item_id, sample_index FROM samples WHERE run_id = ?1");
  st.bind(1, run_id);
  while (st.step()) keys.insert(key_string(st.text(0), st.text(1), st.text(2), st.int64(3)));
}

// Expected samples (models of the fingerprint x the run's items x its samples) against those
// present.
RunCoverage coverage_of(const ShardRun& run, const RunDetail& detail, const KeySet& present,
                        const std::set<int>& shards_with_file) {
  RunCoverage c;
  c.run = run.name;
  c.shard_count = run.count;
  const auto& fingerprint = member_or_null(detail.config, "fingerprint");
  const auto& samples = member_or_null(fingerprint, "samples");
  const int per_item = samples.IsInt() ? samples.GetInt() : 1;
  std::vector<std::string> models;
  const auto& model_list = member_or_null(fingerprint, "models");
  if (model_list.IsArray()) {
    for (const auto& m : model_list.GetArray()) models.push_back(str(member_or_null(m, "label")));
  }
  for (const auto& item : detail.items) {
    for (int k = 0; k < per_item; ++k) {
      const int shard = shard_of(item.suite, item.item_id, k, run.count);
      for (const auto& model : models) {
        ++c.expected;
        ++c.expected_by_shard[shard];
        if (present.contains(key_string(model, item.suite, item.item_id, k))) {
          ++c.present;
        } else {
          c.missing_by_shard[shard].push_back(SampleKey{model, item.suite, item.item_id, k});
        }
      }
    }
  }
  for (int i = 0; i < run.count; ++i) {
    if (!shards_with_file.contains(i)) c.shards_without_file.push_back(i);
  }
  return c;
}

// BEGIN IMMEDIATE on OUT: at once if free, else after saying so, waiting up to the timeout.
class WriteLock {
 public:
  WriteLock(sqlite3* db, const fs::path& path, const MergeOptions& options) : db_(db), path_(path) {
    sqlite3_busy_timeout(db_, 0);
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_BUSY) {
      if (options.on_wait) options.on_wait();
      sqlite3_busy_timeout(db_, static_cast<int>(options.lock_timeout_s * 1000));
      rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      if ((rc & 0xff) == SQLITE_BUSY) {
        throw Error(fmt::format(
            "{}: another merge (or another writer) held the store for over {:g} s; nothing was "
            "merged. Run the merge again when it is done, or raise --lock-timeout",
            path_.string(), options.lock_timeout_s));
      }
    }
    if (rc != SQLITE_OK) sqlite::fail(db_, path_, "locking the store for the merge");
    sqlite3_busy_timeout(db_, kReadBusyMs);
  }
  ~WriteLock() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;
  void commit() {
    sqlite::exec(db_, path_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  const fs::path& path_;
  bool done_ = false;
};

std::int64_t count(sqlite3* db, const fs::path& path, const std::string& sql) {
  sqlite::Statement st(db, path, sql);
  return st.step() ? st.int64(0) : 0;
}

// The config a single-process run would have stored: the shard's own attribute removed, so the
// merged run reports as the unsharded run does.
std::string config_without_shard(const std::string& config_json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(config_json.c_str(), config_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("shard")) return config_json;
  doc.EraseMember("shard");  // EraseMember keeps the members' order
  return json::to_string(doc);
}

// Copies one attached shard's rows into the connection's temporary staging tables.
void stage_shard(sqlite3* db, const fs::path& out, int src, bool first,
                 const std::vector<std::string>& sample_cols,
                 const std::vector<std::string>& score_cols,
                 const std::vector<std::string>& judgment_cols,
                 const std::vector<std::string>& probe_cols,
                 const std::vector<std::string>& request_cols,
                 const std::vector<std::string>& item_cols) {
  const std::string samples_select = fmt::format(
      "SELECT {} AS src, r.name AS run_name, {}, c.sample_id IS NOT NULL AS has_score, {}, "
      "CASE WHEN s.error_kind IS NOT NULL THEN 0 WHEN c.sample_id IS NOT NULL THEN 2 ELSE 1 END "
      "AS quality FROM shard.samples s JOIN shard.runs r ON r.id = s.run_id "
      "LEFT JOIN shard.scores c ON c.sample_id = s.id",
      src, joined(sample_cols, "s."), joined(score_cols, "c.", "sc_"));
  const std::string judgments_select = fmt::format(
      "SELECT {} AS src, r.name AS run_name, {}, CASE WHEN j.status = 'ok' THEN 1 ELSE 0 END AS "
      "quality FROM shard.judgments j JOIN shard.runs r ON r.id = j.run_id",
      src, joined(judgment_cols, "j."));
  const std::string probes_select = fmt::format(
      "SELECT {} AS src, p.id AS old_id, r.name AS run_name, {} FROM shard.probes p "
      "JOIN shard.runs r ON r.id = p.run_id",
      src, joined(probe_cols, "p."));
  const std::string requests_select =
      fmt::format("SELECT {} AS src, q.probe_id AS old_probe_id, {} FROM shard.probe_requests q",
                  src, joined(request_cols, "q."));
  const std::string items_select = fmt::format(
      "SELECT r.name AS run_name, {} FROM shard.run_items i "
      "JOIN shard.runs r ON r.id = i.run_id",
      joined(item_cols, "i."));
  const std::pair<const char*, const std::string*> tables[] = {
      {"stage_samples", &samples_select},
      {"stage_judgments", &judgments_select},
      {"stage_probes", &probes_select},
      {"stage_requests", &requests_select},
      {"stage_run_items", &items_select}};
  for (const auto& [table, select] : tables) {
    if (first) {
      sqlite::exec(db, out,
                   fmt::format("CREATE TEMP TABLE {} AS {} WHERE 0", table, *select).c_str());
    }
    sqlite::exec(db, out, fmt::format("INSERT INTO temp.{} {}", table, *select).c_str());
  }
}

std::string key_match(std::string_view a, std::string_view b) {
  return fmt::format(
      "{0}.run_id = {1}.run_id AND {0}.model = {1}.model AND {0}.suite = {1}.suite AND "
      "{0}.item_id = {1}.item_id AND {0}.sample_index = {1}.sample_index",
      a, b);
}

std::string assignments(const std::vector<std::string>& cols) {
  std::string out;
  for (const auto& c : cols)
    out += fmt::format("{}{} = excluded.{}", out.empty() ? "" : ", ", c, c);
  return out;
}

void create_merges_row(sqlite3* db, const fs::path& out, std::int64_t run_id, const ShardFile& file,
                       const ShardRun& run) {
  json::Writer argv;
  argv.value(json::array(run.argv));
  sqlite::Statement st(db, out, R"sql(
INSERT INTO merges (run_id, file, shard_index, shard_count, host, samples, errors, started_at,
  finished_at, argv_json, merged_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
ON CONFLICT (run_id, file, shard_index) DO UPDATE SET shard_count = excluded.shard_count,
  host = excluded.host, samples = excluded.samples, errors = excluded.errors,
  started_at = excluded.started_at, finished_at = excluded.finished_at,
  argv_json = excluded.argv_json, merged_at = excluded.merged_at
WHERE samples IS NOT excluded.samples OR errors IS NOT excluded.errors
  OR finished_at IS NOT excluded.finished_at OR started_at IS NOT excluded.started_at
  OR host IS NOT excluded.host)sql");
  st.bind(1, run_id);
  st.bind(2, fs::absolute(file.path).lexically_normal().string());
  st.bind(3, static_cast<std::int64_t>(run.index));
  st.bind(4, static_cast<std::int64_t>(run.count));
  st.bind_text_or_null(5, run.host);
  st.bind(6, run.samples);
  st.bind(7, run.errors);
  st.bind_text_or_null(8, run.started_at);
  st.bind_text_or_null(9, run.finished_at);
  st.bind(10, argv.str());
  st.run();
}

std::string show_key(const SampleKey& k) {
  return fmt::format("{}/{}#{} ({})", k.suite, k.item_id, k.sample_index, k.model);
}

// The file a missing shard would have had: a sibling's name with its own index replaced, when
// the names carry their index (shard-3.db -> shard-5.db), else shard-I.db beside the first.
fs::path guess_file(const std::vector<ShardFile>& files, const std::string& run, int index) {
  for (const auto& f : files) {
    for (const auto& r : f.runs) {
      if (r.name != run) continue;
      const std::string name = f.path.filename().string();
      const std::string digits = std::to_string(r.index);
      for (std::size_t pos = name.rfind(digits); pos != std::string::npos;
           pos = pos == 0 ? std::string::npos : name.rfind(digits, pos - 1)) {
        // A whole number (shard-13 does not hold shard 3); keep zero padding.
        std::size_t start = pos;
        while (start > 0 && std::isdigit(static_cast<unsigned char>(name[start - 1])) &&
               name[start - 1] == '0') {
          --start;
        }
        const std::size_t end = pos + digits.size();
        if ((start > 0 && std::isdigit(static_cast<unsigned char>(name[start - 1]))) ||
            (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end])))) {
          continue;
        }
        const std::size_t width = end - start;
        return f.path.parent_path() /
               (name.substr(0, start) + fmt::format("{:0{}}", index, width) + name.substr(end));
      }
    }
  }
  return files.front().path.parent_path() / fmt::format("shard-{}.db", index);
}

std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("@%+=:,./_-").find(ch) != std::string_view::npos;
  });
  if (plain) return arg;
  std::string out = "'";
  for (char ch : arg) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

const ShardRun* first_run(const std::vector<ShardFile>& files, const std::string& name) {
  for (const auto& f : files) {
    for (const auto& r : f.runs) {
      if (r.name == name) return &r;
    }
  }
  return nullptr;
}

// Missing samples of one run, by shard, with the command that redoes each incomplete shard.
// Unfinished shard files are offered a redo too when `redo_unfinished` (--status: a shard killed
// after its last sample may still owe scores); the merge's own exit status goes by samples alone.
void describe_missing(std::string& out, const RunCoverage& c, const std::vector<ShardFile>& files,
                      bool redo_unfinished) {
  const ShardRun* any = first_run(files, c.run);
  const std::vector<std::string> argv = any ? any->argv : std::vector<std::string>{};
  std::set<int> redo;
  for (int shard : c.shards_without_file) {
    const auto it = c.expected_by_shard.find(shard);
    out +=
        fmt::format("missing: shard {}/{} of run '{}' has no file ({} samples expected)\n", shard,
                    c.shard_count, c.run, it == c.expected_by_shard.end() ? 0 : it->second);
    redo.insert(shard);
  }
  for (const auto& [shard, keys] : c.missing_by_shard) {
    if (std::find(c.shards_without_file.begin(), c.shards_without_file.end(), shard) !=
        c.shards_without_file.end()) {
      continue;
    }
    std::string list;
    constexpr std::size_t kShown = 5;
    for (std::size_t i = 0; i < keys.size() && i < kShown; ++i) {
      list += (i ? ", " : "") + show_key(keys[i]);
    }
    if (keys.size() > kShown) list += fmt::format(", ... and {} more", keys.size() - kShown);
    out += fmt::format("missing: {} samples of shard {}/{} of run '{}': {}\n", keys.size(), shard,
                       c.shard_count, c.run, list);
    redo.insert(shard);
  }
  for (const auto& f : files) {
    for (const auto& r : f.runs) {
      if (redo_unfinished && r.name == c.run && r.finished_at.empty()) redo.insert(r.index);
    }
  }
  for (int shard : redo) {
    if (argv.empty()) {
      out += fmt::format("redo shard {}/{}: (the shards did not store their arguments)\n", shard,
                         c.shard_count);
      continue;
    }
    fs::path file;
    for (const auto& f : files) {
      for (const auto& r : f.runs) {
        if (r.name == c.run && r.index == shard && file.empty()) file = f.path;
      }
    }
    if (file.empty()) file = guess_file(files, c.run, shard);
    out += fmt::format("redo shard {}/{}: {}\n", shard, c.shard_count,
                       redo_command(argv, shard, c.shard_count, file));
  }
}

}  // namespace

std::vector<fs::path> expand_shard_paths(const std::vector<std::string>& patterns) {
  std::vector<fs::path> out;
  std::set<fs::path> seen;
  for (const auto& pattern : patterns) {
    const bool is_glob = pattern.find_first_of("*?[") != std::string::npos;
    std::vector<fs::path> matches;
    if (!is_glob) {
      matches.push_back(pattern);
    } else {
      glob_t g{};
      const int rc = glob(pattern.c_str(), 0, nullptr, &g);
      const std::unique_ptr<glob_t, void (*)(glob_t*)> freer(&g, globfree);
      if (rc == GLOB_NOMATCH) {
        throw UsageError(fmt::format("merge: '{}' matches no file", pattern));
      }
      if (rc != 0) throw UsageError(fmt::format("merge: cannot expand '{}'", pattern));
      for (std::size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
    }
    for (auto& m : matches) {
      if (seen.insert(m.lexically_normal()).second) out.push_back(std::move(m));
    }
  }
  return out;
}

bool MergeResult::complete() const {
  return std::all_of(coverage.begin(), coverage.end(), [](const RunCoverage& c) {
    return c.missing() == 0 && c.shards_without_file.empty();
  });
}

bool ShardStatus::complete() const {
  const bool all_finished = std::all_of(shards.begin(), shards.end(), [](const ShardFile& f) {
    return std::all_of(f.runs.begin(), f.runs.end(),
                       [](const ShardRun& r) { return !r.finished_at.empty(); });
  });
  return all_finished && std::all_of(coverage.begin(), coverage.end(), [](const RunCoverage& c) {
           return c.missing() == 0 && c.shards_without_file.empty();
         });
}

MergeResult merge_shards(const std::vector<fs::path>& shard_paths, const fs::path& out,
                         const MergeOptions& options) {
  std::error_code ec;
  for (const auto& p : shard_paths) {
    if (fs::exists(out, ec) && fs::equivalent(p, out, ec)) {
      throw UsageError(fmt::format("merge: {} is both a shard and the output", p.string()));
    }
  }
  std::vector<LoadedShard> shards = load_shards(shard_paths, /*always_open_store=*/true);
  const LoadedShard& first = shards.front();

  // OUT: an rbench store of this schema (created if new), holding the same runs if any.
  if (fs::exists(out, ec) && !is_blank_store(out)) {
    require_intact_store(out);
    if (check_store_file(out) != Store::kSchemaVersion) Store{out};
    LoadedShard existing = read_shard(out, /*allow_empty=*/true);
    for (const auto& run : first.file.runs) {
      const auto it = existing.details.find(run.name);
      if (it == existing.details.end()) continue;
      if (auto d = json_difference(member_or_null(it->second.config, "fingerprint"),
                                   member_or_null(first.details.at(run.name).config, "fingerprint"),
                                   "")) {
        throw UsageError(fmt::format("{}: run '{}': fingerprint differs from {}{}", out.string(),
                                     run.name, first.file.path.string(), *d));
      }
    }
  } else {
    Store{out};
  }

  Db db = open_raw(out, SQLITE_OPEN_READWRITE);
  sqlite::exec(db.get(), out, "PRAGMA foreign_keys = ON");
  const auto sample_cols = columns(db.get(), out, "samples", {"id", "run_id"});
  const auto score_cols = columns(db.get(), out, "scores", {"sample_id"});
  const auto judgment_cols = columns(db.get(), out, "judgments", {"id", "run_id"});
  const auto probe_cols = columns(db.get(), out, "probes", {"id", "run_id"});
  const auto request_cols = columns(db.get(), out, "probe_requests", {"probe_id"});
  const auto item_cols = columns(db.get(), out, "run_items", {"run_id"});

  // Outside the lock: the shards' rows into temporary tables, one attached file at a time.
  for (std::size_t i = 0; i < shards.size(); ++i) {
    {
      sqlite::Statement attach(db.get(), out, "ATTACH DATABASE ?1 AS shard");
      attach.bind(1, shards[i].file.path.string());
      attach.run();
    }
    stage_shard(db.get(), out, static_cast<int>(i), i == 0, sample_cols, score_cols, judgment_cols,
                probe_cols, request_cols, item_cols);
    sqlite::exec(db.get(), out, "DETACH DATABASE shard");
  }
  sqlite::exec(db.get(), out, R"sql(
CREATE INDEX temp.stage_samples_key ON stage_samples (run_name, model, suite, item_id, sample_index);
CREATE INDEX temp.stage_probes_key ON stage_probes (src, old_id);
)sql");

  MergeResult result;
  result.duplicates = count(db.get(), out, R"sql(
SELECT COUNT(*) FROM (SELECT 1 FROM temp.stage_samples
  GROUP BY run_name, model, suite, item_id, sample_index HAVING COUNT(DISTINCT src) > 1))sql");
  const std::int64_t staged_keys = count(db.get(), out, R"sql(
SELECT COUNT(*) FROM (SELECT 1 FROM temp.stage_samples
  GROUP BY run_name, model, suite, item_id, sample_index))sql");

  WriteLock lock(db.get(), out, options);

  // Runs: the first shard's, as an unsharded run stores it; the earliest start.
  std::map<std::string, std::int64_t> run_ids;
  for (const auto& run : first.file.runs) {
    std::string started = run.started_at;
    for (const auto& s : shards) {
      for (const auto& r : s.file.runs) {
        if (r.name == run.name && !r.started_at.empty() && r.started_at < started) {
          started = r.started_at;
        }
      }
    }
    sqlite::Statement st(db.get(), out, R"sql(
INSERT INTO runs (name, config_json, rbench_version, git_sha, started_at) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (name) DO UPDATE SET started_at = MIN(started_at, excluded.started_at)
RETURNING id)sql");
    st.bind(1, run.name);
    st.bind(2, config_without_shard(run.config_json));
    st.bind(3, run.rbench_version);
    st.bind(4, run.git_sha);
    st.bind(5, started);
    if (!st.step()) sqlite::fail(db.get(), out, fmt::format("writing run '{}'", run.name));
    run_ids[run.name] = st.int64(0);
    st.run();
  }

  sqlite::exec(db.get(), out,
               fmt::format("INSERT INTO run_items (run_id, {0}) SELECT r.id, {1} FROM "
                           "temp.stage_run_items i JOIN runs r ON r.name = i.run_name WHERE true "
                           "ON CONFLICT DO NOTHING",
                           joined(item_cols, ""), joined(item_cols, "i."))
                   .c_str());

  // Samples: per key the best staged row (scored over unscored over errored, then the newer),
  // written where OUT has none or a worse or older one.
  sqlite::exec(db.get(), out, "DROP TABLE IF EXISTS temp.winners");
  sqlite::exec(db.get(), out,
               fmt::format(R"sql(
CREATE TEMP TABLE winners AS
SELECT r.id AS run_id, o.id AS old_id, b.* FROM
  (SELECT st.*, ROW_NUMBER() OVER (PARTITION BY run_name, model, suite, item_id, sample_index
     ORDER BY quality DESC, created_at DESC, src) AS rn FROM temp.stage_samples st) b
JOIN runs r ON r.name = b.run_name
LEFT JOIN samples o ON {0}
LEFT JOIN scores oc ON oc.sample_id = o.id
WHERE b.rn = 1 AND (o.id IS NULL OR b.quality >
  (CASE WHEN o.error_kind IS NOT NULL THEN 0 WHEN oc.sample_id IS NOT NULL THEN 2 ELSE 1 END)
  OR (b.quality = (CASE WHEN o.error_kind IS NOT NULL THEN 0 WHEN oc.sample_id IS NOT NULL THEN 2
                   ELSE 1 END) AND b.created_at > o.created_at)))sql",
                           "o.run_id = r.id AND o.model = b.model AND o.suite = b.suite AND "
                           "o.item_id = b.item_id AND o.sample_index = b.sample_index")
                   .c_str());
  result.inserted = count(db.get(), out, "SELECT COUNT(*) FROM temp.winners WHERE old_id IS NULL");
  result.replaced =
      count(db.get(), out, "SELECT COUNT(*) FROM temp.winners WHERE old_id IS NOT NULL");
  result.unchanged = staged_keys - result.inserted - result.replaced;
  sqlite::exec(db.get(), out,
               fmt::format("INSERT INTO samples (run_id, {0}) SELECT run_id, {0} FROM "
                           "temp.winners WHERE true ON CONFLICT (run_id, model, suite, item_id, "
                           "sample_index) DO UPDATE SET {1}",
                           joined(sample_cols, ""), assignments(sample_cols))
                   .c_str());
  sqlite::exec(db.get(), out,
               fmt::format("DELETE FROM scores WHERE sample_id IN (SELECT o.id FROM temp.winners "
                           "w JOIN samples o ON {})",
                           key_match("o", "w"))
                   .c_str());
  sqlite::exec(db.get(), out,
               fmt::format("INSERT INTO scores (sample_id, {0}) SELECT o.id, {1} FROM "
                           "temp.winners w JOIN samples o ON {2} WHERE w.has_score",
                           joined(score_cols, ""), joined(score_cols, "w.sc_"), key_match("o", "w"))
                   .c_str());

  // Judgments: per key an ok verdict over a failed one, then the newer.
  const std::string judgment_key =
      "o.run_id = r.id AND o.suite = b.suite AND o.item_id = b.item_id AND o.model = b.model AND "
      "o.baseline_model = b.baseline_model AND o.judge = b.judge AND o.game = b.game";
  const std::int64_t before_changes = sqlite3_total_changes64(db.get());
  sqlite::exec(db.get(), out,
               fmt::format(R"sql(
INSERT INTO judgments (run_id, {0})
SELECT r.id, {1} FROM
  (SELECT st.*, ROW_NUMBER() OVER (PARTITION BY run_name, suite, item_id, model, baseline_model,
     judge, game ORDER BY quality DESC, created_at DESC, src) AS rn FROM temp.stage_judgments st) b
JOIN runs r ON r.name = b.run_name
LEFT JOIN judgments o ON {2}
WHERE b.rn = 1 AND (o.id IS NULL
  OR b.quality > (CASE WHEN o.status = 'ok' THEN 1 ELSE 0 END)
  OR (b.quality = (CASE WHEN o.status = 'ok' THEN 1 ELSE 0 END) AND b.created_at > o.created_at))
ON CONFLICT (run_id, suite, item_id, model, baseline_model, judge, game) DO UPDATE SET {3})sql",
                           joined(judgment_cols, ""), joined(judgment_cols, "b."), judgment_key,
                           assignments(judgment_cols))
                   .c_str());
  result.judgments = sqlite3_total_changes64(db.get()) - before_changes;

  // Probes: one per (run, kind, model, config, start), so a re-merge adds none; their requests
  // follow them to their new ids.
  const std::string probe_match =
      "o.run_id = r.id AND o.kind = p.kind AND o.model = p.model AND o.config_json = "
      "p.config_json AND o.created_at = p.created_at";
  sqlite::exec(db.get(), out,
               fmt::format(R"sql(
INSERT INTO probes (run_id, {0})
SELECT r.id, {1} FROM temp.stage_probes p JOIN runs r ON r.name = p.run_name
WHERE p.src = (SELECT MIN(q.src) FROM temp.stage_probes q WHERE q.run_name = p.run_name
    AND q.kind = p.kind AND q.model = p.model AND q.config_json = p.config_json
    AND q.created_at = p.created_at)
  AND NOT EXISTS (SELECT 1 FROM probes o WHERE {2}))sql",
                           joined(probe_cols, ""), joined(probe_cols, "p."), probe_match)
                   .c_str());
  result.probes = sqlite3_changes64(db.get());
  sqlite::exec(db.get(), out,
               fmt::format(R"sql(
INSERT OR IGNORE INTO probe_requests (probe_id, {0})
SELECT o.id, {1} FROM temp.stage_requests q
JOIN temp.stage_probes p ON p.src = q.src AND p.old_id = q.old_probe_id
JOIN runs r ON r.name = p.run_name
JOIN probes o ON {2})sql",
                           joined(request_cols, ""), joined(request_cols, "q."), probe_match)
                   .c_str());

  // Which file brought which shard (the reports never show this table), and the run's finish:
  // the latest shard's, once every shard has a finished file.
  for (const auto& s : shards) {
    for (const auto& run : s.file.runs) {
      create_merges_row(db.get(), out, run_ids.at(run.name), s.file, run);
    }
  }
  for (const auto& [name, id] : run_ids) {
    sqlite::Statement st(db.get(), out, R"sql(
UPDATE runs SET finished_at = CASE
  WHEN (SELECT COUNT(DISTINCT shard_index) FROM merges WHERE run_id = ?1 AND finished_at IS NOT NULL)
       = (SELECT MAX(shard_count) FROM merges WHERE run_id = ?1)
  THEN (SELECT MAX(finished_at) FROM merges WHERE run_id = ?1) ELSE NULL END
WHERE id = ?1)sql");
    st.bind(1, id);
    st.run();
  }

  // What is missing, from the merged store and every shard merged into it so far.
  for (const auto& run : first.file.runs) {
    const std::int64_t id = run_ids.at(run.name);
    KeySet present;
    read_keys(db.get(), out, id, present);
    std::set<int> with_file;
    sqlite::Statement st(db.get(), out,
                         "SELECT DISTINCT shard_index FROM merges WHERE run_id = ?1");
    st.bind(1, id);
    while (st.step()) with_file.insert(static_cast<int>(st.int64(0)));
    result.coverage.push_back(coverage_of(run, first.details.at(run.name), present, with_file));
  }
  lock.commit();
  for (auto& s : shards) result.shards.push_back(std::move(s.file));
  return result;
}

ShardStatus shard_status(const std::vector<fs::path>& shard_paths) {
  std::vector<LoadedShard> shards = load_shards(shard_paths, /*always_open_store=*/false);
  ShardStatus status;
  for (const auto& run : shards.front().file.runs) {
    KeySet present;
    std::set<int> with_file;
    for (const auto& s : shards) {
      Db db = open_raw(s.file.path, SQLITE_OPEN_READONLY);
      read_keys(db.get(), s.file.path, s.details.at(run.name).id, present);
      for (const auto& r : s.file.runs) {
        if (r.name == run.name) with_file.insert(r.index);
      }
    }
    status.coverage.push_back(
        coverage_of(run, shards.front().details.at(run.name), present, with_file));
  }
  for (auto& s : shards) status.shards.push_back(std::move(s.file));
  return status;
}

std::string redo_command(const std::vector<std::string>& argv, int index, int count,
                         const fs::path& file) {
  std::vector<std::string> args;
  std::size_t i = 0;
  // The stored arguments may start with the program and the command, or with the flags.
  if (!argv.empty() && fs::path(argv[0]).filename() == "rbench") ++i;
  if (i < argv.size() && argv[i] == "run") ++i;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--shard" || a == "--shard-count" || a == "--db") {
      ++i;  // and its value
      continue;
    }
    if (a.starts_with("--shard=") || a.starts_with("--shard-count=") || a.starts_with("--db=")) {
      continue;
    }
    args.push_back(a);
  }
  std::string out = "rbench run";
  for (const auto& a : args) out += " " + shell_quote(a);
  out += fmt::format(" --shard {}/{} --db {}", index, count, shell_quote(file.string()));
  return out;
}

std::string describe_merge(const MergeResult& result, const fs::path& out) {
  std::string text;
  for (const auto& f : result.shards) {
    for (const auto& r : f.runs) {
      text += fmt::format("  {}: shard {}/{}{}, {} samples ({} errors), {}\n", f.path.string(),
                          r.index, r.count, r.host.empty() ? "" : " on " + r.host, r.samples,
                          r.errors, r.finished_at.empty() ? "not finished" : "finished");
    }
  }
  std::vector<ShardFile> files = result.shards;
  for (const auto& c : result.coverage) describe_missing(text, c, files, false);
  if (result.duplicates > 0) {
    text += fmt::format(
        "duplicates: {} samples were in more than one shard file; kept the scored row over an "
        "errored one, then the newer\n",
        result.duplicates);
  }
  std::int64_t expected = 0, present = 0, no_file = 0;
  for (const auto& c : result.coverage) {
    expected += c.expected;
    present += c.present;
    no_file += static_cast<std::int64_t>(c.shards_without_file.size());
  }
  text += fmt::format(
      "merge: {} file(s) into {}: {} new, {} replaced, {} unchanged; {} duplicates; {} of {} "
      "samples present{}{}\n",
      result.shards.size(), out.string(), result.inserted, result.replaced, result.unchanged,
      result.duplicates, present, expected,
      expected > present ? fmt::format(", {} MISSING", expected - present) : "",
      no_file > 0 ? fmt::format(" ({} shard(s) without a file)", no_file) : "");
  return text;
}

std::string describe_status(const ShardStatus& status) {
  std::string text;
  for (const auto& c : status.coverage) {
    text += fmt::format("run '{}': {} shards, {} of {} samples present\n", c.run, c.shard_count,
                        c.present, c.expected);
    for (const auto& f : status.shards) {
      for (const auto& r : f.runs) {
        if (r.name != c.run) continue;
        const auto it = c.expected_by_shard.find(r.index);
        text += fmt::format("  {}: shard {}/{}{}, {}/{} samples, {} errors, {}\n", f.path.string(),
                            r.index, r.count, r.host.empty() ? "" : " on " + r.host, r.samples,
                            it == c.expected_by_shard.end() ? 0 : it->second, r.errors,
                            r.finished_at.empty() ? "not finished" : "finished");
      }
    }
    describe_missing(text, c, status.shards, true);
  }
  text += status.complete() ? "status: complete, nothing missing\n"
                            : "status: incomplete (see the redo commands above)\n";
  return text;
}

}  // namespace rbench
