// rbench merge on real SQLite files written through Store as `rbench run --shard I/N` writes
// them: the merged rows, refusals, missing shards, duplicates, a WAL left by a killed writer,
// idempotence, adding the rest, a redone shard, --status and its redo commands.
#include "harness/run/merge.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/run/shard.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;

constexpr int kItems = 12;
constexpr int kSamples = 2;
constexpr const char* kRun = "m_s_0000beef";

std::string config(int index, int count, int samples = kSamples, bool sharded = true) {
  const std::string shard =
      sharded
          ? fmt::format(R"(,"shard":{{"index":{0},"count":{1},"argv":["--model","m","--suite","s",)"
                        R"("--samples","{2}","--shard","auto","--db","x.db"],"host":"host-{0}"}})",
                        index, count, samples)
          : "";
  return fmt::format(
      R"({{"fingerprint":{{"models":[{{"label":"m","api_model":"m"}}],)"
      R"("suites":[{{"name":"s","version":"v1","prompt_template":"t","scorer":"math"}}],)"
      R"("samples":{},"seed":0,"sampling":{{"max_tokens":100}}}},"limit":null,)"
      R"("suites":[{{"name":"s","path":"s.jsonl","items":{}}}]{}}})",
      samples, kItems, shard);
}

std::string item(int i) {
  return fmt::format("item-{:02}", i);
}

std::vector<RunItem> run_items() {
  std::vector<RunItem> items;
  for (int i = 0; i < kItems; ++i) items.push_back({"s", item(i)});
  return items;
}

SampleRecord sample(std::int64_t run_id, int i, int k, const std::string& created,
                    bool error = false) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {"m", "s", item(i), k};
  r.suite_version = "v1";
  r.prompt_json = "[]";
  r.reference = std::to_string(i);
  r.completion.answer = error ? "" : fmt::format("\\boxed{{{}}} at {}", i, created);
  r.completion.attempts = 1;
  r.created_at = created;
  if (error) {
    r.completion.error_kind = ErrorKind::http;
    r.completion.error = "HTTP 500";
  } else {
    r.scorer = "math";
    r.score = Score{1.0, true, std::to_string(i), "boxed", "ok"};
  }
  return r;
}

struct ShardSpec {
  int index = 0;
  int count = 3;
  int samples = kSamples;
  bool sharded = true;
  bool finish = true;
  std::string created = "2026-01-01T00:00:00.000Z";
  std::set<int> skip_items;   // leave these items' samples out
  std::set<int> error_items;  // store these as errors
};

// A shard store as `rbench run --shard I/N` leaves it: the run, its full item list and the
// samples shard_of gives this shard.
fs::path make_shard(const fs::path& file, const ShardSpec& spec) {
  Store store(file);
  const RunInfo run = store.open_run(
      kRun, config(spec.index, spec.count, spec.samples, spec.sharded), "1.0", "abc");
  store.put_run_items(run.id, run_items());
  for (int i = 0; i < kItems; ++i) {
    if (spec.skip_items.contains(i)) continue;
    for (int k = 0; k < spec.samples; ++k) {
      if (shard_of("s", item(i), k, spec.count) != spec.index) continue;
      store.put_sample(sample(run.id, i, k, spec.created, spec.error_items.contains(i)));
    }
  }
  if (spec.finish) store.finish_run(run.id);
  return file;
}

std::vector<fs::path> make_shards(const fs::path& dir, int count) {
  std::vector<fs::path> files;
  for (int i = 0; i < count; ++i) {
    files.push_back(make_shard(dir / fmt::format("shard-{}.db", i), {.index = i, .count = count}));
  }
  return files;
}

// Every sample row of a store as text, ordered: what "the same rows" means.
std::vector<std::string> dump(const fs::path& db) {
  Store store(db);
  std::vector<std::string> rows;
  for (const auto& s : store.samples()) {
    rows.push_back(fmt::format("{}/{}/{}#{} {} {} {} {}", s.key.model, s.key.suite, s.key.item_id,
                               s.key.sample_index, s.completion.answer, s.created_at,
                               s.score ? s.score->correct : -1, s.completion.error));
  }
  return rows;
}

std::int64_t count_rows(const fs::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr);
  const std::int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close_v2(raw);
  return n;
}

