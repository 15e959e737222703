// Per-request latency metrics and their summaries, defined as vLLM's benchmark_serving and
// genai-perf define them, so figures can be put side by side:
//  * TTFT: from sending the request to the first chunk carrying text (reasoning or answer).
//  * E2E: from sending to the end of the response.
//  * TPOT (time per output token after the first): (E2E - TTFT) / (output_tokens - 1); undefined
//    for fewer than 2 output tokens (left out of the TPOT distribution, as vLLM does).
//  * ITL: the gaps between successive text-carrying chunks (a chunk may carry several tokens;
//    every gap is one ITL sample, pooled over all requests of a step).
//  * Percentiles: linear interpolation between closest ranks (numpy.percentile's default,
//    "linear": the p-th percentile of n sorted values is at rank (n - 1) * p / 100).
//  * Throughput over a step's duration (first send to last end): requests/s of successful
//    requests, output tokens/s, total (input + output) tokens/s.
//  * Goodput: successful requests/s meeting every SLO given (TTFT, TPOT, E2E in ms); a request
//    without a TPOT (1 output token) meets a TPOT SLO.
// Failed requests (HTTP errors, timeouts, cut streams) are counted apart and never enter a
// latency distribution: a server that fails fast must not look fast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/store/store.h"

namespace rbench::probe {

// numpy-style linear-interpolation percentile of `sorted` (ascending), p in [0, 100].
// Returns NaN for an empty input.
double percentile(std::span<const double> sorted, double p);

struct Distribution {
  std::size_t count = 0;
  double mean = 0, median = 0, p90 = 0, p95 = 0, p99 = 0, min = 0, max = 0, stdev = 0;
};
// The summary of `values` (any order); all zeros with count 0 when empty.
Distribution describe(std::vector<double> values);

// TPOT of one request in seconds, or nullopt (failed, unknown times, or < 2 output tokens).
std::optional<double> tpot_s(const ProbeRequestRecord& r);

struct Slo {
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<double> e2e_ms;
  bool empty() const { return !ttft_ms && !tpot_ms && !e2e_ms; }
};
bool meets(const ProbeRequestRecord& r, const Slo& slo);

struct StepSummary {
  int step = 0;
  std::string load;       // "concurrency" | "rate"
  double load_value = 0;  // in flight, or requests/s (inf = all at once)
  std::size_t requests = 0, ok = 0, failed = 0;
  std::vector<std::pair<std::string, std::size_t>> failures;  // error kind -> count
  double duration_s = 0;
  std::int64_t input_tokens = 0, output_tokens = 0;
  bool tokens_from_usage = true;  // every ok request's counts came from the server's usage
  Distribution ttft_ms, tpot_ms, itl_ms, e2e_ms;
  double request_throughput = 0;  // ok requests / s
  double output_throughput = 0;   // output tokens / s
  double total_throughput = 0;    // (input + output) tokens / s
  std::size_t good = 0;           // ok requests meeting the SLOs (all ok ones without SLOs)
  double goodput = 0;             // good / s
  // The per-request values behind the distributions (ms), kept for CDFs and the perf gate.
  std::vector<double> ttft_samples, tpot_samples, itl_samples, e2e_samples;
};

// Summarises one step's requests (all with the same step index).
StepSummary summarize_step(std::span<const ProbeRequestRecord> requests, const Slo& slo);

}  // namespace rbench::probe
