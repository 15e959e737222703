// The probe JSON document: what `rbench probe ... --json FILE` writes, what the store keeps in
// probes.result_json, and what `rbench perf compare` and the reports read. One object:
//
// {
//   "rbench_probe": 1,                      // format version
//   "kind": "latency" | "memory" | "ceiling" | "decode",
//   "model": "...", "engine": "...",        // what was probed
//   "rbench_version": "...", "git_sha": "...", "started_at": "ISO 8601", "finished_at": "...",
//   "config": { ... },                      // the flags, for the record
//   // kind "latency":
//   "slo": {"ttft_ms": 200, "tpot_ms": 50}, // those given; absent keys = none
//   "steps": [
//     {"step": 0, "load": "concurrency" | "rate", "load_value": 4 (rate: requests/s, or null for
//      "all at once"), "requests": 64, "ok": 63, "failed": 1, "failures": {"timeout": 1},
//      "duration_s": 12.3, "input_tokens": 16384, "output_tokens": 8064,
//      "tokens_from_usage": true,
//      "request_throughput": 5.1, "output_throughput": 655.6, "total_throughput": 1987.6,
//      "good": 60, "goodput": 4.9,
//      "ttft_ms": {"count", "mean", "median", "p90", "p95", "p99", "min", "max", "stdev"},
//      "tpot_ms": {...}, "itl_ms": {...}, "e2e_ms": {...},
//      "samples": {"ttft_ms": [per ok request], "tpot_ms": [...], "e2e_ms": [...],
//                  "itl_ms": [every gap]}}
//   ],
//   // kind "memory": "figures": {...} (harness/probe/memory_probe.h)
//   // kind "ceiling": "figures": {...} (harness/probe/ceiling_probe.h)
//   // kind "decode": "figures": {..., "rows": [{"batch", ..., "step_ms": [every timed step]}],
//   //                "mtp": {...} or null} (harness/probe/decode_probe.h)
// }
#pragma once

#include <string>
#include <vector>

#include "harness/probe/latency_metrics.h"

namespace rbench::probe {

struct ProbeHeader {
  std::string kind;
  std::string model;
  std::string engine;
  std::string started_at;
  std::string finished_at;
  std::string config_json = "{}";  // an object, as JSON text
};

// The document of a latency probe.
std::string latency_probe_json(const ProbeHeader& header, const Slo& slo,
                               const std::vector<StepSummary>& steps);

}  // namespace rbench::probe
