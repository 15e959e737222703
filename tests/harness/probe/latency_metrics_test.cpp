// Latency metric definitions on synthetic requests with known timestamps, arrival statistics
// over seeded schedules, and synthetic prompts of exact token length.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "harness/probe/arrivals.h"
#include "harness/probe/latency_metrics.h"
#include "harness/probe/latency_probe.h"
#include "harness/probe/workload.h"

namespace rbench::probe {
namespace {

TEST(LatencyMetrics, PercentilesInterpolateLinearlyAsNumpyDoes) {
  // Reference values from numpy 1.24 np.percentile(v, p) (default "linear") and np.std(ddof=1).
  const Distribution d = describe({12.0, 3.5, 7.25, 100.0, 41.0, 8.0, 9.5, 15.0, 2.0, 60.0});
  EXPECT_EQ(d.count, 10u);
  EXPECT_DOUBLE_EQ(d.median, 10.75);
  EXPECT_NEAR(d.p90, 64.0, 1e-9);
  EXPECT_NEAR(d.p95, 82.0, 1e-9);
  EXPECT_NEAR(d.p99, 96.4, 1e-9);
  EXPECT_DOUBLE_EQ(d.mean, 25.825);
  EXPECT_NEAR(d.stdev, 31.97873642490168, 1e-9);
  EXPECT_EQ(d.min, 2.0);
  EXPECT_EQ(d.max, 100.0);
  EXPECT_EQ(describe({}).count, 0u);
  const std::vector<double> one = {5};
  EXPECT_EQ(percentile(one, 99), 5);
}

ProbeRequestRecord request(double start, double ttft, double e2e, std::int64_t out,
                           std::vector<double> itl) {
  ProbeRequestRecord r;
  r.load = "concurrency";
  r.load_value = 2;
  r.start_s = start;
  r.ok = true;
  r.ttft_s = ttft;
  r.e2e_s = e2e;
  r.input_tokens = 100;
  r.output_tokens = out;
  r.tokens_from_usage = true;
  r.itl_s = std::move(itl);
  return r;
}

TEST(LatencyMetrics, StepFromSyntheticStreams) {
  // Request A: sent at 0, first token at 0.2 s, 5 tokens, ends at 1.0 s: TPOT = 0.8 / 4 = 0.2 s.
  // Request B: sent at 0.5, first token at 0.1 s, 3 tokens, ends at 0.5 s: TPOT = 0.4 / 2.
  // Request C: failed after 0.05 s; it must enter no latency figure.
  // Request D: sent at 1.0, one token, ends at 0.3 s: no TPOT.
  std::vector<ProbeRequestRecord> rs = {
      request(0.0, 0.2, 1.0, 5, {0.2, 0.2, 0.2, 0.2}),
      request(0.5, 0.1, 0.5, 3, {0.1, 0.3}),
      request(0.6, -1, 0.05, -1, {}),
      request(1.0, 0.3, 0.3, 1, {}),
  };
  rs[2].ok = false;
  rs[2].error_kind = "http";
  const StepSummary s = summarize_step(rs, Slo{.ttft_ms = 250, .tpot_ms = 199});
  EXPECT_EQ(s.requests, 4u);
  EXPECT_EQ(s.ok, 3u);
  EXPECT_EQ(s.failed, 1u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].first, "http");
  EXPECT_EQ(s.ttft_ms.count, 3u);
  EXPECT_NEAR(s.ttft_ms.median, 200, 1e-9);
  EXPECT_EQ(s.tpot_ms.count, 2u);  // D has one token: no TPOT
  EXPECT_NEAR(s.tpot_ms.mean, 200, 1e-9);
  EXPECT_EQ(s.itl_ms.count, 6u);  // every gap pooled
  EXPECT_NEAR(s.itl_ms.max, 300, 1e-9);
  EXPECT_NEAR(s.e2e_ms.median, 500, 1e-9);
  // Duration: first send (0) to last end (max(1.0, 1.0, 0.65, 1.3)) = 1.3 s.
  EXPECT_NEAR(s.duration_s, 1.3, 1e-12);
  EXPECT_NEAR(s.request_throughput, 3 / 1.3, 1e-12);
  EXPECT_EQ(s.output_tokens, 9);
  EXPECT_NEAR(s.output_throughput, 9 / 1.3, 1e-12);
  EXPECT_NEAR(s.total_throughput, 309 / 1.3, 1e-12);
  // SLO TTFT <= 250 ms and TPOT <= 199 ms: A fails TPOT (200), B passes (TPOT 200? no: 0.4 / 2
  // = 200 ms also fails), D passes (no TPOT, TTFT 300 fails). So none... check each:
  EXPECT_FALSE(meets(rs[0], Slo{.ttft_ms = 250, .tpot_ms = 199}));
  EXPECT_FALSE(meets(rs[1], Slo{.ttft_ms = 250, .tpot_ms = 199}));
  EXPECT_FALSE(meets(rs[2], Slo{}));  // a failed request never meets an SLO
  EXPECT_FALSE(meets(rs[3], Slo{.ttft_ms = 250, .tpot_ms = 199}));
  EXPECT_TRUE(meets(rs[3], Slo{.ttft_ms = 300, .tpot_ms = 1}));  // no TPOT: only TTFT counts
  EXPECT_EQ(s.good, 0u);
  const StepSummary relaxed = summarize_step(rs, Slo{.ttft_ms = 250, .tpot_ms = 200});
  EXPECT_EQ(relaxed.good, 2u);  // A and B
  EXPECT_NEAR(relaxed.goodput, 2 / 1.3, 1e-12);
}

TEST(LatencyMetrics, TpotFormula) {
  EXPECT_NEAR(*tpot_s(request(0, 0.5, 2.5, 11, {})), 0.2, 1e-12);  // (2.5 - 0.5) / 10
  EXPECT_FALSE(tpot_s(request(0, 0.5, 2.5, 1, {})).has_value());
  EXPECT_FALSE(tpot_s(request(0, -1, 2.5, 11, {})).has_value());
}

TEST(Arrivals, MeanRateAndBurstinessOverASeededRun) {
  for (const double burstiness : {0.5, 1.0, 4.0}) {
    const std::vector<double> t =
        arrival_times(20000, ArrivalOptions{.rate = 8, .burstiness = burstiness, .seed = 42});
    ASSERT_EQ(t.size(), 20000u);
    std::vector<double> gaps;
    double prev = 0;
    for (double x : t) {
      ASSERT_GE(x, prev);
      gaps.push_back(x - prev);
      prev = x;
    }
    const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / gaps.size();
    double ss = 0;
    for (double g : gaps) ss += (g - mean) * (g - mean);
    const double cv = std::sqrt(ss / (gaps.size() - 1)) / mean;
    // Mean gap 1 / rate within 2%; coefficient of variation of a gamma(k) gap is 1 / sqrt(k).
    EXPECT_NEAR(1 / mean, 8, 8 * 0.02) << burstiness;
    EXPECT_NEAR(cv, 1 / std::sqrt(burstiness), 0.05) << burstiness;
  }
  // Seeded: the same schedule twice, another with another seed.
  EXPECT_EQ(arrival_times(50, {.rate = 2, .burstiness = 1, .seed = 7}),
            arrival_times(50, {.rate = 2, .burstiness = 1, .seed = 7}));
  EXPECT_NE(arrival_times(50, {.rate = 2, .burstiness = 1, .seed = 7}),
            arrival_times(50, {.rate = 2, .burstiness = 1, .seed = 8}));
  const std::vector<double> burst =
      arrival_times(5, {.rate = std::numeric_limits<double>::infinity()});
  EXPECT_EQ(burst, std::vector<double>(5, 0.0));
}

TEST(Workload, LengthsAndDistinctPrompts) {
  WorkloadOptions w;
  w.input = {64, 0.25};
  w.output = {32, 0};
  w.seed = 3;
  const auto requests = make_workload(200, w, nullptr);
  ASSERT_EQ(requests.size(), 200u);
  for (const auto& r : requests) {
    EXPECT_GE(r.input_tokens, 48);
    EXPECT_LE(r.input_tokens, 80);
    EXPECT_EQ(r.max_tokens, 32);
    EXPECT_FALSE(r.exact);
  }
  EXPECT_NE(requests[0].prompt, requests[1].prompt);
  EXPECT_EQ(make_workload(3, w, nullptr)[2].prompt, requests[2].prompt);  // seeded
}

TEST(LoadSteps, Parsing) {
  const auto c = parse_steps("concurrency", "1,2,8");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[2].value, 8);
  const auto r = parse_steps("rate", "0.5,inf");
  EXPECT_TRUE(std::isinf(r[1].value));
  EXPECT_THROW(parse_steps("concurrency", "1.5"), std::exception);
  EXPECT_THROW(parse_steps("rate", "0"), std::exception);
  EXPECT_THROW(parse_steps("rate", "fast"), std::exception);
}

}  // namespace
}  // namespace rbench::probe
