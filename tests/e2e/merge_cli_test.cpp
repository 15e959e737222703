// End to end: `rbench run --shard I/N` against the mock server into one file per shard, then
// `rbench merge`: the merged report equals a single-process run's (timing fields masked), a
// missing shard gives exit status 1 and the command that redoes it (which works), shards of
// another run are refused (exit 2), and two merges into one store at once both end right.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <string_view>
#include <thread>

#include "e2e/subprocess.h"
#include "harness/core/json_writer.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kShards = 3;

std::vector<std::string> run_args(const MockOpenAIServer& server, const fs::path& db,
                                  const std::string& shard, int samples = 2) {
  std::vector<std::string> args{
      "run",       "--model",  "mock", "--base-url", server.base_url(),       "--suite",
      "demo-math", "--limit",  "12",   "--samples",  std::to_string(samples), "--quiet",
      "--db",      db.string()};
  if (!shard.empty()) {
    args.push_back("--shard");
    args.push_back(shard);
  }
  return args;
}

void run_ok(const std::vector<std::string>& args) {
  std::string out;
  ASSERT_EQ(run_rbench(args, out), 0) << out;
}

// The JSON report with what legitimately differs between a sharded and a single run removed:
// times, speeds and busy time, the file it came from, hosts.
std::string masked_report(const fs::path& db) {
  std::string out;
  const fs::path json = db.string() + ".report.json";
  EXPECT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, out), 0) << out;
  rapidjson::Document doc;
  const std::string text = read_file(json);
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  const auto mask = [](auto& self, rapidjson::Value& v) -> void {
    if (v.IsObject()) {
      for (const char* key :
           {"started_at", "finished_at", "generated_from", "latency", "speed", "busy_s"}) {
        v.EraseMember(key);
      }
      for (auto m = v.MemberBegin(); m != v.MemberEnd();) {
        if (std::string_view(m->name.GetString()).find("host") != std::string_view::npos) {
          m = v.EraseMember(m);
        } else {
          self(self, m->value);
          ++m;
        }
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) self(self, e);
    }
  };
  mask(mask, doc);
  return json::to_string(doc);
}

struct Shards {
  MockOpenAIServer server;
  TempDir dir;
  std::vector<fs::path> files;
  Shards() {
    server.start();
    for (int i = 0; i < kShards; ++i) {
      files.push_back(dir.path() / ("shard-" + std::to_string(i) + ".db"));
      run_ok(run_args(server, files.back(), std::to_string(i) + "/" + std::to_string(kShards)));
    }
  }
};

TEST(MergeCli, MergedShardsReportAsTheSingleProcessRun) {
  Shards s;
  const fs::path single = s.dir.path() / "single.db";
  run_ok(run_args(s.server, single, ""));
  const fs::path merged = s.dir.path() / "merged.db";
  std::string out;
  // A quoted glob, expanded by rbench.
  ASSERT_EQ(
      run_rbench({"merge", "--db", merged.string(), (s.dir.path() / "shard-*.db").string()}, out),
      0)
      << out;
  EXPECT_NE(out.find("24 of 24 samples present"), std::string::npos) << out;
  EXPECT_EQ(masked_report(merged), masked_report(single));
  // Idempotent: merging again changes nothing.
  ASSERT_EQ(
      run_rbench({"merge", "--db", merged.string(), (s.dir.path() / "shard-*.db").string()}, out),
      0)
      << out;
  EXPECT_NE(out.find("0 new, 0 replaced, 24 unchanged"), std::string::npos) << out;
  EXPECT_EQ(masked_report(merged), masked_report(single));
}