TEST(Merge, ShardsOfOneRunMergeIntoTheSingleRunsRows) {
  testing::TempDir dir;
  const auto files = make_shards(dir.path(), 3);
  const fs::path out = dir.path() / "merged.db";
  const MergeResult r = merge_shards(files, out);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.inserted, kItems * kSamples);
  EXPECT_EQ(r.duplicates, 0);
  ASSERT_EQ(r.coverage.size(), 1u);
  EXPECT_EQ(r.coverage[0].expected, kItems * kSamples);
  EXPECT_EQ(r.coverage[0].present, kItems * kSamples);

  Store store(out);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, kRun);
  // As the unsharded run stores it: the reports print the config.
  EXPECT_EQ(runs[0].config_json.find("\"shard\""), std::string::npos) << runs[0].config_json;
  EXPECT_FALSE(runs[0].finished_at.empty());
  EXPECT_EQ(store.samples().size(), static_cast<std::size_t>(kItems * kSamples));
  for (const auto& s : store.samples()) EXPECT_TRUE(s.score.has_value());
  EXPECT_EQ(store.run_items(runs[0].id).size(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(count_rows(out, "SELECT COUNT(*) FROM merges"), 3);
}

TEST(Merge, RefusesShardsOfAnotherRunNamingTheFileAndTheDifference) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 2);
  files.push_back(make_shard(dir.path() / "other.db", {.index = 1, .count = 2, .samples = 1}));
  const fs::path out = dir.path() / "merged.db";
  try {
    merge_shards(files, out);
    FAIL() << "merged shards of different runs";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("other.db: fingerprint differs from"), std::string::npos) << what;
    EXPECT_NE(what.find("shard-0.db"), std::string::npos) << what;
    EXPECT_NE(what.find("\"samples\": 1 vs 2"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(out));

  // Another shard count, another item list: refused too.
  files.back() = make_shard(dir.path() / "four.db", {.index = 1, .count = 4});
  EXPECT_THROW(
      {
        try {
          merge_shards(files, out);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("shard count differs"), std::string::npos)
              << e.what();
          throw;
        }
      },
      UsageError);
}

TEST(Merge, RefusesAFileThatIsNotAStoreAndWritesNothing) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 2);
  files.push_back(dir.write("notes.db", "not a database at all, just some text\n"));
  const fs::path out = dir.path() / "merged.db";
  try {
    merge_shards(files, out);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("notes.db: not an rbench store"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(out));

  // An SQLite file of something else is refused and left as it was.
  const fs::path foreign = dir.path() / "foreign.db";
  {
    sqlite3* raw = nullptr;
    sqlite3_open(foreign.c_str(), &raw);
    sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  files.back() = foreign;
  EXPECT_THROW(merge_shards(files, out), DataError);
  EXPECT_EQ(count_rows(foreign, "SELECT COUNT(*) FROM sqlite_master"), 1);
  EXPECT_FALSE(fs::exists(out));
}

TEST(Merge, AMissingShardIsReportedWithTheCommandThatRedoesIt) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 3);
  const fs::path missing = files[1];
  files.erase(files.begin() + 1);
  fs::remove(missing);
  const fs::path out = dir.path() / "merged.db";
  const MergeResult r = merge_shards(files, out);
  EXPECT_FALSE(r.complete());
  ASSERT_EQ(r.coverage.size(), 1u);
  EXPECT_EQ(r.coverage[0].shards_without_file, std::vector<int>{1});
  const std::int64_t expected_1 = r.coverage[0].expected_by_shard.at(1);
  EXPECT_GT(expected_1, 0);
  EXPECT_EQ(r.coverage[0].missing(), expected_1);
  const std::string text = describe_merge(r, out);
  EXPECT_NE(text.find("missing: shard 1/3 of run 'm_s_0000beef' has no file"), std::string::npos)
      << text;
  EXPECT_NE(text.find(fmt::format("redo shard 1/3: rbench run --model m --suite s --samples 2 "
                                  "--shard 1/3 --db {}",
                                  (dir.path() / "shard-1.db").string())),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("MISSING"), std::string::npos) << text;
  // Unfinished: not every shard is in.
  EXPECT_TRUE(Store(out).runs()[0].finished_at.empty());

  // The redone shard added later completes it.
  make_shard(missing, {.index = 1, .count = 3});
  const MergeResult rest = merge_shards({missing}, out);
  EXPECT_TRUE(rest.complete());
  EXPECT_EQ(rest.inserted, expected_1);
  EXPECT_FALSE(Store(out).runs()[0].finished_at.empty());
}

