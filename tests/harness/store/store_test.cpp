// The SQLite results store: round trips, upserts, resume keys, schema versions, concurrency.
#include "harness/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rbench-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path db() const { return dir_ / "results.db"; }
  fs::path dir_;
};

SampleRecord full_record(std::int64_t run_id) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {"model-a", "gsm8k", "item-7", 2};
  r.suite_version = "0123456789abcdef";
  r.prompt_json = R"([{"role":"user","content":"What is 6*7? \u00e9"}])";
  r.reference = "42";
  Completion& c = r.completion;
  c.reasoning = "Six times seven is forty-two. 'quotes' \"double\" \n newline";
  c.answer = "The answer is \\boxed{42}.";
  c.finish_reason = "length";
  c.usage = {123, 456, 400};
  c.timings.ttft_s = 0.25;
  c.timings.e2e_s = 3.125;
  c.timings.chunk_times_s = {0.25, 0.1 + 0.2, 1.0 / 3.0, 3.125};
  c.attempts = 3;
  c.http_status = 200;
  r.cost_usd = 0.000123;
  r.created_at = "2026-01-02T03:04:05.678Z";
  r.scorer = "math";
  r.score = Score{1.0, true, "42", "boxed", "42 == 42"};
  return r;
}

SampleRecord errored_record(std::int64_t run_id, const std::string& item) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {"model-a", "gsm8k", item, 0};
  r.suite_version = "v";
  r.prompt_json = "[]";
  r.completion.error_kind = ErrorKind::http;
  r.completion.error = "HTTP 429 after 5 attempts";
  r.completion.http_status = 429;
  r.completion.attempts = 5;
  r.cost_usd = -1;
  return r;
}

TEST_F(StoreTest, RoundTripsEveryField) {
  Store store(db());
  const RunInfo run = store.open_run("run-1", R"({"seed":1})", "0.1.0", "abc123");
  EXPECT_GT(run.id, 0);
  EXPECT_EQ(run.name, "run-1");
  EXPECT_EQ(run.config_json, R"({"seed":1})");
  EXPECT_EQ(run.rbench_version, "0.1.0");
  EXPECT_EQ(run.git_sha, "abc123");
  EXPECT_EQ(run.started_at.size(), 24u) << run.started_at;  // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(run.started_at.back(), 'Z');
  EXPECT_EQ(run.finished_at, "");

  const SampleRecord in = full_record(run.id);
  const std::int64_t id = store.put_sample(in);
  const auto all = store.samples();
  ASSERT_EQ(all.size(), 1u);
  const SampleRecord& out = all[0];
  EXPECT_EQ(out.id, id);
  EXPECT_EQ(out.run_id, in.run_id);
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.suite_version, in.suite_version);
  EXPECT_EQ(out.prompt_json, in.prompt_json);
  EXPECT_EQ(out.reference, in.reference);
  EXPECT_EQ(out.completion.reasoning, in.completion.reasoning);
  EXPECT_EQ(out.completion.answer, in.completion.answer);
  EXPECT_EQ(out.completion.finish_reason, "length");
  EXPECT_TRUE(out.completion.truncated());
  EXPECT_EQ(out.completion.usage.prompt_tokens, 123);
  EXPECT_EQ(out.completion.usage.completion_tokens, 456);
  EXPECT_EQ(out.completion.usage.reasoning_tokens, 400);
  EXPECT_EQ(out.completion.timings.ttft_s, 0.25);
  EXPECT_EQ(out.completion.timings.e2e_s, 3.125);
  EXPECT_EQ(out.completion.timings.chunk_times_s, in.completion.timings.chunk_times_s);
  EXPECT_EQ(out.completion.attempts, 3);
  EXPECT_EQ(out.completion.http_status, 200);
  EXPECT_EQ(out.completion.error_kind, ErrorKind::none);
  EXPECT_EQ(out.completion.error, "");
  EXPECT_EQ(out.cost_usd, 0.000123);
  EXPECT_EQ(out.created_at, "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(out.scorer, "math");
  ASSERT_TRUE(out.score.has_value());
  EXPECT_EQ(out.score->value, 1.0);
  EXPECT_TRUE(out.score->correct);
  EXPECT_EQ(out.score->extracted, "42");
  EXPECT_EQ(out.score->method, "boxed");
  EXPECT_EQ(out.score->detail, "42 == 42");

  store.finish_run(run.id);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].started_at, run.started_at);
  EXPECT_FALSE(runs[0].finished_at.empty());
  EXPECT_THROW(store.finish_run(run.id + 100), Error);
}

