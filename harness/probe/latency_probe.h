// The latency probe: synthetic requests of controlled length sent to an Engine under a sweep of
// load shapes, every request measured (harness/probe/latency_metrics.h) and stored as it
// finishes (Store::put_probe_request), each step summarised.
//  * concurrency steps: closed loop, N requests in flight; a new one starts when one ends.
//  * rate steps: open loop, requests sent at seeded gamma arrival times (harness/probe/arrivals.h)
//    whatever the server's state, at most `max_in_flight` at once (a request that would exceed it
//    waits and its delay shows in its start time).
// Each step is bounded by its request count and by `max_step_s`: after that no new request is
// sent and the ones in flight are cancelled after a grace period (stored as failed: "cancelled").
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "harness/core/clock.h"
#include "harness/probe/latency_metrics.h"
#include "harness/probe/workload.h"
#include "harness/store/store.h"

namespace rbench::probe {

struct LoadStep {
  std::string load;  // "concurrency" | "rate"
  double value = 1;  // in flight, or requests/s (inf = all at once)
};

struct LatencyProbeOptions {
  std::vector<LoadStep> steps;
  int requests_per_step = 32;
  double max_step_s = 120;  // bound on a step's wall time
  double grace_s = 30;      // in-flight requests get this long after max_step_s
  double burstiness = 1;    // rate steps: gamma shape (1 = Poisson)
  int max_in_flight = 256;  // rate steps: a cap on concurrent requests
  int warmup_requests = 1;  // sent before the sweep, not measured
  WorkloadOptions workload;
  bool ignore_eos = false;  // ask the server to generate exactly max_tokens
  bool min_tokens = false;  // ask for at least max_tokens (min_tokens = max_tokens)
  Slo slo;
  std::uint64_t seed = 0;
  SamplingParams sampling;  // temperature etc.; max_tokens is set per request
  // Where each request's start time (and its duration, when the engine reports none) is read
  // from, on its monotonic clock; null: the machine's. Pacing and deadlines stay on
  // steady_clock. The engine's own timings come from the engine's clock.
  const Clock* clock = nullptr;
};

// Progress lines ("step 2/5: concurrency 4, 32 requests ...") for the command line.
using ProbeLog = std::function<void(const std::string&)>;

// Runs the sweep against `engine` (thread-safe). With `store`, every request is stored under
// `probe_id`. `tokenizer` (may be null) makes input lengths exact and counts output tokens when
// the server reports no usage. Returns one summary per step, in order.
std::vector<StepSummary> run_latency_probe(Engine& engine, const LatencyProbeOptions& options,
                                           const moe::Tokenizer* tokenizer, Store* store,
                                           std::int64_t probe_id, const ProbeLog& log,
                                           std::stop_token stop);

// "1,2,4,8" -> concurrency steps; "0.5,1,2,inf" -> rate steps. Throws UsageError.
std::vector<LoadStep> parse_steps(const std::string& load, const std::string& values);

}  // namespace rbench::probe