TEST(MergeCli, AMissingShardExitsOneAndItsRedoCommandCompletesTheMerge) {
  Shards s;
  fs::remove(s.files[1]);
  const fs::path merged = s.dir.path() / "merged.db";
  const std::string glob = (s.dir.path() / "shard-*.db").string();
  std::string out;
  EXPECT_EQ(run_rbench({"merge", "--db", merged.string(), glob}, out), 1) << out;
  EXPECT_TRUE(fs::exists(merged));
  EXPECT_NE(out.find("missing: shard 1/3"), std::string::npos) << out;
  EXPECT_NE(out.find("INCOMPLETE"), std::string::npos) << out;

  EXPECT_EQ(run_rbench({"merge", "--status", glob}, out), 1) << out;
  const std::string marker = "redo shard 1/3: rbench ";
  const auto at = out.find(marker);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string command =
      std::string(RBENCH_BINARY) + " " +
      out.substr(at + marker.size(), out.find('\n', at) - at - marker.size()) + " 2>/dev/null";
  EXPECT_NE(command.find("--db " + s.files[1].string()), std::string::npos) << command;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  EXPECT_EQ(run_rbench({"merge", "--status", glob}, out), 0) << out;
  EXPECT_EQ(run_rbench({"merge", "--db", merged.string(), glob}, out), 0) << out;
  EXPECT_NE(out.find("24 of 24 samples present"), std::string::npos) << out;
}

TEST(MergeCli, ShardsOfAnotherRunAreRefusedWithExitTwo) {
  Shards s;
  const fs::path other = s.dir.path() / "other.db";
  run_ok(run_args(s.server, other, "1/3", 1));
  std::string out;
  EXPECT_EQ(run_rbench({"merge", "--db", (s.dir.path() / "merged.db").string(), s.files[0].string(),
                        other.string()},
                       out),
            2)
      << out;
  // Another --samples is another run name too: the run lists differ.
  EXPECT_NE(out.find("other.db: holds run(s)"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(s.dir.path() / "merged.db"));

  fs::path text = s.dir.path() / "text.db";
  { std::ofstream(text) << "hello\n"; }
  EXPECT_EQ(run_rbench({"merge", "--db", (s.dir.path() / "merged.db").string(), s.files[0].string(),
                        text.string()},
                       out),
            2)
      << out;
  EXPECT_NE(out.find("text.db: not an rbench store"), std::string::npos) << out;
  EXPECT_EQ(run_rbench({"merge", "--db", (s.dir.path() / "merged.db").string(),
                        (s.dir.path() / "nope-*.db").string()},
                       out),
            2)
      << out;
  EXPECT_NE(out.find("matches no file"), std::string::npos) << out;
}

TEST(MergeCli, TwoMergesAtOnceBothEndWithTheRightRows) {
  Shards s;
  const fs::path merged = s.dir.path() / "merged.db";
  std::vector<std::string> args{RBENCH_BINARY, "merge", "--db", merged.string()};
  for (const auto& f : s.files) args.push_back(f.string());
  {
    Subprocess a(args, s.dir.path() / "a.log");
    Subprocess b(args, s.dir.path() / "b.log");
    EXPECT_EQ(a.wait(60s), 0) << read_file(s.dir.path() / "a.log");
    EXPECT_EQ(b.wait(60s), 0) << read_file(s.dir.path() / "b.log");
  }
  EXPECT_EQ(Store(merged).samples().size(), 24u);

  // Another writer holds OUT: the merge says it waits, then carries on once it is free...
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(merged.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  {
    Subprocess waiting(args, s.dir.path() / "c.log");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (read_file(s.dir.path() / "c.log").find("waiting for another merge") ==
               std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(waiting.running());
    ASSERT_EQ(sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(waiting.wait(60s), 0) << read_file(s.dir.path() / "c.log");
  }
  // ... or refuses after --lock-timeout, merging nothing.
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto timed = args;
  timed.erase(timed.begin());
  timed.insert(timed.end(), {"--lock-timeout", "1"});
  std::string out;
  EXPECT_EQ(run_rbench(timed, out), 1) << out;
  EXPECT_NE(out.find("held the store for over 1 s; nothing was merged"), std::string::npos) << out;
  sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  EXPECT_EQ(Store(merged).samples().size(), 24u);
}

}  // namespace
}  // namespace rbench::test
