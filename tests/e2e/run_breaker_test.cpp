// End to end: `rbench run` against a dead endpoint (a port nothing listens on, a server that
// answers 401 or 404 to everything) stops after the circuit breaker's 20 requests, not the whole
// suite, exits 1 with a one-line reason and keeps what it stored; the same command pointed at a
// healthy server then resumes to completion with every sample once. Rate limits and server
// errors do not trip it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

using namespace std::chrono_literals;

constexpr int kItems = 60;  // demo-math has at least this many
constexpr int kSamples = 2;
constexpr int kConcurrency = 4;
constexpr std::size_t kPlanned = kItems * kSamples;
constexpr int kWindow = 20;  // the default --breaker

// A loopback port nothing listens on: bound by the kernel's choice, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() on 127.0.0.1:0 failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string url(int port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/v1";
}

std::vector<std::string> run_args(const std::string& base_url, const std::filesystem::path& db,
                                  const std::string& model = "mock",
                                  int concurrency = kConcurrency) {
  return {"run",
          "--model",
          model,
          "--base-url",
          base_url,
          "--suite",
          "demo-math",
          "--limit",
          std::to_string(kItems),
          "--samples",
          std::to_string(kSamples),
          "--concurrency",
          std::to_string(concurrency),
          "--run",
          "e2e",
          "--quiet",
          "--db",
          db.string()};
}

// The run stopped by the breaker: exit 1, the one-line reason, the window's samples stored (and
// at most those in flight as it tripped), not the suite.
void expect_stopped(int rc, const std::string& output, const std::string& base_url,
                    const std::string& cause, const std::filesystem::path& db) {
  EXPECT_EQ(rc, 1) << output;
  const std::string line = "rbench: stopping: the last 20 requests to " + base_url + " failed (";
  const auto at = output.find(line);
  ASSERT_NE(at, std::string::npos) << output;
  const std::string rest = output.substr(at, output.find('\n', at) - at);
  EXPECT_NE(rest.find(cause), std::string::npos) << rest;
  EXPECT_NE(rest.find("; 0 of 120 samples stored; rerun the same command to resume"),
            std::string::npos)
      << rest;
  Store store(db);
  const auto rows = store.samples();
  EXPECT_GE(rows.size(), static_cast<std::size_t>(kWindow));
  EXPECT_LT(rows.size(), static_cast<std::size_t>(kWindow + kConcurrency));
  for (const auto& r : rows) EXPECT_FALSE(r.completion.ok());
  ASSERT_EQ(store.runs().size(), 1u);
  EXPECT_TRUE(store.runs()[0].finished_at.empty());
}

// The same command, pointed at a healthy mock, finishes the run: every sample once, all answered,
// and only what was missing asked for.
void expect_resumes(const std::filesystem::path& db, const std::string& model = "mock") {
  MockOpenAIServer healthy;
  healthy.start();
  std::string output;
  ASSERT_EQ(run_rbench(run_args(healthy.base_url(), db, model), output), 0) << output;
  EXPECT_EQ(healthy.requests_received(), kPlanned);  // errored samples are redone, none twice
  Store store(db);
  std::map<SampleKey, int> seen;
  for (const auto& r : store.samples()) {
    ++seen[r.key];
    EXPECT_TRUE(r.completion.ok()) << r.key.item_id << ": " << r.completion.error;
  }
  EXPECT_EQ(seen.size(), kPlanned);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key.item_id;
  EXPECT_FALSE(store.runs()[0].finished_at.empty());
}

TEST(RunBreaker, APortNothingListensOnStopsAfterTwentyRequestsThenResumes) {
  TempDir dir;
  const auto db = dir.path() / "results.db";
  const std::string dead = url(closed_port());
  std::string output;
  const int rc = run_rbench(run_args(dead, db), output, 60s);
  expect_stopped(rc, output, dead, "connection", db);
  expect_resumes(db);
}

class RunBreakerStatus : public ::testing::TestWithParam<const char*> {};

TEST_P(RunBreakerStatus, AServerRefusingEveryRequestStopsAfterTwentyThenResumes) {
  const std::string status = GetParam();
  MockServerOptions options;
  options.faults = parse_fault_spec(status);
  options.faults.resize(kPlanned, options.faults.front());  // every request of the run
  MockOpenAIServer refusing(options);
  refusing.start();
  TempDir dir;
  const auto db = dir.path() / "results.db";
  std::string output;
  const int rc = run_rbench(run_args(refusing.base_url(), db), output, 60s);
  expect_stopped(rc, output, refusing.base_url(), "HTTP " + status, db);
  // 401 and 404 are not retried: one request per sample.
  EXPECT_GE(refusing.requests_received(), static_cast<std::size_t>(kWindow));
  EXPECT_LT(refusing.requests_received(), static_cast<std::size_t>(kWindow + kConcurrency));
  expect_resumes(db);
}