TEST_F(StoreTest, UnknownNumbersAreNullAndComeBackAsMinusOne) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "s");
  SampleRecord r = errored_record(run.id, "x");
  r.completion.http_status = 0;
  store.put_sample(r);
  const auto all = store.samples(run.id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].completion.usage.prompt_tokens, -1);
  EXPECT_EQ(all[0].completion.timings.ttft_s, -1);
  EXPECT_EQ(all[0].completion.http_status, 0);
  EXPECT_EQ(all[0].cost_usd, -1);
  EXPECT_EQ(all[0].completion.error_kind, ErrorKind::http);
  EXPECT_FALSE(all[0].created_at.empty());

  // SQL aggregates see NULLs, not -1s.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "SELECT COUNT(prompt_tokens), COUNT(cost_usd), COUNT(http_status), "
                               "COUNT(finish_reason), COUNT(draft_tokens), "
                               "COUNT(accepted_draft_tokens) FROM samples",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(sqlite3_column_int(st, i), 0) << "column " << i;
  EXPECT_EQ(all[0].completion.usage.draft_tokens, -1);
  EXPECT_EQ(all[0].completion.usage.accepted_draft_tokens, -1);
}

TEST_F(StoreTest, SpeculativeDraftCountsRoundTripAndUpsert) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "s");
  SampleRecord r = full_record(run.id);
  r.completion.usage.draft_tokens = 40;
  r.completion.usage.accepted_draft_tokens = 0;  // none accepted is a count, not unknown
  store.put_sample(r);
  auto all = store.samples(run.id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].completion.usage.draft_tokens, 40);
  EXPECT_EQ(all[0].completion.usage.accepted_draft_tokens, 0);
  ASSERT_TRUE(all[0].score.has_value()) << "the score's columns still line up";
  EXPECT_EQ(all[0].score->detail, "42 == 42");
  // A redone sample replaces its counts, here with an engine that does not speculate.
  r.completion.usage.draft_tokens = -1;
  r.completion.usage.accepted_draft_tokens = -1;
  store.put_sample(r);
  all = store.samples(run.id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].completion.usage.draft_tokens, -1);
  EXPECT_EQ(all[0].completion.usage.accepted_draft_tokens, -1);
}

TEST_F(StoreTest, UpsertReplacesAndNeverDuplicates) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "s");
  SampleRecord first = full_record(run.id);
  first.score = Score{0, false, "41", "last number", "41 != 42"};
  const std::int64_t id1 = store.put_sample(first);
  SampleRecord second = full_record(run.id);
  second.completion.answer = "42";
  const std::int64_t id2 = store.put_sample(second);
  EXPECT_EQ(id1, id2);  // the row keeps its id
  auto all = store.samples();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].completion.answer, "42");
  ASSERT_TRUE(all[0].score);
  EXPECT_TRUE(all[0].score->correct);

  // An errored retry drops the stale score, and a good retry after it scores again.
  SampleRecord errored = errored_record(run.id, second.key.item_id);
  errored.key = second.key;
  store.put_sample(errored);
  all = store.samples();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].score.has_value());
  EXPECT_EQ(all[0].completion.error_kind, ErrorKind::http);
  store.put_sample(second);
  all = store.samples();
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(all[0].score.has_value());
  EXPECT_EQ(all[0].completion.error_kind, ErrorKind::none);
}

