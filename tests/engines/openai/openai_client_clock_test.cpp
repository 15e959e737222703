// OpenAIClient's timings on an injected clock (tests/common/stepping_clock.h): every reading of
// its monotonic time advances by exactly one step, while its wall time jumps an hour back and two
// ahead by turns (a clock stepped by NTP or by hand). Time to first token, the chunks' arrival
// times and the request's time come out as whole numbers of steps, in order and small: read from
// the monotonic clock alone, never from the wall clock or the machine's own. The machine's clock is
// never touched.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>

#include "common/stepping_clock.h"
#include "engines/engine_test_util.h"
#include "engines/openai/openai_client.h"
#include "harness/core/clock.h"

namespace rbench::test {
namespace {

using namespace std::chrono_literals;

using rbench::testing::SteppingClock;
constexpr double kStepS = SteppingClock::kStepS;

// Whole steps, at least `min` of them, and far below the wall clock's jumps (hours).
void expect_steps(double seconds, double min, const char* what) {
  EXPECT_TRUE(SteppingClock::whole_steps(seconds)) << what << " = " << seconds;
  EXPECT_GE(seconds / kStepS, min - 1e-6) << what;
  EXPECT_LT(seconds, 10.0) << what << ": a wall-clock step leaked in";
}

void expect_monotonic_timings(const Completion& c) {
  ASSERT_TRUE(c.ok()) << c.error;
  const Timings& t = c.timings;
  ASSERT_FALSE(t.chunk_times_s.empty());
  expect_steps(t.ttft_s, 1, "ttft_s");
  EXPECT_DOUBLE_EQ(t.ttft_s, t.chunk_times_s.front());
  for (std::size_t i = 0; i < t.chunk_times_s.size(); ++i) {
    expect_steps(t.chunk_times_s[i], 1, "chunk time");
    // Inter-token latency: each gap a positive whole number of steps.
    if (i > 0) expect_steps(t.chunk_times_s[i] - t.chunk_times_s[i - 1], 1, "chunk gap");
  }
  expect_steps(t.e2e_s - t.chunk_times_s.back(), 1, "e2e after the last chunk");
}

TEST(OpenAIClientClock, StreamedTimingsComeFromTheMonotonicClockAlone) {
  MockOpenAIServer server;
  server.start();
  auto clock = std::make_shared<SteppingClock>();
  OpenAIClient client(profile_for(server), nullptr, nullptr, clock);
  RecordingSink sink;
  const Completion c = client.complete(ask("What is 2 + 3?"), &sink, {});
  expect_monotonic_timings(c);
  // The first reading started the request and the last one ended it: e2e is every step between.
  EXPECT_NEAR(c.timings.e2e_s, static_cast<double>(clock->monotonic_reads() - 1) * kStepS, 1e-9);
  // The sink heard the same times.
  ASSERT_FALSE(sink.times.empty());
  for (double t : sink.times) expect_steps(t, 1, "sink time");
}

TEST(OpenAIClientClock, ARetriedRequestTimesTheAttemptThatSucceeded) {
  MockServerOptions options;
  options.faults = parse_fault_spec("500,cut");
  MockOpenAIServer server(options);
  server.start();
  auto clock = std::make_shared<SteppingClock>();
  OpenAIClient client(profile_for(server), nullptr, nullptr, clock);
  const Completion c = client.complete(ask("What is 2 + 3?"), nullptr, {});
  EXPECT_EQ(c.attempts, 3);
  expect_monotonic_timings(c);
  // The failed attempts' readings come before the successful one's start.
  EXPECT_LT(c.timings.e2e_s, static_cast<double>(clock->monotonic_reads() - 1) * kStepS - 1e-9);
}

TEST(OpenAIClientClock, WholeJsonResponsesToo) {
  MockOpenAIServer server;
  server.start();
  auto clock = std::make_shared<SteppingClock>();
  ModelProfile profile = profile_for(server);
  profile.stream = false;
  OpenAIClient client(profile, nullptr, nullptr, clock);
  const Completion c = client.complete(ask("What is 2 + 3?"), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  expect_steps(c.timings.e2e_s, 1, "e2e_s");
  EXPECT_NEAR(c.timings.e2e_s, static_cast<double>(clock->monotonic_reads() - 1) * kStepS, 1e-9);
}

TEST(MachineClock, IsTheSteadyAndSystemClocks) {
  const Clock& clock = machine_clock();
  const auto before = std::chrono::steady_clock::now();
  const auto reading = clock.monotonic();
  EXPECT_GE(reading, before);
  EXPECT_LE(reading, std::chrono::steady_clock::now());
  EXPECT_GE(clock.seconds_since(before), 0.0);
  // The wall clock may be stepped by others at any time: only its neighbourhood is checked.
  const auto wall_gap = clock.wall() - std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(wall_gap), 24h);
}

}  // namespace
}  // namespace rbench::test
