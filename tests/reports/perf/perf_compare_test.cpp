// The performance gate read as a specification: Google Benchmark and probe JSON in, a verdict per
// metric out; a planted slowdown is caught, noise and identical runs pass, too few repetitions
// are inconclusive rather than a pass.
#include "reports/perf/perf_compare.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/perf_fixtures.h"
#include "harness/core/error.h"
#include "reports/perf/perf_report.h"

namespace rbench::perf {
namespace {

using testing::BenchSeries;
using testing::google_benchmark_json;
using testing::noisy;
using testing::probe_json;
using testing::ProbeStep;

Comparison compare_texts(const std::string& baseline, const std::string& current,
                         const CompareOptions& options = {}) {
  return compare(parse_perf_file(baseline, "base.json"), parse_perf_file(current, "current.json"),
                 options);
}

const MetricComparison& metric(const Comparison& c, const std::string& name) {
  const auto it = std::ranges::find(c.metrics, name, &MetricComparison::name);
  if (it == c.metrics.end()) throw std::runtime_error("no metric " + name);
  return *it;
}

TEST(PerfCompare, FlagsAPlantedTwentyPercentSlowdown) {
  const std::string base = google_benchmark_json(
      {{"BM_Parse", noisy(1000, 10, 1)}, {"BM_Grade/8", noisy(52000, 10, 2)}});
  // BM_Parse 1.2x slower (independent noise), BM_Grade/8 the same distribution, new noise.
  const std::string current = google_benchmark_json(
      {{"BM_Parse", noisy(1200, 10, 3)}, {"BM_Grade/8", noisy(52000, 10, 4)}});
  const Comparison c = compare_texts(base, current);
  ASSERT_EQ(c.metrics.size(), 2u);
  const MetricComparison& parse = c.metrics[0];  // regressions come first
  EXPECT_EQ(parse.name, "BM_Parse real_time");
  EXPECT_EQ(parse.verdict, Verdict::regression);
  EXPECT_NEAR(parse.change, 0.2, 0.05);
  EXPECT_EQ(parse.baseline_n, 10u);  // the aggregates (mean, median, stddev) are not samples
  EXPECT_EQ(parse.method, stats::MannWhitneyMethod::exact);
  EXPECT_LT(parse.p, 0.001);
  EXPECT_EQ(metric(c, "BM_Grade/8 real_time").verdict, Verdict::unchanged);
  EXPECT_EQ(c.count(Verdict::regression), 1u);
  EXPECT_EQ(summary_line(c), "1 regression, 0 improvements, 1 unchanged, 0 inconclusive");
}

TEST(PerfCompare, PassesIdenticalInputs) {
  const std::string file = google_benchmark_json(
      {{"BM_A", noisy(1000, 10, 5)},
       {"BM_B", noisy(3e6, 10, 6), "ns", "items_per_second", noisy(5e5, 10, 7)}});
  const Comparison c = compare_texts(file, file);
  ASSERT_EQ(c.metrics.size(), 3u);
  for (const MetricComparison& m : c.metrics) {
    EXPECT_EQ(m.verdict, Verdict::unchanged) << m.name;
    EXPECT_DOUBLE_EQ(m.change, 0) << m.name;
    EXPECT_DOUBLE_EQ(m.p, 1) << m.name;
  }
  EXPECT_EQ(summary_line(c), "0 regressions, 0 improvements, 3 unchanged, 0 inconclusive");
}

TEST(PerfCompare, TwoRepetitionsAreInconclusiveNotAPass) {
  const Comparison c = compare_texts(google_benchmark_json({{"BM_A", {1000, 1010}}}),
                                     google_benchmark_json({{"BM_A", {1500, 1490}}}));
  const MetricComparison& m = metric(c, "BM_A real_time");
  EXPECT_EQ(m.verdict, Verdict::inconclusive);  // +49%, and no overlap, yet 2 vs 2 cannot tell
  EXPECT_NEAR(m.smallest_p, 1.0 / 3, 1e-12);
  EXPECT_NE(m.reason.find("2 vs 2 values cannot reach p < 0.05"), std::string::npos) << m.reason;
  const std::string markdown = to_markdown(c);
  EXPECT_NE(markdown.find("**inconclusive**"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("Inconclusive is not a pass"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("at least 4 a side"), std::string::npos) << markdown;
}

TEST(PerfCompare, RoundsArePooledMetricByMetric) {
  // Five alternating rounds of 2 repetitions each side: pooled, 10 vs 10 decide what one round
  // (2 vs 2) cannot.
  std::vector<PerfFile> base, current;
  for (std::uint64_t k = 0; k < 5; ++k) {
    base.push_back(parse_perf_file(google_benchmark_json({{"BM_A", noisy(1000, 2, 10 + k)}}),
                                   "base-" + std::to_string(k) + ".json"));
    current.push_back(parse_perf_file(google_benchmark_json({{"BM_A", noisy(1200, 2, 20 + k)}}),
                                      "current-" + std::to_string(k) + ".json"));
  }
  EXPECT_EQ(metric(compare(base[0], current[0], {}), "BM_A real_time").verdict,
            Verdict::inconclusive);
  const PerfFile pooled = merge_perf_files(base);
  ASSERT_EQ(pooled.metrics.size(), 1u);
  EXPECT_EQ(pooled.metrics[0].values.size(), 10u);
  EXPECT_EQ(pooled.source.rfind("base-0.json,base-1.json", 0), 0u) << pooled.source;
  const Comparison c = compare(pooled, merge_perf_files(current), {});
  EXPECT_EQ(metric(c, "BM_A real_time").verdict, Verdict::regression);
  // Files of different kinds do not pool.
  const PerfFile probe = parse_perf_file(probe_json({}), "probe.json");
  EXPECT_THROW(merge_perf_files({base[0], probe}), DataError);
}

TEST(PerfCompare, FewerThanTwoValuesIsInconclusive) {
  const Comparison c = compare_texts(google_benchmark_json({{"BM_A", {1000}}}),
                                     google_benchmark_json({{"BM_A", noisy(1000, 10, 8)}}));
  EXPECT_EQ(c.metrics[0].verdict, Verdict::inconclusive);
  EXPECT_NE(c.metrics[0].reason.find("at least 2"), std::string::npos) << c.metrics[0].reason;
}

TEST(PerfCompare, AnImprovementIsNotARegression) {
  const Comparison c = compare_texts(google_benchmark_json({{"BM_A", noisy(1000, 10, 9)}}),
                                     google_benchmark_json({{"BM_A", noisy(800, 10, 10)}}));
  EXPECT_EQ(c.metrics[0].verdict, Verdict::improvement);
  EXPECT_NEAR(c.metrics[0].change, -0.2, 0.05);
  EXPECT_EQ(c.count(Verdict::regression), 0u);
}

TEST(PerfCompare, PerSecondCountersAreBetterWhenHigher) {
  // Same times; items/s down 20% for BM_Down, bytes/s up 20% for BM_Up.
  const auto times = noisy(1000, 10, 11);
  const std::string base =
      google_benchmark_json({{"BM_Down", times, "ns", "items_per_second", noisy(1e6, 10, 12)},
                             {"BM_Up", times, "ns", "bytes_per_second", noisy(5e8, 10, 13)}});
  const std::string current =
      google_benchmark_json({{"BM_Down", times, "ns", "items_per_second", noisy(0.8e6, 10, 14)},
                             {"BM_Up", times, "ns", "bytes_per_second", noisy(6e8, 10, 15)}});
  const Comparison c = compare_texts(base, current);
  const MetricComparison& down = metric(c, "BM_Down items_per_second");
  EXPECT_TRUE(down.higher_is_better);
  EXPECT_LT(down.change, 0);    // the median fell...
  EXPECT_GT(down.worse_by, 0);  // ...which is worse
  EXPECT_EQ(down.verdict, Verdict::regression);
  const MetricComparison& up = metric(c, "BM_Up bytes_per_second");
  EXPECT_GT(up.change, 0);
  EXPECT_EQ(up.verdict, Verdict::improvement);
  EXPECT_EQ(metric(c, "BM_Down real_time").verdict, Verdict::unchanged);
}

TEST(PerfCompare, MinimumEffectKeepsSmallSignificantShiftsUnchanged) {
  // 3% slower with 0.5% noise: significant, but below the default 5% minimum effect.
  const std::string base = google_benchmark_json({{"BM_A", noisy(1000, 10, 16, 0.005)}});
  const std::string current = google_benchmark_json({{"BM_A", noisy(1030, 10, 17, 0.005)}});
  const MetricComparison loose = compare_texts(base, current).metrics[0];
  EXPECT_LT(loose.p, 0.05);
  EXPECT_EQ(loose.verdict, Verdict::unchanged);
  const MetricComparison strict = compare_texts(base, current, {.min_effect = 0.01}).metrics[0];
  EXPECT_EQ(strict.verdict, Verdict::regression);
}

TEST(PerfCompare, TimeUnitsAreConvertedBeforeComparing) {
  const auto us = noisy(12.5, 10, 18);
  std::vector<double> ns;
  for (const double v : us) ns.push_back(v * 1000);
  const Comparison c = compare_texts(google_benchmark_json({{"BM_A", us, "us"}}),
                                     google_benchmark_json({{"BM_A", ns, "ns"}}));
  EXPECT_EQ(c.metrics[0].verdict, Verdict::unchanged);
  EXPECT_NEAR(c.metrics[0].baseline_median, c.metrics[0].current_median, 1e-6);
  EXPECT_NEAR(c.metrics[0].baseline_median, 12500, 1000);  // kept in ns
}

TEST(PerfCompare, MetricsOnOneSideAreListedNotFailed) {
  const Comparison c = compare_texts(
      google_benchmark_json({{"BM_Old", noisy(10, 5, 19)}, {"BM_A", noisy(10, 5, 20)}}),
      google_benchmark_json({{"BM_A", noisy(10, 5, 21)}, {"BM_New", noisy(10, 5, 22)}}));
  EXPECT_EQ(c.metrics.size(), 1u);
  EXPECT_EQ(c.only_in_baseline, std::vector<std::string>{"BM_Old real_time"});
  EXPECT_EQ(c.only_in_current, std::vector<std::string>{"BM_New real_time"});
  const std::string markdown = to_markdown(c);
  EXPECT_NE(markdown.find("Only in baseline: BM_Old real_time"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("Only in current: BM_New real_time"), std::string::npos) << markdown;
}

TEST(PerfCompare, FilterSelectsMetricsByName) {
  const std::string base =
      google_benchmark_json({{"BM_SseParse", noisy(100, 10, 23)}, {"BM_Math", noisy(100, 10, 24)}});
  const std::string current =
      google_benchmark_json({{"BM_SseParse", noisy(100, 10, 25)}, {"BM_Math", noisy(200, 10, 26)}});
  const Comparison c = compare_texts(base, current, {.filter = "Sse"});
  ASSERT_EQ(c.metrics.size(), 1u);
  EXPECT_EQ(c.metrics[0].name, "BM_SseParse real_time");
  EXPECT_THROW(compare_texts(base, current, {.filter = "Nothing"}), UsageError);
  EXPECT_THROW(compare_texts(base, current, {.filter = "(unclosed"}), UsageError);
}

TEST(PerfCompare, RegressionsAreListedFirstTheWorstFirst) {
  const std::string base = google_benchmark_json({{"BM_Same", noisy(100, 10, 27)},
                                                  {"BM_Bit", noisy(100, 10, 28)},
                                                  {"BM_Lot", noisy(100, 10, 29)},
                                                  {"BM_Fast", noisy(100, 10, 30)}});
  const std::string current = google_benchmark_json({{"BM_Same", noisy(100, 10, 31)},
                                                     {"BM_Bit", noisy(120, 10, 32)},
                                                     {"BM_Lot", noisy(200, 10, 33)},
                                                     {"BM_Fast", noisy(50, 10, 34)}});
  const Comparison c = compare_texts(base, current);
  std::vector<std::string> order;
  for (const MetricComparison& m : c.metrics) order.push_back(m.name);
  EXPECT_EQ(order, (std::vector<std::string>{"BM_Lot real_time", "BM_Bit real_time",
                                             "BM_Fast real_time", "BM_Same real_time"}));
  const std::string markdown = to_markdown(c);
  EXPECT_LT(markdown.find("BM_Lot"), markdown.find("BM_Same")) << markdown;
  EXPECT_NE(markdown.find("2 regressions, 1 improvement, 1 unchanged, 0 inconclusive\n"),
            std::string::npos)
      << markdown;
}

TEST(PerfCompare, ComparesProbeStepsMetricByMetric) {
  const auto step = [](const std::string& load, const std::string& value, double ttft,
                       std::uint64_t seed) {
    return ProbeStep{load,
                     value,
                     noisy(ttft, 30, seed, 0.05),
                     noisy(20, 30, seed + 1, 0.05),
                     noisy(900, 30, seed + 2, 0.05),
                     noisy(20, 200, seed + 3, 0.1)};
  };
  const std::string base =
      probe_json({step("concurrency", "1", 50, 100), step("concurrency", "4", 80, 110),
                  step("rate", "null", 300, 120)});
  // TTFT at concurrency 4 doubles; everything else is redrawn from the same distributions.
  const std::string current =
      probe_json({step("concurrency", "1", 50, 200), step("concurrency", "4", 160, 210),
                  step("rate", "null", 300, 220)});
  const Comparison c = compare_texts(base, current);
  EXPECT_EQ(c.kind, FileKind::rbench_probe);
  EXPECT_EQ(c.metrics.size(), 12u);  // 3 steps x ttft, tpot, e2e, itl
  EXPECT_EQ(c.metrics[0].name, "concurrency=4 ttft_ms");
  EXPECT_EQ(c.metrics[0].verdict, Verdict::regression);
  EXPECT_EQ(c.metrics[0].method, stats::MannWhitneyMethod::normal);  // 30 requests a side
  EXPECT_EQ(c.count(Verdict::regression), 1u);
  EXPECT_EQ(metric(c, "rate=inf ttft_ms").unit, Unit::ms);
  EXPECT_EQ(metric(c, "concurrency=1 itl_ms").baseline_n, 200u);
  EXPECT_NE(to_markdown(c).find("| concurrency=4 ttft_ms | 30 / 30 |"), std::string::npos)
      << to_markdown(c);
}

TEST(PerfCompare, ProbeStepsWithoutValuesOnOneOrBothSides) {
  ProbeStep base{"concurrency", "2", {10, 11, 12, 13, 14}, {}, {100, 101, 102, 103, 104}, {}};
  ProbeStep failed{"concurrency", "2", {}, {}, {}, {}};  // every request failed
  const Comparison c = compare_texts(probe_json({base}), probe_json({failed}));
  EXPECT_EQ(metric(c, "concurrency=2 ttft_ms").verdict, Verdict::inconclusive);
  EXPECT_EQ(c.count(Verdict::inconclusive), 2u);  // ttft and e2e; tpot and itl empty on both
  EXPECT_EQ(c.notes.size(), 2u);
  EXPECT_NE(to_markdown(c).find("Skipped: concurrency=2 itl_ms: no values in either file"),
            std::string::npos)
      << to_markdown(c);
}

// A decode probe's document (harness/probe/decode_probe.h) with the given per-step times.
std::string decode_json(const std::vector<std::pair<int, std::vector<double>>>& rows,
                        const std::vector<double>& verify) {
  std::string out = R"({"rbench_probe":1,"kind":"decode","model":"m","figures":{"rows":[)";
  const auto list = [](const std::vector<double>& v) {
    std::string text = "[";
    for (std::size_t i = 0; i < v.size(); ++i) text += (i ? "," : "") + std::to_string(v[i]);
    return text + "]";
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"batch":)") + std::to_string(rows[i].first) +
           R"(,"step_ms":)" + list(rows[i].second) + "}";
  }
  out += "],\"mtp\":";
  out += verify.empty() ? "null" : R"({"verify_step_ms_all":)" + list(verify) + "}";
  return out + "}}";
}

TEST(PerfCompare, DecodeProbesCompareEachBatchSizesSteps) {
  // Batch 8's step gets 20% slower; batch 1 and the verification step are redrawn alike.
  const std::string base = decode_json({{1, noisy(1.5, 32, 1, 0.02)}, {8, noisy(2.5, 32, 2, 0.02)}},
                                       noisy(1.7, 32, 3, 0.02));
  const std::string current = decode_json(
      {{1, noisy(1.5, 32, 4, 0.02)}, {8, noisy(3.0, 32, 5, 0.02)}}, noisy(1.7, 32, 6, 0.02));
  const Comparison c = compare_texts(base, current);
  ASSERT_EQ(c.metrics.size(), 3u);
  EXPECT_EQ(c.metrics[0].name, "batch=8 step_ms");
  EXPECT_EQ(c.metrics[0].verdict, Verdict::regression);
  EXPECT_EQ(metric(c, "batch=1 step_ms").verdict, Verdict::unchanged);
  EXPECT_EQ(metric(c, "batch=1 verify_step_ms").verdict, Verdict::unchanged);
  EXPECT_EQ(metric(c, "batch=1 step_ms").unit, Unit::ms);
  // Without MTP figures there is no verification metric.
  EXPECT_EQ(compare_texts(decode_json({{1, {1, 2, 3}}}, {}), decode_json({{1, {1, 2, 3}}}, {}))
                .metrics.size(),
            1u);
}

TEST(PerfCompare, ProbesOtherThanLatencyAreSkipped) {
  const std::string memory = probe_json({}, "memory");
  const Comparison c = compare_texts(memory, memory);
  EXPECT_TRUE(c.metrics.empty());
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_NE(c.notes[0].find("probe kind \"memory\""), std::string::npos) << c.notes[0];
  EXPECT_NE(c.notes[0].find("skipped"), std::string::npos) << c.notes[0];
  EXPECT_THROW(compare_texts(memory, probe_json({ProbeStep{}})), UsageError);
}

TEST(PerfCompare, BadInputsNameTheFile) {
  const std::string bench = google_benchmark_json({{"BM_A", noisy(10, 5, 40)}});
  const auto message = [](const auto& call) -> std::string {
    try {
      call();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_THROW(parse_perf_file("not json", "x.json"), DataError);
  EXPECT_NE(message([] {
              parse_perf_file("not json", "x.json");
            }).find("x.json: bad JSON at line 1, column 2: Invalid value."),
            std::string::npos);
  EXPECT_NE(message([] {
              parse_perf_file(R"({"results": []})", "y.json");
            }).find("y.json: neither Google Benchmark JSON"),
            std::string::npos);
  EXPECT_THROW(parse_perf_file("[1, 2]", "z.json"), DataError);
  EXPECT_THROW(parse_perf_file(R"({"benchmarks": [{"name": "BM_A", "real_time": 1,
                                   "time_unit": "fortnights"}]})",
                               "u.json"),
               DataError);
  EXPECT_NE(message([] {
              parse_perf_file(R"({"benchmarks": [{"name": "BM_A"}]})", "v.json");
            }).find("v.json: $.benchmarks[0].real_time: missing"),
            std::string::npos);
  EXPECT_NE(message([] {
              parse_perf_file(R"({"benchmarks": [{"name": "BM_A", "real_time": 1,
                                   "time_unit": "fortnights"}]})",
                              "u.json");
            }).find("u.json: $.benchmarks[0].time_unit: unknown unit \"fortnights\""),
            std::string::npos);
  EXPECT_THROW(parse_perf_file(R"({"rbench_probe": 99, "kind": "latency", "steps": []})", "p.json"),
               DataError);
  EXPECT_NE(message([&] {
              compare_texts(bench, probe_json({ProbeStep{}}));
            }).find("base.json is Google Benchmark JSON but current.json is rbench probe JSON"),
            std::string::npos);
  EXPECT_THROW(compare_texts(bench, bench, {.alpha = 0}), UsageError);
  EXPECT_THROW(compare_texts(bench, bench, {.min_effect = -1}), UsageError);
  EXPECT_THROW(read_perf_file("/nonexistent/bench.json"), DataError);
}

