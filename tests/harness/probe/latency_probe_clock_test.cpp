// The latency probe on an injected clock (tests/common/stepping_clock.h), shared with the client
// it drives: each request's start time, TTFT, inter-token gaps and duration come out as whole
// numbers of the clock's monotonic steps, however its wall time jumps. The probe's pacing stays
// on the machine's steady clock; the machine's clock is never touched.
#include <gtest/gtest.h>

#include "common/stepping_clock.h"
#include "common/temp_dir.h"
#include "engines/openai/openai_client.h"
#include "harness/probe/latency_probe.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench {
namespace {

using testing::SteppingClock;

bool plausible(double seconds) {
  // Far below the wall clock's jumps (hours), and never negative.
  return SteppingClock::whole_steps(seconds) && seconds >= 0 && seconds < 60;
}

TEST(LatencyProbeClock, EveryFigureIsMeasuredOnTheMonotonicClock) {
  MockOpenAIServer server;
  server.start();
  ModelProfile profile;
  profile.name = "mock";
  profile.base_url = server.base_url();
  profile.api_model = "mock";
  profile.max_attempts = 1;
  auto clock = std::make_shared<SteppingClock>();
  OpenAIClient engine(profile, nullptr, nullptr, clock);
  probe::LatencyProbeOptions o;
  o.steps = probe::parse_steps("concurrency", "1,2");
  o.requests_per_step = 4;
  o.warmup_requests = 0;
  o.workload.input = {32, 0};
  o.workload.output = {8, 0};
  o.ignore_eos = true;
  o.clock = clock.get();
  testing::TempDir dir;
  Store store(dir.path() / "p.db");
  const RunInfo run = store.open_run("probe", "{}", "0.1.0", "abc");
  const std::int64_t id =
      store.put_probe({.run_id = run.id, .kind = "latency", .model = "mock", .config_json = "{}"});
  const auto steps =
      probe::run_latency_probe(engine, o, nullptr, &store, id, [](const std::string&) {}, {});
  ASSERT_EQ(steps.size(), 2u);
  const auto records = store.probe_requests(id);
  ASSERT_EQ(records.size(), 8u);
  for (const auto& r : records) {
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(plausible(r.start_s)) << r.start_s;
    EXPECT_TRUE(plausible(r.ttft_s)) << r.ttft_s;
    EXPECT_GT(r.ttft_s, 0);
    EXPECT_TRUE(plausible(r.e2e_s)) << r.e2e_s;
    EXPECT_GT(r.e2e_s, r.ttft_s);
    ASSERT_FALSE(r.itl_s.empty());
    for (double gap : r.itl_s) {
      EXPECT_TRUE(plausible(gap)) << gap;
      EXPECT_GT(gap, 0);
    }
  }
}

}  // namespace
}  // namespace rbench
