// Schema versions of the results store; see store_schema.h.
#include "harness/store/store_schema.h"

#include <fmt/format.h>

#include <array>

#include "harness/core/error.h"
#include "harness/store/sqlite_db.h"

namespace rbench {
namespace {

using Migration = void (*)(sqlite3*, const std::filesystem::path&);

// Version 1. Unknown numbers are NULL (never -1) so that AVG/SUM over a column stay right;
// error_kind is NULL for a sample without error.
void create_v1(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  config_json    TEXT NOT NULL,
  rbench_version TEXT NOT NULL,
  git_sha        TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE TABLE samples (
  id                INTEGER PRIMARY KEY,
  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  model             TEXT NOT NULL,
  suite             TEXT NOT NULL,
  suite_version     TEXT NOT NULL,
  item_id           TEXT NOT NULL,
  sample_index      INTEGER NOT NULL,
  prompt_json       TEXT NOT NULL,
  reference         TEXT NOT NULL,
  reasoning         TEXT NOT NULL,
  answer            TEXT NOT NULL,
  finish_reason     TEXT,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  reasoning_tokens  INTEGER,
  ttft_s            REAL,
  e2e_s             REAL,
  chunk_times_json  TEXT NOT NULL,
  attempts          INTEGER NOT NULL,
  http_status       INTEGER,
  error_kind        TEXT,
  error             TEXT,
  cost_usd          REAL,
  created_at        TEXT NOT NULL,
  UNIQUE (run_id, model, suite, item_id, sample_index)
);
CREATE TABLE scores (
  sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  scorer    TEXT NOT NULL,
  value     REAL NOT NULL,
  correct   INTEGER NOT NULL CHECK (correct IN (0, 1)),
  extracted TEXT NOT NULL,
  method    TEXT NOT NULL,
  detail    TEXT NOT NULL
);
-- The UNIQUE index serves resume (run_id, error_kind filter) and the report's ordered scan of
-- one run; this one serves reports across runs, which go suite by suite.
CREATE INDEX samples_by_suite_model ON samples (suite, model, run_id);
)sql");
}

// Version 2: how a code execution ended, its output and time (NULL for the other scorers).
void add_execution_columns_v2(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
ALTER TABLE scores ADD COLUMN outcome TEXT;
ALTER TABLE scores ADD COLUMN log TEXT;
ALTER TABLE scores ADD COLUMN duration_s REAL;
)sql");
}

// Version 3: the math equivalence rule that decided and the canonical forms it compared (NULL
// for the other scorers and for scores written before).
void add_verdict_columns_v3(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
ALTER TABLE scores ADD COLUMN rule TEXT;
ALTER TABLE scores ADD COLUMN answer_form TEXT;
ALTER TABLE scores ADD COLUMN reference_form TEXT;
)sql");
}

// Version 4: pairwise judgments (ArenaHard, AlpacaEval). One row per game: the judged model's
// answer against the baseline's, shown in one order. `label` is the verdict turned to the
// judged model's side (A = the model), `label_as_judged` as the judge wrote it for the order it
// saw; imported AlpacaEval annotations carry a `preference` in [1, 2] instead (2 = the model).
// `status`: ok, unparsed (no usable label after the retries), error (the judge call failed),
// no_baseline, no_answer; only ok rows count in scores, the others are counted in reports.
void add_judgments_v4(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
CREATE TABLE judgments (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  suite           TEXT NOT NULL,
  item_id         TEXT NOT NULL,
  model           TEXT NOT NULL,
  baseline_model  TEXT NOT NULL,
  judge           TEXT NOT NULL,
  game            INTEGER NOT NULL CHECK (game IN (1, 2)),
  status          TEXT NOT NULL,
  label           TEXT,
  label_as_judged TEXT,
  preference      REAL,
  why             TEXT NOT NULL,
  raw             TEXT NOT NULL,
  reasoning       TEXT NOT NULL,
  attempts        INTEGER NOT NULL,
  error           TEXT,
  cost_usd        REAL,
  created_at      TEXT NOT NULL,
  UNIQUE (run_id, suite, item_id, model, baseline_model, judge, game)
);
CREATE INDEX judgments_by_suite ON judgments (suite, judge, baseline_model);
)sql");
}

