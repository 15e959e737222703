// The runner's circuit breaker, on both paths (a blocking engine on TBB threads, an asynchronous
// one from the model's thread): a dead endpoint stops the run after the window's requests, keeps
// what was stored, leaves the run unfinished, and the same spec resumes it to completion once
// the endpoint is back; rate limits and server errors go through the whole suite as before.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>

#include "common/quiet_run.h"
#include "common/temp_dir.h"
#include "common/twos_suite.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"

namespace rbench {
namespace {

// Fails every request with `failure` while `down`, answers "\boxed{2}" otherwise. Asynchronous
// or not as asked: the default submit() runs complete() and calls `done` before it returns.
class SwitchableEngine final : public Engine {
 public:
  SwitchableEngine(Completion failure, bool async) : failure_(std::move(failure)), async_(async) {}
  Completion complete(const ChatRequest&, TokenSink*, std::stop_token stop) override {
    ++calls;
    if (stop.stop_requested()) {
      Completion c;
      c.error_kind = ErrorKind::cancelled;
      c.error = "cancelled";
      return c;
    }
    if (down) return failure_;
    Completion c;
    c.answer = "The answer is \\boxed{2}";
    c.finish_reason = "stop";
    return c;
  }
  bool asynchronous() const override { return async_; }
  std::string describe() const override { return "switchable"; }

  std::atomic<int> calls{0};
  std::atomic<bool> down{true};

 private:
  Completion failure_;
  bool async_;
};

Completion failure(ErrorKind kind, int status) {
  Completion c;
  c.error_kind = kind;
  c.http_status = status;
  c.error = status ? "HTTP " + std::to_string(status) : "connection: Connection refused";
  return c;
}

constexpr int kItems = 60;

RunSpec spec_with(std::shared_ptr<SwitchableEngine> engine, int concurrency) {
  // The runner owns its engines; the test keeps its own handle on the same one.
  struct Borrowed final : Engine {
    std::shared_ptr<SwitchableEngine> e;
    Completion complete(const ChatRequest& r, TokenSink* s, std::stop_token t) override {
      return e->complete(r, s, std::move(t));
    }
    bool asynchronous() const override { return e->asynchronous(); }
    std::string describe() const override { return e->describe(); }
  };
  auto borrowed = std::make_unique<Borrowed>();
  borrowed->e = std::move(engine);
  RunSpec spec;
  spec.run_name = "breaker";
  ModelEntry m;
  m.label = "dead";
  m.profile.name = "dead";
  m.profile.api_model = "dead";
  m.profile.base_url = "http://127.0.0.1:9/v1";
  m.engine = std::move(borrowed);
  m.concurrency = concurrency;
  spec.models.push_back(std::move(m));
  spec.suites.push_back(rbench::testing::twos_suite(kItems));
  return spec;
}

struct Case {
  bool async;
  int concurrency;
};

class RunnerBreaker : public ::testing::TestWithParam<Case> {};

TEST_P(RunnerBreaker, ADeadEndpointStopsAfterTheWindowAndTheSameSpecResumes) {
  const Case param = GetParam();
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  auto engine = std::make_shared<SwitchableEngine>(failure(ErrorKind::connection, 0), param.async);
  RunSpec spec = spec_with(engine, param.concurrency);
  const RunSummary first = testing::quiet_run(store, spec);
  ASSERT_EQ(first.breaker_trips.size(), 1u);
  EXPECT_NE(first.breaker_trips[0].find("the last 20 requests to http://127.0.0.1:9/v1 failed "
                                        "(connection: Connection refused)"),
            std::string::npos)
      << first.breaker_trips[0];
  EXPECT_FALSE(first.interrupted);
  // The window's requests, and at most those already in flight when it tripped.
  EXPECT_GE(engine->calls.load(), kBreakerWindow);
  EXPECT_LT(engine->calls.load(), kBreakerWindow + param.concurrency);
  const std::size_t stored = store.samples().size();
  EXPECT_GE(stored, static_cast<std::size_t>(kBreakerWindow));
  EXPECT_LT(stored, static_cast<std::size_t>(kBreakerWindow + param.concurrency));
  ASSERT_EQ(store.runs().size(), 1u);
  EXPECT_TRUE(store.runs()[0].finished_at.empty()) << "a stopped run is not finished";

  engine->down = false;
  RunSpec again = spec_with(engine, param.concurrency);
  const RunSummary second = testing::quiet_run(store, again);
  EXPECT_TRUE(second.breaker_trips.empty());
  EXPECT_EQ(second.finished, static_cast<std::size_t>(kItems));  // the errored ones redone
  std::map<std::string, int> seen;
  for (const SampleRecord& r : store.samples()) {
    ++seen[r.key.item_id];
    EXPECT_TRUE(r.completion.ok()) << r.key.item_id;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kItems));
  for (const auto& [item, count] : seen) EXPECT_EQ(count, 1) << item;
  EXPECT_FALSE(store.runs()[0].finished_at.empty());
}

INSTANTIATE_TEST_SUITE_P(Paths, RunnerBreaker,
                         ::testing::Values(Case{false, 1}, Case{false, 4}, Case{true, 1},
                                           Case{true, 4}),
                         [](const auto& info) {
                           return std::string(info.param.async ? "Async" : "Blocking") +
                                  std::to_string(info.param.concurrency);
                         });

TEST(RunnerBreakerFailures, RateLimitsServerErrorsAndBadRequestsGoThroughTheWholeSuite) {
  for (int status : {429, 500, 503, 400}) {
    testing::TempDir dir;
    Store store(dir.path() / "r.db");
    auto engine = std::make_shared<SwitchableEngine>(failure(ErrorKind::http, status), true);
    RunSpec spec = spec_with(engine, 4);
    const RunSummary summary = testing::quiet_run(store, spec);
    EXPECT_TRUE(summary.breaker_trips.empty()) << status;
    EXPECT_EQ(summary.errors, static_cast<std::size_t>(kItems)) << status;
    EXPECT_EQ(engine->calls.load(), kItems) << status;
  }
}

TEST(RunnerBreakerFailures, WindowZeroTurnsItOff) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  auto engine = std::make_shared<SwitchableEngine>(failure(ErrorKind::http, 401), false);
  RunSpec spec = spec_with(engine, 2);
  spec.breaker_window = 0;
  const RunSummary summary = testing::quiet_run(store, spec);
  EXPECT_TRUE(summary.breaker_trips.empty());
  EXPECT_EQ(engine->calls.load(), kItems);
  EXPECT_FALSE(store.runs()[0].finished_at.empty());
}

}  // namespace
}  // namespace rbench
