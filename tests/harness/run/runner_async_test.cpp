// The runner with an asynchronous engine (Engine::submit returns at once, results come from the
// engine's own thread): it keeps the model's concurrency in flight from one thread, stores and
// scores every sample as the blocking path does, and drains or cancels on request.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <thread>

#include "common/quiet_run.h"
#include "common/temp_dir.h"
#include "common/twos_suite.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"

namespace rbench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Answers "\boxed{2}" after `delay`, from one thread of its own whatever the number in flight;
// every fifth item ("q5", "q10", ...) fails with an HTTP error. Counts what is in flight and
// which threads called complete().
class DelayedEngine final : public Engine {
 public:
  explicit DelayedEngine(std::chrono::milliseconds delay) : delay_(delay) {
    worker_ = std::jthread([this](std::stop_token quit) { serve(quit); });
  }
  ~DelayedEngine() override {
    worker_.request_stop();
    wake_.notify_all();
  }

  Completion complete(const ChatRequest&, TokenSink*, std::stop_token) override {
    ++blocking_calls;
    return {};
  }
  void submit(ChatRequest request, TokenSink*, std::stop_token stop,
              std::move_only_function<void(Completion)> done) override {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    ++submitted;
    {
      std::lock_guard lock(mutex_);
      pending_.push({Clock::now() + delay_, sequence_++, std::move(request), std::move(stop),
                     std::move(done)});
    }
    wake_.notify_all();
  }
  bool asynchronous() const override { return true; }
  std::string describe() const override { return "delayed"; }

  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int> submitted{0};
  std::atomic<int> blocking_calls{0};
  std::set<std::thread::id> done_threads;  // written by the worker only

 private:
  struct Job {
    Clock::time_point due;
    std::uint64_t sequence;
    ChatRequest request;
    std::stop_token stop;
    std::move_only_function<void(Completion)> done;
    bool operator>(const Job& other) const {
      return due != other.due ? due > other.due : sequence > other.sequence;
    }
  };

  void serve(std::stop_token quit) {
    std::unique_lock lock(mutex_);
    while (!quit.stop_requested()) {
      if (pending_.empty()) {
        wake_.wait_for(lock, 10ms);
        continue;
      }
      const Clock::time_point due = pending_.top().due;
      const bool cancelled = pending_.top().stop.stop_requested();
      if (!cancelled && Clock::now() < due) {
        wake_.wait_until(lock, std::min(due, Clock::now() + 10ms));
        continue;
      }
      Job job = std::move(const_cast<Job&>(pending_.top()));
      pending_.pop();
      lock.unlock();
      Completion c;
      const std::string& question = job.request.messages.back().content;
      if (cancelled) {
        c.error_kind = ErrorKind::cancelled;
        c.error = "cancelled";
      } else if (question.find("item 5 ") != std::string::npos) {
        c.error_kind = ErrorKind::http;
        c.http_status = 500;
        c.error = "HTTP 500";
      } else {
        c.answer = "The answer is \\boxed{2}";
        c.finish_reason = "stop";
        c.usage = {10, 5, 0};
      }
      done_threads.insert(std::this_thread::get_id());
      --in_flight;
      job.done(std::move(c));
      lock.lock();
    }
  }

  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<Job, std::vector<Job>, std::greater<>> pending_;
  std::uint64_t sequence_ = 0;
  std::jthread worker_;  // last: stopped and joined before the queue goes
};

RunSpec spec_with(std::unique_ptr<Engine> engine, int concurrency, int items) {
  RunSpec spec;
  spec.run_name = "async";
  ModelEntry m;
  m.label = "delayed";
  m.profile.name = "delayed";
  m.profile.api_model = "delayed";
  m.engine = std::move(engine);
  m.concurrency = concurrency;
  spec.models.push_back(std::move(m));
  // "item N " tells the engine which one it is; every fifth fails.
  spec.suites.push_back(rbench::testing::twos_suite(
      items, [](int i) { return "What is 1 + 1? (item " + std::to_string(i % 5) + " )"; }));
  spec.samples = 2;
  return spec;
}

