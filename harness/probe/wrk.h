// wrk (github.com/wg/wrk, Debian package `wrk`) as the reference load generator of the ceiling
// probe: found on PATH, driven by a small Lua script that POSTs the same body rbench's client
// sends, its summary read back from its text output.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::probe {

// The first executable `name` in $PATH, or nullopt.
std::optional<std::filesystem::path> find_on_path(std::string_view name);

// A wrk script (Lua) sending POST `body` with these "Name: value" headers.
std::string wrk_post_script(std::string_view body, const std::vector<std::string>& headers);

// What wrk printed at the end of a run.
struct WrkSummary {
  double requests_per_s = 0;  // "Requests/sec:"
  std::int64_t requests = 0;  // "N requests in D"
  double duration_s = 0;
  std::int64_t non_2xx = 0;        // "Non-2xx or 3xx responses: N"
  std::int64_t socket_errors = 0;  // "Socket errors: connect A, read B, write C, timeout D", summed
  double latency_avg_ms = -1;      // the Latency row's average; -1 when absent
};
// nullopt when the output has no "Requests/sec:" line.
std::optional<WrkSummary> parse_wrk_output(std::string_view output);

// A command's exit status (or 128 + signal) and its stdout and stderr together.
struct CommandOutput {
  int status = -1;
  bool timed_out = false;  // killed after the timeout
  std::string output;
};
// Runs argv[0] (a path) with the arguments, no shell; output capped at 1 MiB. Throws rbench::Error
// when it cannot be started.
CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace rbench::probe
