#include "harness/probe/ceiling_probe.h"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "engines/openai/openai_client.h"
#include "engines/openai/openai_request.h"
#include "harness/core/error.h"
#include "harness/net/event_loop.h"
#include "harness/probe/probe_header.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::probe {
namespace {

using Clock = std::chrono::steady_clock;

// The request both load generators send: a short word problem, as a run's items are.
ChatRequest ceiling_request() {
  ChatRequest r;
  r.messages = {{"user", "Ann has 3 apples and buys 4 more. How many apples does she have?"}};
  return r;
}

ModelProfile mock_profile(const std::string& base_url) {
  ModelProfile p;
  p.name = "mock";
  p.base_url = base_url;
  p.api_model = "mock";
  p.max_attempts = 1;  // a failure is counted, not retried: retries would hide the cost
  p.connect_timeout_s = 5;
  p.idle_timeout_s = 10;
  p.total_timeout_s = 30;
  return p;
}

// Linear-interpolation percentile of sorted values (numpy's default).
double percentile_of_sorted(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const double rank = (static_cast<double>(v.size()) - 1) * p / 100.0;
  const auto lo = static_cast<std::size_t>(rank);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

// Closed loop on the client's event loop: `connections` requests in flight, each lane sending its
// next request from the previous one's done callback (on the loop's thread) until the deadline,
// as many requests in flight as wrk's connections, without a thread per request.
ClientCeiling measure_client(OpenAIClient& client, const CeilingOptions& o) {
  const ChatRequest request = ceiling_request();
  struct Lanes {
    std::vector<double> latencies_ms;
    std::int64_t failed = 0;
    std::string first_error;
    int running = 0;
    std::mutex mutex;  // `running`, for the waiting thread; the rest is the loop thread's
    std::condition_variable all_done;
  } lanes;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.duration_s);
  const double cpu_before = client.loop().thread_cpu_s();
  // One lane: send, and on its result record it and send again (or end).
  std::function<void()> send = [&] {
    const auto sent = Clock::now();
    client.submit(request, nullptr, {}, [&, sent](Completion done) {
      if (done.ok()) {
        lanes.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      } else {
        ++lanes.failed;
        if (lanes.first_error.empty()) lanes.first_error = done.error;
      }
      if (Clock::now() < deadline) {
        send();
        return;
      }
      std::lock_guard lock(lanes.mutex);
      if (--lanes.running == 0) lanes.all_done.notify_all();
    });
  };
  {
    std::unique_lock lock(lanes.mutex);
    lanes.running = o.connections;
  }
  for (int i = 0; i < o.connections; ++i) send();
  {
    std::unique_lock lock(lanes.mutex);
    lanes.all_done.wait(lock, [&] { return lanes.running == 0; });
  }
  ClientCeiling c;
  c.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  c.loop_cpu_s = client.loop().thread_cpu_s() - cpu_before;
  std::vector<double>& all = lanes.latencies_ms;
  std::sort(all.begin(), all.end());
  c.ok = static_cast<std::int64_t>(all.size());
  c.failed = lanes.failed;
  c.first_error = lanes.first_error;
  c.requests_per_s = c.elapsed_s > 0 ? static_cast<double>(c.ok) / c.elapsed_s : 0;
  c.latency_median_ms = percentile_of_sorted(all, 50);
  c.latency_p99_ms = percentile_of_sorted(all, 99);
  const auto requests = c.ok + c.failed;
  c.loop_cpu_us_per_request = requests > 0 ? c.loop_cpu_s * 1e6 / static_cast<double>(requests) : 0;
  return c;
}

// Runs wrk against the endpoint with the script; fills the report's wrk fields.
void measure_wrk(const std::filesystem::path& wrk, const CeilingOptions& o, CeilingReport& r) {
  r.wrk_found = true;
  r.wrk_path = wrk.string();
  const CommandOutput version = run_command({r.wrk_path, "-v"}, std::chrono::seconds(10));
  r.wrk_version = version.output.substr(0, version.output.find('\n'));
  const std::filesystem::path script =
      std::filesystem::temp_directory_path() / fmt::format("rbench-ceiling-{}.lua", ::getpid());
  std::ofstream(script) << wrk_post_script(r.body, r.headers);
  // wrk needs connections >= threads; one thread per core at most.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  r.wrk_threads = std::min(o.connections, cores);
  const CommandOutput out = run_command(
      {r.wrk_path, "-t", std::to_string(r.wrk_threads), "-c", std::to_string(o.connections), "-d",
       fmt::format("{}s", o.duration_s), "--latency", "-s", script.string(), r.endpoint},
      std::chrono::seconds(o.duration_s + 30));
  std::error_code ignored;
  std::filesystem::remove(script, ignored);
  r.wrk = parse_wrk_output(out.output);
  if (!r.wrk || out.status != 0) {
    const std::string tail =
        out.output.size() > 600 ? out.output.substr(out.output.size() - 600) : out.output;
    r.wrk_error = fmt::format("wrk exited with status {}{}: {}", out.status,
                              out.timed_out ? " (timed out)" : "", tail);
    if (out.status != 0) r.wrk.reset();
  }
}

}  // namespace

