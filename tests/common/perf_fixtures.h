// Google Benchmark and probe JSON written the way the real tools write them, with seeded noise,
// for the tests of `rbench perf compare`.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rbench::testing {

// One benchmark's repetitions: real_time per repetition (in time_unit) and, optionally, one
// counter value per repetition (e.g. items_per_second).
struct BenchSeries {
  std::string name;
  std::vector<double> real_time;
  std::string time_unit = "ns";
  std::string counter;  // "" = none
  std::vector<double> counter_values;
};

// `n` values around `center` with multiplicative noise of relative size `noise` (log-normal, as
// timings on a busy machine roughly are), from a generator seeded with `seed`.
inline std::vector<double> noisy(double center, int n, std::uint64_t seed, double noise = 0.03) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> factor(0.0, noise);
  std::vector<double> values;
  for (int i = 0; i < n; ++i) values.push_back(center * factor(rng));
  return values;
}

// What `--benchmark_repetitions=N --benchmark_format=json` prints: a context, then each
// benchmark's iteration entries followed by its aggregates (mean, median, stddev; the reader
// must ignore those, so they are given absurd values).
inline std::string google_benchmark_json(const std::vector<BenchSeries>& series) {
  std::string entries;
  int family = 0;
  for (const BenchSeries& s : series) {
    const auto repetitions = s.real_time.size();
    for (std::size_t i = 0; i < repetitions; ++i) {
      if (!entries.empty()) entries += ",\n";
      std::string counter;
      if (!s.counter.empty()) counter = fmt::format(", \"{}\": {}", s.counter, s.counter_values[i]);
      entries += fmt::format(
          R"(    {{"name": "{0}", "family_index": {1}, "per_family_instance_index": 0, )"
          R"("run_name": "{0}", "run_type": "iteration", "repetitions": {2}, )"
          R"("repetition_index": {3}, "threads": 1, "iterations": 1000, )"
          R"("real_time": {4}, "cpu_time": {5}, "time_unit": "{6}"{7}}})",
          s.name, family, repetitions, i, s.real_time[i], s.real_time[i] * 0.99, s.time_unit,
          counter);
    }
    for (const char* aggregate : {"mean", "median", "stddev"}) {
      entries += fmt::format(
          ",\n"
          R"(    {{"name": "{0}_{1}", "family_index": {2}, "per_family_instance_index": 0, )"
          R"("run_name": "{0}", "run_type": "aggregate", "repetitions": {3}, "threads": 1, )"
          R"("aggregate_name": "{1}", "aggregate_unit": "time", "iterations": {3}, )"
          R"("real_time": 1e12, "cpu_time": 1e12, "time_unit": "{4}"}})",
          s.name, aggregate, family, repetitions, s.time_unit);
    }
    ++family;
  }
  return fmt::format(
      "{{\n  \"context\": {{\"date\": \"2025-01-01T00:00:00+00:00\", \"host_name\": \"ci\", "
      "\"executable\": \"build/rbench_bench\", \"num_cpus\": 2, \"mhz_per_cpu\": 2000, "
      "\"library_build_type\": \"release\"}},\n  \"benchmarks\": [\n{}\n  ]\n}}\n",
      entries);
}

// One step of a latency probe with its per-request samples (ms).
struct ProbeStep {
  std::string load = "concurrency";
  std::string load_value = "4";  // JSON text: a number, or null for "all at once"
  std::vector<double> ttft_ms, tpot_ms, e2e_ms, itl_ms;
};

inline std::string probe_json(const std::vector<ProbeStep>& steps,
                              const std::string& kind = "latency") {
  const auto array = [](const std::vector<double>& v) {
    return fmt::format("[{}]", fmt::join(v, ", "));
  };
  std::string body;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const ProbeStep& s = steps[i];
    if (i > 0) body += ",\n";
    body += fmt::format(
        R"(    {{"step": {}, "load": "{}", "load_value": {}, "requests": {}, "ok": {}, )"
        R"("failed": 0, "failures": {{}}, "ttft_ms": {{"count": {}, "median": 1}}, )"
        R"("samples": {{"ttft_ms": {}, "tpot_ms": {}, "e2e_ms": {}, "itl_ms": {}}}}})",
        i, s.load, s.load_value, s.ttft_ms.size(), s.ttft_ms.size(), s.ttft_ms.size(),
        array(s.ttft_ms), array(s.tpot_ms), array(s.e2e_ms), array(s.itl_ms));
  }
  const std::string payload = kind == "latency"
                                  ? fmt::format("\"steps\": [\n{}\n  ]", body)
                                  : std::string(R"("figures": {"weights_bytes": 1000})");
  return fmt::format(
      "{{\n  \"rbench_probe\": 1, \"kind\": \"{}\", \"model\": \"mock\", \"engine\": "
      "\"openai\",\n  \"config\": {{}}, {}\n}}\n",
      kind, payload);
}

}  // namespace rbench::testing