TEST(Merge, MissingItemsOfAShardAreListedUnderIt) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 2);
  const int shard = shard_of("s", item(3), 0, 2);
  // Shard `shard` killed before item 3: unfinished, item 3 missing.
  make_shard(files[shard] = dir.path() / "partial.db",
             {.index = shard, .count = 2, .finish = false, .skip_items = {3}});
  fs::remove(dir.path() / fmt::format("shard-{}.db", shard));
  const MergeResult r = merge_shards(files, dir.path() / "merged.db");
  EXPECT_FALSE(r.complete());
  const auto& missing = r.coverage[0].missing_by_shard;
  ASSERT_TRUE(missing.contains(shard));
  EXPECT_EQ(missing.at(shard).front().item_id, item(3));
  const std::string text = describe_merge(r, dir.path() / "merged.db");
  EXPECT_NE(text.find(fmt::format("of shard {}/2 of run", shard)), std::string::npos) << text;
  EXPECT_NE(text.find("s/item-03#0 (m)"), std::string::npos) << text;
  EXPECT_NE(
      text.find(fmt::format("--shard {}/2 --db {}", shard, (dir.path() / "partial.db").string())),
      std::string::npos)
      << text;
}

TEST(Merge, DuplicatesKeepTheScoredRowThenTheNewer) {
  testing::TempDir dir;
  // Shard 0 twice: first with item errors, then redone (newer) with one item errored the other
  // way round.
  const int count = 1;
  const fs::path a = make_shard(
      dir.path() / "a.db",
      {.index = 0, .count = count, .created = "2026-01-01T00:00:00.000Z", .error_items = {1}});
  const fs::path b = make_shard(
      dir.path() / "b.db",
      {.index = 0, .count = count, .created = "2026-01-02T00:00:00.000Z", .error_items = {2}});
  const fs::path out = dir.path() / "merged.db";
  const MergeResult r = merge_shards({a, b}, out);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.duplicates, kItems * kSamples);
  Store store(out);
  for (const auto& s : store.samples()) {
    // Item 1 errored in the older file, item 2 in the newer: the scored row wins either way.
    EXPECT_TRUE(s.score.has_value()) << s.key.item_id;
    const std::string expect_from =
        s.key.item_id == item(2) ? "2026-01-01T00:00:00.000Z" : "2026-01-02T00:00:00.000Z";
    EXPECT_EQ(s.created_at, expect_from) << s.key.item_id;
  }
  EXPECT_NE(describe_merge(r, out).find("duplicates: 24 samples"), std::string::npos);
}

TEST(Merge, MergingAgainChangesNothingAndARedoneShardReplacesItsRows) {
  testing::TempDir dir;
  const auto files = make_shards(dir.path(), 3);
  const fs::path out = dir.path() / "merged.db";
  merge_shards(files, out);
  const auto before = dump(out);
  const MergeResult again = merge_shards(files, out);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.replaced, 0);
  EXPECT_EQ(again.unchanged, kItems * kSamples);
  EXPECT_EQ(dump(out), before);
  EXPECT_EQ(count_rows(out, "SELECT COUNT(*) FROM merges"), 3);

  // Shard 2 redone later: its newer rows replace the old ones, the others stay.
  fs::remove(files[2]);
  make_shard(files[2], {.index = 2, .count = 3, .created = "2026-02-01T00:00:00.000Z"});
  const MergeResult redo = merge_shards(files, out);
  EXPECT_EQ(redo.replaced, redo.coverage[0].expected_by_shard.at(2));
  std::int64_t newer = 0;
  for (const auto& row : dump(out)) newer += row.find("2026-02-01") != std::string::npos;
  EXPECT_EQ(newer, redo.replaced);
  EXPECT_GT(newer, 0);
}

TEST(Merge, AShardKilledMidWriteLosesNothingCommitted) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 2);
  const fs::path killed = files[1];
  fs::remove(killed);
  // A child writes shard 1 through Store and is killed without closing it: its commits sit in
  // the WAL, which the merge must recover.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto* store = new Store(killed);  // never closed, on purpose
    const RunInfo run = store->open_run(kRun, config(1, 2), "1.0", "abc");
    store->put_run_items(run.id, run_items());
    for (int i = 0; i < kItems; ++i) {
      for (int k = 0; k < kSamples; ++k) {
        if (shard_of("s", item(i), k, 2) == 1) {
          store->put_sample(sample(run.id, i, k, "2026-01-01T00:00:00.000Z"));
        }
      }
    }
    raise(SIGKILL);
    _exit(1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(fs::exists(killed.string() + "-wal"));
  EXPECT_GT(fs::file_size(killed.string() + "-wal"), 0u);

  const fs::path out = dir.path() / "merged.db";
  const MergeResult r = merge_shards(files, out);
  EXPECT_EQ(r.coverage[0].missing(), 0);
  EXPECT_EQ(Store(out).samples().size(), static_cast<std::size_t>(kItems * kSamples));
  // Not finished: the killed shard never said so; --status offers to redo it.
  EXPECT_FALSE(r.complete() && !Store(out).runs()[0].finished_at.empty());
  const ShardStatus st = shard_status(files);
  EXPECT_FALSE(st.complete());
  EXPECT_NE(describe_status(st).find("redo shard 1/2: rbench run"), std::string::npos)
      << describe_status(st);
}