INSTANTIATE_TEST_SUITE_P(Statuses, RunBreakerStatus, ::testing::Values("401", "403", "404"));

TEST(RunBreaker, RateLimitsAndServerErrorsDoNotTripIt) {
  // 40 requests in a row fail with 429 or 500, twice the window: with one attempt per sample
  // they are 40 errored samples, and the run still goes through the whole suite.
  MockServerOptions options;
  for (int i = 0; i < 40; ++i)
    options.faults.push_back({i % 2 ? FaultKind::rate_limit : FaultKind::server_error, 0});
  MockOpenAIServer flaky(options);
  flaky.start();
  TempDir dir;
  const auto db = dir.path() / "results.db";
  const std::string profile = (dir.path() / "once.json").string();
  {
    std::ofstream out(profile);
    out << R"({"name": "once", "base_url": ")" << flaky.base_url()
        << R"(", "api_model": "mock", "max_attempts": 1, "concurrency": 4})";
  }
  std::string output;
  EXPECT_EQ(run_rbench(run_args(flaky.base_url(), db, profile), output, 60s), 0) << output;
  EXPECT_EQ(output.find("stopping"), std::string::npos) << output;
  EXPECT_EQ(flaky.requests_received(), kPlanned);
  Store store(db);
  std::size_t errors = 0;
  for (const auto& r : store.samples()) errors += r.completion.ok() ? 0 : 1;
  EXPECT_EQ(errors, 40u);
  EXPECT_EQ(store.samples().size(), kPlanned);
}

TEST(RunBreaker, TheWindowIsAFlag) {
  TempDir dir;
  const auto db = dir.path() / "results.db";
  const std::string dead = url(closed_port());
  auto args = run_args(dead, db, "mock", 1);
  args.insert(args.end(), {"--breaker", "3"});
  std::string output;
  EXPECT_EQ(run_rbench(args, output, 60s), 1) << output;
  EXPECT_NE(output.find("rbench: stopping: the last 3 requests to " + dead), std::string::npos)
      << output;
  Store store(db);
  EXPECT_EQ(store.samples().size(), 3u);  // one request at a time: exactly the window
}

TEST(RunBreaker, ADeadJudgeStopsJudgingAfterTwentyCallsThenResumes) {
  const std::string data = RBENCH_SHARED_DATA_DIR;
  if (!std::filesystem::exists(std::filesystem::path(data) /
                               "arena-hard/arena-hard-v0.1/question.jsonl")) {
    GTEST_SKIP() << "no arena-hard data in " << data;
  }
  constexpr int kQuestions = 30;  // 60 games
  MockOpenAIServer model;
  model.start();
  TempDir dir;
  const auto db = dir.path() / "pairwise.db";
  const auto args = [&](const std::string& judge_url) {
    return std::vector<std::string>{"run",
                                    "--model",
                                    "mock",
                                    "--base-url",
                                    model.base_url(),
                                    "--suite",
                                    "arena-hard",
                                    "--limit",
                                    std::to_string(kQuestions),
                                    "--data-dir",
                                    data,
                                    "--db",
                                    db.string(),
                                    "--run",
                                    "judged",
                                    "--quiet",
                                    "--judge",
                                    "mock",
                                    "--judge-base-url",
                                    judge_url};
  };
  const std::string dead = url(closed_port());
  std::string output;
  EXPECT_EQ(run_rbench(args(dead), output, 60s), 1) << output;
  EXPECT_NE(output.find("rbench: stopping the judge: the last 20 requests to " + dead +
                        " failed (connection"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find(" of 60 games judged; rerun the same command to resume"),
            std::string::npos)
      << output;
  EXPECT_EQ(model.requests_received(), static_cast<std::size_t>(kQuestions));
  // Pointed at a live judge, the same command judges every game and asks the model nothing.
  ASSERT_EQ(run_rbench(args(model.base_url()), output), 0) << output;
  EXPECT_EQ(model.requests_received(), static_cast<std::size_t>(kQuestions + 60));
  Store store(db);
  const auto judgments = store.judgments(store.runs()[0].id);
  EXPECT_EQ(judgments.size(), 60u);  // one per game: the stopped run stored none twice
  for (const auto& j : judgments) EXPECT_NE(j.status, "error") << j.item_id << ": " << j.error;
}

}  // namespace
}  // namespace rbench::test
