// OpenAIClient::submit on the event loop: many slow requests in flight without a thread each,
// the client-side rate limit deferring attempts on the loop's clock (no thread sleeps), a stop
// during that deferral, and a client destroyed with requests in flight.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "engines/engine_test_util.h"
#include "engines/openai/openai_client.h"
#include "engines/openai/rate_limiter.h"
#include "harness/net/process_threads.h"

namespace rbench::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Done {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Completion> completions;

  std::move_only_function<void(Completion)> collect() {
    return [this](Completion c) {
      std::lock_guard lock(mutex);
      completions.push_back(std::move(c));
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return completions.size() >= n; });
  }
};

TEST(ClientAsync, SubmitHoldsManySlowRequestsWithoutAThreadEach) {
  // Under the mock's 128 server threads (a request beyond them waits for a free one).
  constexpr int kRequests = 120;
  MockServerOptions options;
  options.token_delay_ms = 5;
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  ASSERT_TRUE(client.asynchronous());
  // The mock starts a thread per connection as they arrive and keeps them: a first round grows
  // its pool.
  Done warm_up;
  for (int i = 0; i < kRequests; ++i) client.submit(ask("1 and 2"), nullptr, {}, warm_up.collect());
  ASSERT_TRUE(warm_up.wait_for(kRequests, std::chrono::seconds(60)));
  const int before = process_threads_but_connections();
  Done done;
  for (int i = 0; i < kRequests; ++i) client.submit(ask("1 and 2"), nullptr, {}, done.collect());
  int most = before;
  for (int i = 0; i < 50; ++i) {
    most = std::max(most, process_threads_but_connections());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(done.wait_for(kRequests, std::chrono::seconds(60)));
  for (const Completion& c : done.completions) ASSERT_TRUE(c.ok()) << c.error;
  // Not counting the mock's connection threads: it starts some for connections the client
  // reopened (more under a sanitizer's slowness), which are not the client's.
  EXPECT_LE(most - before, 2) << "no thread per request";
  EXPECT_EQ(server.requests_received(), static_cast<std::size_t>(2 * kRequests));
}

TEST(ClientAsync, TokenRateLimitDefersTheAttempt) {
  MockOpenAIServer server;
  server.start();
  // 6,000 tokens a minute = 100 a second; 50 tokens of debt = half a second before any request.
  auto limiter = std::make_shared<RateLimiter>(std::nullopt, 6000.0);
  limiter->reserve(6000 + 50, Clock::now());
  OpenAIClient client(profile_for(server), limiter);
  ChatRequest r = ask("1 and 2");
  r.sampling.max_tokens = 1;  // a small reservation: the wait is the debt's
  const auto t0 = Clock::now();
  std::promise<Completion> result;
  client.submit(r, nullptr, {}, [&](Completion c) { result.set_value(std::move(c)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(server.requests_received(), 0u) << "sent before the limit allowed";
  const Completion c = result.get_future().get();
  ASSERT_TRUE(c.ok()) << c.error;
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_GE(took, 0.45);
  EXPECT_LT(took, 5.0);
  EXPECT_EQ(server.requests_received(), 1u);
}

TEST(ClientAsync, RequestRateLimitPacesRequests) {
  MockOpenAIServer server;
  server.start();
  auto limiter = std::make_shared<RateLimiter>(120.0, std::nullopt);  // 2 a second
  const auto now = Clock::now();
  for (int i = 0; i < 120; ++i) limiter->reserve(0, now);  // a minute's worth taken
  OpenAIClient client(profile_for(server), limiter);
  const auto t0 = Clock::now();
  const Completion c = client.complete(ask("1 and 2"), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_GE(took, 0.4) << "the 121st request of the minute waits about half a second";
  EXPECT_LT(took, 5.0);
}

TEST(ClientAsync, StopDuringTheRateLimitWaitCancelsAtOnce) {
  MockOpenAIServer server;
  server.start();
  auto limiter = std::make_shared<RateLimiter>(60.0, std::nullopt);
  const auto now = Clock::now();
  for (int i = 0; i < 65; ++i) limiter->reserve(0, now);  // ~5 s of debt
  OpenAIClient client(profile_for(server), limiter);
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source.request_stop();
  });
  const auto t0 = Clock::now();
  const Completion c = client.complete(ask("1 and 2"), nullptr, source.get_token());
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 1.0);
  EXPECT_EQ(c.error_kind, ErrorKind::cancelled);
  EXPECT_NE(c.error.find("rate limit"), std::string::npos) << c.error;
  EXPECT_EQ(c.attempts, 0);
  EXPECT_EQ(server.requests_received(), 0u);
}

TEST(ClientAsync, DestroyingTheClientCancelsRequestsInFlight) {
  MockServerOptions options;
  options.faults = parse_fault_spec("stall:5000");
  MockOpenAIServer server(options);
  server.start();
  Done done;
  const auto t0 = Clock::now();
  {
    ModelProfile p = profile_for(server);
    p.idle_timeout_s = 10;
    OpenAIClient client(p);
    client.submit(ask("1 and 2"), nullptr, {}, done.collect());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 2.0);
  ASSERT_EQ(done.completions.size(), 1u);
  EXPECT_EQ(done.completions[0].error_kind, ErrorKind::cancelled);
}

}  // namespace
}  // namespace rbench::test