TEST(Merge, StatusListsShardsAndMissingWithRedoCommandsWritingNothing) {
  testing::TempDir dir;
  auto files = make_shards(dir.path(), 4);
  fs::remove(files[3]);
  files.pop_back();
  std::map<fs::path, fs::file_time_type> before;
  for (const auto& f : files) before[f] = fs::last_write_time(f);
  const ShardStatus st = shard_status(files);
  EXPECT_FALSE(st.complete());
  const std::string text = describe_status(st);
  EXPECT_NE(text.find("shard-0.db: shard 0/4 on host-0"), std::string::npos) << text;
  EXPECT_NE(text.find("missing: shard 3/4 of run 'm_s_0000beef' has no file"), std::string::npos)
      << text;
  EXPECT_NE(text.find(fmt::format("redo shard 3/4: rbench run --model m --suite s --samples 2 "
                                  "--shard 3/4 --db {}",
                                  (dir.path() / "shard-3.db").string())),
            std::string::npos)
      << text;
  for (const auto& f : files) EXPECT_EQ(fs::last_write_time(f), before[f]) << f;
}

TEST(Merge, RedoCommandReplacesShardAndDbAndQuotes) {
  EXPECT_EQ(redo_command({"--model", "m", "--shard", "auto", "--shard-count", "8", "--db", "x.db",
                          "--run", "it's mine"},
                         5, 8, "/out dir/shard-5.db"),
            "rbench run --model m --run 'it'\\''s mine' --shard 5/8 --db '/out dir/shard-5.db'");
  EXPECT_EQ(
      redo_command({"rbench", "run", "--shard=2/4", "--db=a.db", "--suite", "s"}, 2, 4, "a.db"),
      "rbench run --suite s --shard 2/4 --db a.db");
}

TEST(Merge, JudgmentsAndProbesComeAlongOnce) {
  testing::TempDir dir;
  const auto files = make_shards(dir.path(), 2);
  {
    Store store(files[0]);
    const std::int64_t run_id = store.runs()[0].id;
    JudgmentRecord j;
    j.run_id = run_id;
    j.suite = "s";
    j.item_id = item(0);
    j.model = "m";
    j.baseline_model = "base";
    j.judge = "judge";
    j.label = "A>B";
    j.attempts = 1;
    j.created_at = "2026-01-01T00:00:00.000Z";
    store.put_judgment(j);
    ProbeRecord p;
    p.run_id = run_id;
    p.kind = "latency";
    p.model = "m";
    p.config_json = "{}";
    p.created_at = "2026-01-01T00:00:00.000Z";
    const std::int64_t probe = store.put_probe(p);
    store.finish_probe(probe, "{\"ok\":true}");
    ProbeRequestRecord q;
    q.probe_id = probe;
    q.load = "concurrency";
    q.load_value = 1;
    q.ok = true;
    store.put_probe_request(q);
  }
  const fs::path out = dir.path() / "merged.db";
  const MergeResult r = merge_shards(files, out);
  EXPECT_EQ(r.judgments, 1);
  EXPECT_EQ(r.probes, 1);
  merge_shards(files, out);
  Store store(out);
  EXPECT_EQ(store.judgments().size(), 1u);
  ASSERT_EQ(store.probes().size(), 1u);
  EXPECT_EQ(store.probes()[0].result_json, "{\"ok\":true}");
  EXPECT_EQ(store.probe_requests(store.probes()[0].id).size(), 1u);
}

TEST(Merge, StoresOfAnUnshardedRunCombineAsOneShard) {
  testing::TempDir dir;
  const fs::path a = make_shard(
      dir.path() / "a.db", {.index = 0, .count = 1, .sharded = false, .skip_items = {0, 1, 2}});
  const fs::path b =
      make_shard(dir.path() / "b.db",
                 {.index = 0, .count = 1, .sharded = false, .skip_items = {3, 4, 5, 6, 7, 8, 9}});
  const MergeResult r = merge_shards({a, b}, dir.path() / "merged.db");
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.inserted, kItems * kSamples);
}

TEST(Merge, GlobsExpandAndAPatternMatchingNothingIsAnError) {
  testing::TempDir dir;
  make_shards(dir.path(), 3);
  const auto paths = expand_shard_paths({(dir.path() / "shard-*.db").string()});
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0].filename(), "shard-0.db");
  try {
    expand_shard_paths({(dir.path() / "nothing-*.db").string()});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing-*.db' matches no file"), std::string::npos);
  }
}

}  // namespace
}  // namespace rbench