// put_samples writes as put_sample does (one transaction for all), and for_each_sample reads
// them back in store order; `figures` leaves the texts out and keeps every number.
TEST_F(StoreTest, BulkWritesAndFigureReads) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "sha");
  std::vector<SampleRecord> records;
  for (int i = 0; i < 5; ++i) {
    SampleRecord r = full_record(run.id);
    r.key.item_id = "item-" + std::to_string(4 - i);  // stored out of order
    records.push_back(r);
  }
  records.push_back(errored_record(run.id, "item-9"));
  store.put_samples(records);
  EXPECT_EQ(store.completed(run.id).size(), 5u);

  const std::vector<SampleRecord> all = store.samples(run.id);
  ASSERT_EQ(all.size(), 6u);
  std::vector<SampleRecord> figures;
  store.for_each_sample({.run_id = run.id, .fields = SampleFields::figures},
                        [&](SampleRecord&& r) { figures.push_back(std::move(r)); });
  ASSERT_EQ(figures.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const SampleRecord& a = all[i];
    const SampleRecord& f = figures[i];
    EXPECT_EQ(f.key, a.key);
    EXPECT_EQ(f.completion.usage.completion_tokens, a.completion.usage.completion_tokens);
    EXPECT_EQ(f.completion.timings.e2e_s, a.completion.timings.e2e_s);
    EXPECT_EQ(f.completion.error_kind, a.completion.error_kind);
    EXPECT_EQ(f.cost_usd, a.cost_usd);
    EXPECT_EQ(f.score.has_value(), a.score.has_value());
    if (f.score) {
      EXPECT_EQ(f.score->extracted, a.score->extracted);
    }
    EXPECT_TRUE(f.prompt_json.empty());
    EXPECT_TRUE(f.completion.reasoning.empty());
    EXPECT_TRUE(f.completion.timings.chunk_times_s.empty());
  }
  EXPECT_EQ(all.front().key.item_id, "item-0");
  EXPECT_EQ(all.front().completion.reasoning, full_record(run.id).completion.reasoning);

  // One result's first samples: the HTML's capped items view.
  std::vector<std::string> items;
  store.for_each_sample({.run_id = run.id, .model = "model-a", .suite = "gsm8k", .limit = 2},
                        [&](SampleRecord&& r) { items.push_back(r.key.item_id); });
  EXPECT_EQ(items, (std::vector<std::string>{"item-0", "item-1"}));
}

TEST_F(StoreTest, CompletedExcludesErroredSamplesAndOtherRuns) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "s");
  const RunInfo other = store.open_run("other", "{}", "v", "s");
  store.put_sample(full_record(run.id));
  store.put_sample(errored_record(run.id, "item-9"));
  store.put_sample(full_record(other.id));
  const auto done = store.completed(run.id);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(*done.begin(), (SampleKey{"model-a", "gsm8k", "item-7", 2}));
  EXPECT_EQ(store.samples(run.id).size(), 2u);
  EXPECT_EQ(store.samples().size(), 3u);
}

TEST_F(StoreTest, ReopensAnExistingFileAndResumesTheRun) {
  std::int64_t run_id = 0;
  std::string started;
  {
    Store store(db());
    const RunInfo run = store.open_run("r", R"({"a":1})", "0.1.0", "aaa");
    run_id = run.id;
    started = run.started_at;
    store.put_sample(full_record(run.id));
    store.finish_run(run.id);
  }
  Store store(db());
  const RunInfo again = store.open_run("r", R"({"a":2})", "0.2.0", "bbb");
  EXPECT_EQ(again.id, run_id);
  EXPECT_EQ(again.started_at, started);
  EXPECT_EQ(again.config_json, R"({"a":2})");
  EXPECT_EQ(again.git_sha, "bbb");
  EXPECT_EQ(again.finished_at, "");  // resumed: running again
  EXPECT_EQ(store.completed(run_id).size(), 1u);
  EXPECT_EQ(store.runs().size(), 1u);
}

TEST_F(StoreTest, SampleForUnknownRunIsRefused) {
  Store store(db());
  EXPECT_THROW(store.put_sample(full_record(12345)), Error);  // foreign key
  EXPECT_TRUE(store.samples().empty());
}

TEST_F(StoreTest, RefusesANewerSchemaVersion) {
  { Store store(db()); }
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  try {
    Store store(db());
    FAIL() << "a store with schema version 99 was opened";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(db().string()), std::string::npos) << what;
    EXPECT_NE(what.find("99"), std::string::npos) << what;
    EXPECT_NE(what.find("newer"), std::string::npos) << what;
  }
}

TEST_F(StoreTest, MigratesAVersionOneStoreKeepingItsScores) {
  // A version-1 file as the previous release wrote it: v1 tables, one scored sample.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    const char* v1 = R"sql(
CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, config_json TEXT NOT NULL,
  rbench_version TEXT NOT NULL, git_sha TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE samples (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id)
  ON DELETE CASCADE, model TEXT NOT NULL, suite TEXT NOT NULL, suite_version TEXT NOT NULL,
  item_id TEXT NOT NULL, sample_index INTEGER NOT NULL, prompt_json TEXT NOT NULL,
  reference TEXT NOT NULL, reasoning TEXT NOT NULL, answer TEXT NOT NULL, finish_reason TEXT,
  prompt_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER, ttft_s REAL,
  e2e_s REAL, chunk_times_json TEXT NOT NULL, attempts INTEGER NOT NULL, http_status INTEGER,
  error_kind TEXT, error TEXT, cost_usd REAL, created_at TEXT NOT NULL,
  UNIQUE (run_id, model, suite, item_id, sample_index));