CeilingReport probe_ceiling(const CeilingOptions& o) {
  if (o.duration_s < 1) throw UsageError(fmt::format("--duration: {} is not >= 1", o.duration_s));
  if (o.connections < 1 || o.connections > 256) {
    throw UsageError(fmt::format("--connections: {} is not in [1, 256]", o.connections));
  }
  MockServerOptions server_options;
  server_options.token_delay_ms = 0;
  MockOpenAIServer server(server_options);
  server.start();

  CeilingReport r;
  r.duration_s = o.duration_s;
  r.connections = o.connections;
  const ModelProfile profile = mock_profile(server.base_url());
  OpenAIClient client(profile);
  r.endpoint = client.endpoint();
  r.body = build_request_body(profile, ceiling_request(), true);
  // The headers OpenAIClient sends with a streamed request (no API key for the mock).
  r.headers = {"Content-Type: application/json", "Accept: text/event-stream"};

  // One request first: the path works, and what a response is made of.
  const Completion first = client.complete(ceiling_request(), nullptr, {});
  if (!first.ok())
    throw Error("probe ceiling: the first request to the mock failed: " + first.error);
  r.ours = measure_client(client, o);
  r.ours.chunks_per_request = static_cast<std::int64_t>(first.timings.chunk_times_s.size());

  if (!o.skip_wrk) {
    const auto wrk = o.wrk.empty() ? find_on_path("wrk") : std::optional(o.wrk);
    if (wrk && std::filesystem::exists(*wrk)) {
      measure_wrk(*wrk, o, r);
    } else {
      r.notes.push_back(o.wrk.empty() ? "wrk is not on PATH (Debian: apt-get install wrk): only "
                                        "rbench's own figure is reported"
                                      : "wrk not found at " + o.wrk.string());
    }
  }
  if (r.wrk && r.wrk->requests_per_s > 0) r.ratio = r.ours.requests_per_s / r.wrk->requests_per_s;
  if (r.wrk && r.wrk->non_2xx + r.wrk->socket_errors > 0) {
    r.notes.push_back(fmt::format("wrk saw {} non-2xx responses and {} socket errors",
                                  r.wrk->non_2xx, r.wrk->socket_errors));
  }
  r.notes.push_back(
      "rbench's client runs every request on one event loop thread over kept-alive connections "
      "and parses every SSE chunk; wrk keeps its connections alive and does not parse the stream");
  r.notes.push_back(fmt::format(
      "the probe's own overhead: the client's event loop thread used {:.1f} us of CPU per request "
      "({:.2f} s in all); chunk timestamps are taken in libcurl's write callback on that thread, "
      "as the bytes arrive",
      r.ours.loop_cpu_us_per_request, r.ours.loop_cpu_s));
  r.notes.push_back(
      fmt::format("client, server and wrk share this machine's {} cores over loopback",
                  std::max(1u, std::thread::hardware_concurrency())));
  server.stop();
  r.server_requests = static_cast<std::int64_t>(server.requests_received());
  return r;
}

