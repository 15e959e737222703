// `rbench probe ceiling`: how many streamed chat requests per second rbench's own client sustains
// against a server that costs nothing, and how that compares with wrk against the same server.
//
// The mock OpenAI server (harness/serve/mock_openai_server.h, no token delay) runs in process on
// 127.0.0.1. First rbench's OpenAIClient (the code path `rbench run` uses: request body, libcurl
// stream on the event loop, SSE parsing, reasoning split, timings) keeps N requests in flight for
// S seconds, each sending the next as soon as it ends; then wrk sends the same POST body with the
// same headers over N connections for S seconds. wrk's rate is the server's own ceiling on this
// machine, so ours / wrk says how much of it rbench's client leaves unused. Both keep their
// connections alive; wrk reads responses without parsing them, rbench's client parses every
// chunk. Both share the machine with the server (loopback), so on few cores each also competes
// with it for CPU. The client's own cost is reported too: its event loop thread's CPU time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/probe/probe_json.h"
#include "harness/probe/wrk.h"

namespace rbench::probe {

struct CeilingOptions {
  int duration_s = 5;   // of each of the two measurements
  int connections = 4;  // concurrent requests (our threads, wrk's connections)
  // wrk's path; empty: `wrk` on PATH. Not found: only our figure is reported.
  std::filesystem::path wrk;
  bool skip_wrk = false;
};

struct ClientCeiling {
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::string first_error;    // of the first failed request, if any
  double elapsed_s = 0;       // first send to last end
  double requests_per_s = 0;  // ok / elapsed
  double latency_median_ms = 0;
  double latency_p99_ms = 0;
  std::int64_t chunks_per_request = 0;  // text-carrying chunks of one response
  // The probe's own cost: CPU time of the client's event loop thread during the measurement.
  double loop_cpu_s = 0;
  double loop_cpu_us_per_request = 0;
};

struct CeilingReport {
  std::string endpoint;  // http://127.0.0.1:PORT/v1/chat/completions
  std::string body;      // what both sent
  std::vector<std::string> headers;
  int duration_s = 0;
  int connections = 0;
  ClientCeiling ours;
  std::int64_t server_requests = 0;  // the mock's count after both runs
  bool wrk_found = false;
  std::string wrk_path;
  std::string wrk_version;
  int wrk_threads = 0;
  std::optional<WrkSummary> wrk;
  std::string wrk_error;        // found but failed: why, with the tail of its output
  std::optional<double> ratio;  // ours / wrk
  std::vector<std::string> notes;
};

// Throws rbench::Error when the server cannot start or rbench's first request fails.
CeilingReport probe_ceiling(const CeilingOptions& options);

std::string ceiling_report_table(const CeilingReport& report);
std::string ceiling_probe_json(const ProbeHeader& header, const CeilingReport& report);
std::string ceiling_probe_config_json(const CeilingOptions& options);

}  // namespace rbench::probe