CREATE TABLE scores (sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  scorer TEXT NOT NULL, value REAL NOT NULL, correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
  extracted TEXT NOT NULL, method TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX samples_by_suite_model ON samples (suite, model, run_id);
INSERT INTO runs VALUES (1, 'old', '{}', '0.1.0', 'abc', '2026-01-01T00:00:00.000Z', NULL);
INSERT INTO samples VALUES (1, 1, 'm', 'gsm8k', 'v', 'i1', 0, '[]', '42', '', 'x', 'stop', NULL,
  NULL, NULL, NULL, NULL, '[]', 1, NULL, NULL, NULL, NULL, '2026-01-01T00:00:00.000Z');
INSERT INTO scores VALUES (1, 'math', 1, 1, '42', 'boxed', '42 == 42');
PRAGMA user_version = 1;
)sql";
    ASSERT_EQ(sqlite3_exec(raw, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  }
  Store store(db());
  const auto samples = store.samples();
  ASSERT_EQ(samples.size(), 1u);
  ASSERT_TRUE(samples[0].score.has_value());
  EXPECT_TRUE(samples[0].score->correct);
  EXPECT_EQ(samples[0].score->outcome, "");
  EXPECT_EQ(samples[0].score->duration_s, -1);
  EXPECT_EQ(samples[0].score->rule, "");  // columns added by version 3 read as empty
  EXPECT_EQ(samples[0].score->answer_form, "");
  EXPECT_EQ(samples[0].completion.usage.draft_tokens, -1);  // version 6's read as unknown
  EXPECT_EQ(samples[0].completion.usage.accepted_draft_tokens, -1);
  EXPECT_EQ(samples[0].completion.usage.cached_prompt_tokens, -1);  // version 9's as unknown
}

TEST_F(StoreTest, CachedPromptTokensRoundTrip) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "g");
  SampleRecord record = full_record(run.id);
  record.completion.usage.cached_prompt_tokens = 96;
  store.put_sample(record);
  const auto samples = store.samples(run.id);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].completion.usage.cached_prompt_tokens, 96);
  ASSERT_TRUE(samples[0].score.has_value());  // the score's columns after it still line up
  EXPECT_EQ(samples[0].score->detail, "42 == 42");
}

TEST_F(StoreTest, MathVerdictsKeepTheirRuleAndCanonicalForms) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "g");
  SampleRecord record = full_record(run.id);
  record.score->rule = "symbolic";
  record.score->answer_form = "\\frac{\\sqrt{3}}{2}";
  record.score->reference_form = "\\frac{1}{2}\\sqrt{3}";
  store.put_sample(record);
  const auto samples = store.samples(run.id);
  ASSERT_EQ(samples.size(), 1u);
  ASSERT_TRUE(samples[0].score.has_value());
  EXPECT_EQ(samples[0].score->rule, "symbolic");
  EXPECT_EQ(samples[0].score->answer_form, "\\frac{\\sqrt{3}}{2}");
  EXPECT_EQ(samples[0].score->reference_form, "\\frac{1}{2}\\sqrt{3}");
}

TEST_F(StoreTest, LateScoresAndTheSamplesStillWaitingForOne) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "g");
  SampleRecord waiting = full_record(run.id);
  waiting.score.reset();
  waiting.scorer.clear();
  const std::int64_t id = store.put_sample(waiting);
  store.put_sample(errored_record(run.id, "errored"));  // errors are not waiting for a score
  auto pending = store.unscored(run.id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, id);
  EXPECT_EQ(pending[0].completion.answer, waiting.completion.answer);

  Score s;
  s.value = 1;
  s.correct = true;
  s.extracted = "def f(): return 1";
  s.method = "fenced python";
  s.outcome = "passed";
  s.log = "stderr tail";
  s.duration_s = 0.125;
  store.put_score(id, "code", s);
  EXPECT_TRUE(store.unscored(run.id).empty());
  s.correct = false;
  s.outcome = "timeout";
  store.put_score(id, "code", s);  // a re-score replaces the score
  const auto samples = store.samples(run.id);
  const auto it = std::find_if(samples.begin(), samples.end(),
                               [&](const SampleRecord& r) { return r.id == id; });
  ASSERT_NE(it, samples.end());
  ASSERT_TRUE(it->score.has_value());
  EXPECT_EQ(it->scorer, "code");
  EXPECT_FALSE(it->score->correct);
  EXPECT_EQ(it->score->outcome, "timeout");
  EXPECT_EQ(it->score->log, "stderr tail");
  EXPECT_DOUBLE_EQ(it->score->duration_s, 0.125);
}