TEST(PerfCompare, ErroredRunsAreLeftOutWithANote) {
  const std::string file = R"({"benchmarks": [
    {"name": "BM_A", "run_name": "BM_A", "run_type": "iteration", "real_time": 5, "time_unit": "ns"},
    {"name": "BM_A", "run_name": "BM_A", "run_type": "iteration", "error_occurred": true,
     "error_message": "boom", "real_time": 0, "time_unit": "ns"}]})";
  const PerfFile f = parse_perf_file(file, "e.json");
  ASSERT_EQ(f.metrics.size(), 1u);
  EXPECT_EQ(f.metrics[0].values, std::vector<double>{5});
  ASSERT_EQ(f.notes.size(), 1u);
  EXPECT_NE(f.notes[0].find("BM_A: 1 run(s) with error_occurred left out"), std::string::npos);
}

TEST(PerfCompare, JsonOutputCarriesEveryFigure) {
  const Comparison c = compare_texts(google_benchmark_json({{"BM_A", noisy(1000, 10, 41)}}),
                                     google_benchmark_json({{"BM_A", noisy(1200, 10, 42)}}));
  rapidjson::Document doc;
  doc.Parse(to_json(c).c_str());
  ASSERT_FALSE(doc.HasParseError()) << to_json(c);
  EXPECT_STREQ(doc["kind"].GetString(), "google-benchmark");
  const auto& m = doc["metrics"][0];
  EXPECT_STREQ(m["name"].GetString(), "BM_A real_time");
  EXPECT_STREQ(m["verdict"].GetString(), "regression");
  EXPECT_STREQ(m["method"].GetString(), "exact");
  EXPECT_EQ(m["baseline"]["n"].GetInt(), 10);
  EXPECT_NEAR(m["change"].GetDouble(), 0.2, 0.05);
  EXPECT_EQ(doc["summary"]["regression"].GetInt(), 1);
}

}  // namespace
}  // namespace rbench::perf