std::string ceiling_report_table(const CeilingReport& r) {
  std::string s = fmt::format(
      "ceiling probe: streamed chat requests against the in-process mock server ({}),\n"
      "  {} connections, {} s each; the response is {} text chunks\n\n",
      r.endpoint, r.connections, r.duration_s, r.ours.chunks_per_request);
  s += fmt::format(
      "  rbench client  {:>10.1f} requests/s  ({} ok, {} failed in {:.2f} s; "
      "latency median {:.2f} ms, p99 {:.2f} ms)\n",
      r.ours.requests_per_s, r.ours.ok, r.ours.failed, r.ours.elapsed_s, r.ours.latency_median_ms,
      r.ours.latency_p99_ms);
  if (r.ours.failed > 0) s += fmt::format("    first error: {}\n", r.ours.first_error);
  if (r.wrk) {
    s += fmt::format(
        "  wrk            {:>10.1f} requests/s  ({} requests in {:.2f} s, {} threads; "
        "latency mean {:.2f} ms)\n",
        r.wrk->requests_per_s, r.wrk->requests, r.wrk->duration_s, r.wrk_threads,
        r.wrk->latency_avg_ms);
  } else if (!r.wrk_error.empty()) {
    s += "  wrk            failed: " + r.wrk_error + "\n";
  } else {
    s += "  wrk            not run\n";
  }
  if (r.ratio) s += fmt::format("  ours / wrk     {:>10.3f}\n", *r.ratio);
  for (const std::string& note : r.notes) s += "  - " + note + "\n";
  return s;
}

std::string ceiling_probe_json(const ProbeHeader& header, const CeilingReport& r) {
  const ClientCeiling& ours = r.ours;
  json::OutValue wrk = json::null;
  if (r.wrk) {
    wrk = json::object({{"path", r.wrk_path},
                        {"version", r.wrk_version},
                        {"threads", r.wrk_threads},
                        {"requests_per_s", r.wrk->requests_per_s},
                        {"requests", r.wrk->requests},
                        {"duration_s", r.wrk->duration_s},
                        {"non_2xx", r.wrk->non_2xx},
                        {"socket_errors", r.wrk->socket_errors},
                        {"latency_avg_ms", r.wrk->latency_avg_ms}});
  }
  json::Writer w;
  w.object([&](json::Writer& w) {
    write_probe_header(w, header);
    w.field("figures",
            json::object({{"endpoint", r.endpoint},
                          {"body", r.body},
                          {"duration_s", r.duration_s},
                          {"connections", r.connections},
                          {"ours", json::object({
                                       {"requests_per_s", ours.requests_per_s},
                                       {"ok", ours.ok},
                                       {"failed", ours.failed},
                                       {"first_error", ours.first_error},
                                       {"elapsed_s", ours.elapsed_s},
                                       {"latency_median_ms", ours.latency_median_ms},
                                       {"latency_p99_ms", ours.latency_p99_ms},
                                       {"chunks_per_request", ours.chunks_per_request},
                                       {"loop_cpu_s", ours.loop_cpu_s},
                                       {"loop_cpu_us_per_request", ours.loop_cpu_us_per_request},
                                   })},
                          {"wrk", wrk},
                          {"wrk_found", r.wrk_found},
                          {"wrk_error", r.wrk_error},
                          {"ratio_ours_to_wrk", json::nullable(r.ratio)},
                          {"server_requests", r.server_requests}}));
    write_assumptions(w, r.notes);
  });
  return w.str();
}

std::string ceiling_probe_config_json(const CeilingOptions& o) {
  json::Writer w;
  w.object({{"duration_s", o.duration_s}, {"connections", o.connections}, {"wrk", o.wrk.string()}});
  return w.str();
}

}  // namespace rbench::probe