TEST(RunnerAsync, KeepsTheConcurrencyInFlightFromOneThreadAndStoresEverySample) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  auto engine = std::make_unique<DelayedEngine>(20ms);
  DelayedEngine* fake = engine.get();
  RunSpec spec = spec_with(std::move(engine), 16, 40);  // 80 samples, 16 at a time
  const auto started = Clock::now();
  const RunSummary summary = testing::quiet_run(store, spec);
  const auto elapsed = Clock::now() - started;

  EXPECT_EQ(summary.planned, 80u);
  EXPECT_EQ(summary.finished, 80u);
  EXPECT_EQ(summary.errors, 0u);  // "item 5 " never occurs: i % 5 is 0..4
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(fake->blocking_calls.load(), 0);
  EXPECT_EQ(fake->submitted.load(), 80);
  EXPECT_EQ(fake->max_in_flight.load(), 16);
  EXPECT_EQ(fake->done_threads.size(), 1u);
  // 80 requests of 20 ms, 16 at a time: five rounds, not eighty.
  EXPECT_LT(elapsed, 1000ms);

  const auto rows = store.samples();
  ASSERT_EQ(rows.size(), 80u);
  std::set<std::pair<std::string, int>> keys;
  for (const SampleRecord& r : rows) {
    keys.insert({r.key.item_id, r.key.sample_index});
    ASSERT_TRUE(r.score.has_value()) << r.key.item_id;
    EXPECT_TRUE(r.score->correct);
    EXPECT_FALSE(r.created_at.empty());
    EXPECT_NE(r.prompt_json.find("What is 1 + 1?"), std::string::npos);
  }
  EXPECT_EQ(keys.size(), 80u);
}

TEST(RunnerAsync, FailuresAreStoredAndCountedAsErrors) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = spec_with(std::make_unique<DelayedEngine>(1ms), 4, 10);
  for (Item& item : spec.suites[0].items) {
    if (item.id == "q3") item.question = "What is 1 + 1? (item 5 )";
  }
  const RunSummary summary = testing::quiet_run(store, spec);
  EXPECT_EQ(summary.finished, 20u);
  EXPECT_EQ(summary.errors, 2u);  // q3's two samples
  for (const SampleRecord& r : store.samples()) {
    EXPECT_EQ(r.completion.ok(), r.key.item_id != "q3") << r.key.item_id;
  }
}

TEST(RunnerAsync, DrainStopsSubmittingLetsInFlightFinishAndResumeDoesTheRest) {
  testing::TempDir dir;
  const auto db = dir.path() / "r.db";
  std::stop_source drain;
  {
    Store store(db);
    auto engine = std::make_unique<DelayedEngine>(30ms);
    DelayedEngine* fake = engine.get();
    RunSpec spec = spec_with(std::move(engine), 8, 50);  // 100 samples
    std::jthread stopper([&] {
      while (fake->submitted.load() < 20) std::this_thread::sleep_for(1ms);
      drain.request_stop();
    });
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> sink(std::tmpfile(), &std::fclose);
    Progress progress(sink.get(), false);
    const RunSummary summary = Runner(store, progress).run(spec, {drain.get_token(), {}});
    EXPECT_TRUE(summary.interrupted);
    // Everything submitted finished and was stored; nothing more was started.
    EXPECT_EQ(static_cast<int>(summary.finished), fake->submitted.load());
    EXPECT_LT(summary.finished, 100u);
    EXPECT_EQ(fake->in_flight.load(), 0);
  }
  Store store(db);
  RunSpec spec = spec_with(std::make_unique<DelayedEngine>(1ms), 8, 50);
  const RunSummary resumed = testing::quiet_run(store, spec);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.skipped + resumed.finished, 100u);
  EXPECT_EQ(store.samples().size(), 100u);
}

TEST(RunnerAsync, CancelEndsInFlightRequestsWithoutStoringThem) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  auto engine = std::make_unique<DelayedEngine>(60s);  // never answers by itself
  DelayedEngine* fake = engine.get();
  RunSpec spec = spec_with(std::move(engine), 32, 50);
  std::stop_source drain, cancel;
  std::jthread stopper([&] {
    while (fake->submitted.load() < 32) std::this_thread::sleep_for(1ms);
    drain.request_stop();
    cancel.request_stop();
  });
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> sink(std::tmpfile(), &std::fclose);
  Progress progress(sink.get(), false);
  const auto started = Clock::now();
  const RunSummary summary =
      Runner(store, progress).run(spec, {drain.get_token(), cancel.get_token()});
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(summary.finished, 0u);
  EXPECT_TRUE(store.samples().empty());
  EXPECT_EQ(fake->submitted.load(), 32);
}

}  // namespace
}  // namespace rbench