TEST_F(StoreTest, AFileThatIsNotSqliteGivesAClearError) {
  {
    std::ofstream out(db());
    out << "this is a CSV file, not a database\n" << std::string(4096, 'x');
  }
  try {
    Store store(db());
    FAIL() << "a text file was opened as a store";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(db().string()), std::string::npos) << what;
    EXPECT_NE(what.find("not a database"), std::string::npos) << what;
  }
}

TEST_F(StoreTest, ConcurrentPutSampleFromEightThreads) {
  Store store(db());
  const RunInfo run = store.open_run("r", "{}", "v", "s");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&store, &run, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string item = "item-" + std::to_string(i);
          SampleRecord r = i % 5 == 0 ? errored_record(run.id, item) : full_record(run.id);
          r.key.model = "model-" + std::to_string(t);
          r.key.item_id = item;
          store.put_sample(r);
          store.put_sample(r);  // the same key twice: still one row
        }
      });
    }
  }  // the jthreads join here
  const auto all = store.samples(run.id);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(store.completed(run.id).size(),
            static_cast<std::size_t>(kThreads * kPerThread * 4 / 5));
  std::size_t scored = 0;
  for (const auto& s : all) scored += s.score.has_value();
  EXPECT_EQ(scored, static_cast<std::size_t>(kThreads * kPerThread * 4 / 5));
}

}  // namespace
}  // namespace rbench

namespace rbench {
namespace {

TEST(StoreJudgments, GamesAreStoredReplacedAndReadBack) {
  testing::TempDir dir;
  Store store(dir.path() / "j.db");
  const RunInfo run = store.open_run("r", "{}", "v", "g");
  JudgmentRecord j;
  j.run_id = run.id;
  j.suite = "arena-hard";
  j.item_id = "q1";
  j.model = "model-a";
  j.baseline_model = "gpt-4-0314";
  j.judge = "judge-x";
  j.game = 2;
  j.label = "A>B";
  j.label_as_judged = "B>A";
  j.why = "last label [[B>A]]";
  j.raw = "... [[B>A]]";
  j.reasoning = "<thinking>";
  j.attempts = 1;
  store.put_judgment(j);
  JudgmentRecord unparsed = j;
  unparsed.game = 1;
  unparsed.status = "unparsed";
  unparsed.label.clear();
  unparsed.label_as_judged.clear();
  unparsed.why = "no label";
  unparsed.attempts = 3;
  store.put_judgment(unparsed);
  j.label = "A>>B";  // a re-judgment replaces the game
  store.put_judgment(j);
  const auto all = store.judgments(run.id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].game, 1);
  EXPECT_EQ(all[0].status, "unparsed");
  EXPECT_EQ(all[0].label, "");
  EXPECT_EQ(all[0].attempts, 3);
  EXPECT_EQ(all[1].label, "A>>B");
  EXPECT_EQ(all[1].label_as_judged, "B>A");
  EXPECT_EQ(all[1].reasoning, "<thinking>");
  EXPECT_EQ(all[1].preference, -1);  // no preference: NULL, read back as -1
  EXPECT_FALSE(all[1].created_at.empty());

  JudgmentRecord imported = j;
  imported.judge = "weighted_alpaca_eval_gpt4_turbo";
  imported.game = 1;
  imported.label.clear();
  imported.preference = 1.75;
  store.put_judgment(imported);
  const auto with_import = store.judgments();
  ASSERT_EQ(with_import.size(), 3u);
  EXPECT_EQ(with_import[2].judge, "weighted_alpaca_eval_gpt4_turbo");  // ordered by judge
  EXPECT_DOUBLE_EQ(with_import[2].preference, 1.75);
}

}  // namespace
}  // namespace rbench
