// End to end: the rbench binary against the mock OpenAI server on 127.0.0.1, into a real SQLite
// file. A run killed with SIGKILL half way and run again ends with exactly one row per
// (model, item, sample); Ctrl-C keeps what finished; faults end as counted errors.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

using namespace std::chrono_literals;

constexpr int kDemoItems = 60;  // data/suites/demo-math.jsonl has at least this many

std::vector<std::string> run_args(int port, const std::filesystem::path& db, int samples = 1) {
  return {RBENCH_BINARY,   "run",
          "--model",       "mock",
          "--base-url",    "http://127.0.0.1:" + std::to_string(port) + "/v1",
          "--suite",       "demo-math",
          "--limit",       std::to_string(kDemoItems),
          "--samples",     std::to_string(samples),
          "--concurrency", "4",
          "--run",         "e2e",
          "--quiet",       "--db",
          db.string()};
}

std::size_t stored_samples(const std::filesystem::path& db) {
  if (!std::filesystem::exists(db)) return 0;
  try {
    Store store(db);
    return store.samples().size();
  } catch (const std::exception&) {
    return 0;  // the run may be creating the schema right now
  }
}

TEST(RunResume, KilledHalfWayThenResumedHasEveryRowOnce) {
  MockServerOptions options;
  options.token_delay_ms = 4;  // slow enough that a kill lands mid-run
  MockOpenAIServer server(options);
  server.start();
  TempDir dir;
  const auto db = dir.path() / "results.db";
  const int samples = 2;
  const std::size_t total = kDemoItems * samples;

  std::size_t before_kill = 0;
  {
    Subprocess first(run_args(server.port(), db, samples), dir.path() / "first.log");
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      before_kill = stored_samples(db);
      if (before_kill >= total / 3) break;
      ASSERT_TRUE(first.running()) << read_file(dir.path() / "first.log");
      std::this_thread::sleep_for(20ms);
    }
    first.signal(SIGKILL);
    ASSERT_EQ(first.wait(10s), 128 + SIGKILL);
  }
  const std::size_t after_kill = stored_samples(db);
  ASSERT_GE(after_kill, total / 3);
  ASSERT_LT(after_kill, total) << "the kill came too late to test anything";
  const auto requests_before = server.requests_received();

  std::string output;
  auto args = run_args(server.port(), db, samples);
  args.erase(args.begin());
  ASSERT_EQ(run_rbench(args, output), 0) << output;

  Store store(db);
  const auto rows = store.samples();
  ASSERT_EQ(rows.size(), total);
  std::map<SampleKey, int> seen;
  for (const auto& r : rows) ++seen[r.key];
  for (const auto& [key, count] : seen)
    EXPECT_EQ(count, 1) << key.item_id << "#" << key.sample_index;
  EXPECT_EQ(seen.size(), total);
  for (const auto& r : rows) {
    EXPECT_TRUE(r.completion.ok()) << r.completion.error;
    EXPECT_TRUE(r.score.has_value());
  }
  // The second run asked only for what was missing (the in-flight ones at the kill included).
  const auto second_requests = server.requests_received() - requests_before;
  EXPECT_EQ(second_requests, total - after_kill);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].finished_at.empty());
}

TEST(RunResume, InterruptKeepsFinishedSamplesAndExits130) {
  MockServerOptions options;
  options.token_delay_ms = 4;
  MockOpenAIServer server(options);
  server.start();
  TempDir dir;
  const auto db = dir.path() / "results.db";
  Subprocess run(run_args(server.port(), db), dir.path() / "run.log");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (stored_samples(db) < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(30s), 130) << read_file(dir.path() / "run.log");
  const std::size_t kept = stored_samples(db);
  EXPECT_GE(kept, 5u);
  EXPECT_LT(kept, static_cast<std::size_t>(kDemoItems));
  EXPECT_NE(read_file(dir.path() / "run.log").find("interrupted"), std::string::npos);
  // Finishing it stores the rest; nothing is duplicated.
  std::string output;
  auto args = run_args(server.port(), db);
  args.erase(args.begin());
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_EQ(stored_samples(db), static_cast<std::size_t>(kDemoItems));
}

TEST(RunResume, FaultsEndAsCountedErrorsThatAResumeRetries) {
  MockServerOptions options;
  // Every request fails until the script runs out: with 2 tries per sample, the first samples
  // exhaust their retries and are stored as errors, never as answers.
  options.faults = parse_fault_spec("500,500,500,500,500,500");
  MockOpenAIServer server(options);
  server.start();
  TempDir dir;
  const auto db = dir.path() / "results.db";
  const std::string profile = (dir.path() / "flaky.json").string();
  {
    std::ofstream out(profile);
    out << R"({"name": "flaky", "base_url": "http://127.0.0.1:)" << server.port()
        << R"(/v1", "api_model": "mock", "max_attempts": 2, "backoff_base_s": 0.01,
              "backoff_max_s": 0.02, "concurrency": 1})";
  }
  std::string output;
  const std::vector<std::string> args{"run",       "--model", profile, "--suite",
                                      "demo-math", "--limit", "5",     "--db",
                                      db.string(), "--quiet", "--run", "faults"};
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  {
    Store store(db);
    const auto rows = store.samples();
    ASSERT_EQ(rows.size(), 5u);
    int errors = 0;
    for (const auto& r : rows) {
      if (!r.completion.ok()) {
        ++errors;
        EXPECT_EQ(r.completion.error_kind, ErrorKind::http);
        EXPECT_FALSE(r.score.has_value());
        EXPECT_EQ(r.completion.attempts, 2);
      }
    }
    EXPECT_EQ(errors, 3);
    EXPECT_EQ(store.completed(rows[0].run_id).size(), 2u);
  }
  // The faults are used up: a resume retries the 3 errored samples and only those.
  const auto before = server.requests_received();
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_EQ(server.requests_received() - before, 3u);
  Store store(db);
  for (const auto& r : store.samples()) EXPECT_TRUE(r.completion.ok()) << r.key.item_id;
}

}  // namespace
}  // namespace rbench::test