// Version 5: latency, memory and ceiling probes (harness/probe), and every request of a latency
// probe as it finished. A probe's result_json is its probe JSON document, written at the end.
void add_probes_v5(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
CREATE TABLE probes (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  model       TEXT NOT NULL,
  config_json TEXT NOT NULL,
  result_json TEXT,
  created_at  TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE probe_requests (
  probe_id          INTEGER NOT NULL REFERENCES probes(id) ON DELETE CASCADE,
  step              INTEGER NOT NULL,
  load              TEXT NOT NULL,
  load_value        REAL NOT NULL,
  idx               INTEGER NOT NULL,
  scheduled_s       REAL,
  start_s           REAL,
  ok                INTEGER NOT NULL,
  error_kind        TEXT,
  error             TEXT,
  input_tokens      INTEGER,
  output_tokens     INTEGER,
  tokens_from_usage INTEGER NOT NULL,
  ttft_s            REAL,
  e2e_s             REAL,
  itl_json          TEXT NOT NULL,
  PRIMARY KEY (probe_id, step, idx)
);
)sql");
}

// Version 6: self-speculative decoding per sample (the built-in engine with MTP): draft tokens
// proposed and those accepted. NULL for engines without speculation and for older samples.
void add_draft_columns_v6(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
ALTER TABLE samples ADD COLUMN draft_tokens INTEGER;
ALTER TABLE samples ADD COLUMN accepted_draft_tokens INTEGER;
)sql");
}

// Version 7: runs cut into shards (harness/run/shard.h). The host each sample ran on, so that
// latency measured from different client machines is never pooled blindly; and the run's full
// item list, kept in every shard's file, so that a merge can name the items no shard holds.
void add_shard_columns_v7(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
ALTER TABLE samples ADD COLUMN host TEXT;
CREATE TABLE run_items (
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  suite    TEXT NOT NULL,
  position INTEGER NOT NULL,
  item_id  TEXT NOT NULL,
  PRIMARY KEY (run_id, suite, position)
);
)sql");
}

// Version 8: `rbench merge` (harness/run/merge.h). Which file brought which shard of a merged
// run, with the shard's own attributes: the run's config is stored as an unsharded run's (the
// reports print it), so the merge's bookkeeping lives here, one row per (run, file, shard).
void add_merges_v8(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, R"sql(
CREATE TABLE merges (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  file        TEXT NOT NULL,
  shard_index INTEGER NOT NULL,
  shard_count INTEGER NOT NULL,
  host        TEXT,
  samples     INTEGER NOT NULL,
  errors      INTEGER NOT NULL,
  started_at  TEXT,
  finished_at TEXT,
  argv_json   TEXT NOT NULL,
  merged_at   TEXT NOT NULL,
  PRIMARY KEY (run_id, file, shard_index)
);
)sql");
}

// Version 9: prompt tokens served from the provider's prompt cache (OpenAI's
// prompt_tokens_details.cached_tokens, DeepSeek's prompt_cache_hit_tokens), billed at the cached
// rate; NULL when the server did not say and for older samples.
void add_cached_tokens_v9(sqlite3* db, const std::filesystem::path& path) {
  sqlite::exec(db, path, "ALTER TABLE samples ADD COLUMN cached_prompt_tokens INTEGER;");
}

constexpr std::array<Migration, 9> kMigrations = {
    create_v1,           add_execution_columns_v2, add_verdict_columns_v3, add_judgments_v4,
    add_probes_v5,       add_draft_columns_v6,     add_shard_columns_v7,   add_merges_v8,
    add_cached_tokens_v9};

}  // namespace

int store_schema_version(sqlite3* db, const std::filesystem::path& path) {
  sqlite::Statement st(db, path, "PRAGMA user_version");
  if (!st.step()) sqlite::fail(db, path, "reading the schema version");
  return static_cast<int>(st.int64(0));
}

void migrate_store(sqlite3* db, const std::filesystem::path& path, int target) {
  if (target > static_cast<int>(kMigrations.size())) {
    throw Error(
        fmt::format("{}: schema version {} has no migration in this build", path.string(), target));
  }
  for (;;) {
    // Read the version inside the write transaction: two processes opening a new file at once
    // must not both create the tables.
    sqlite::Transaction tx(db, path);
    const int version = store_schema_version(db, path);
    if (version > target) {
      throw Error(fmt::format(
          "{}: the store has schema version {}, newer than this rbench understands ({}); "
          "use a newer rbench to read it",
          path.string(), version, target));
    }
    if (version == target) return;  // the transaction rolls back: nothing was written
    kMigrations[static_cast<std::size_t>(version)](db, path);
    // PRAGMA takes no bound parameters; the value is our own integer.
    sqlite::exec(db, path, fmt::format("PRAGMA user_version = {}", version + 1).c_str());
    tx.commit();
  }
}

}  // namespace rbench
