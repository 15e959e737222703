// `rbench probe latency` against the mock server on loopback: output lengths held with
// ignore_eos, failed requests (HTTP 500, a cut stream) counted and kept out of the latency
// figures, every request stored, and the probe JSON accepted by `rbench perf compare`.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

rapidjson::Document parse_file(const std::filesystem::path& file) {
  rapidjson::Document doc;
  const std::string text = read_file(file);
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text.substr(0, 200);
  return doc;
}

TEST(ProbeLatency, FailuresCountedNeverFastAndEveryRequestStored) {
  MockServerOptions options;
  options.token_delay_ms = 2;
  // The first two requests fail: a 500 (no retry: a probe measures each request once) and a
  // stream cut mid-way. The rest are served.
  options.faults = parse_fault_spec("500,cut");
  MockOpenAIServer server(options);
  server.start();
  TempDir dir;
  const auto json = dir.path() / "probe.json";
  const auto db = (dir.path() / "probe.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"probe",
                        "latency",
                        "--model",
                        "mock",
                        "--base-url",
                        server.base_url(),
                        "--concurrency",
                        "1,2",
                        "--requests",
                        "6",
                        "--input-tokens",
                        "32",
                        "--output-tokens",
                        "12",
                        "--ignore-eos",
                        "--warmup",
                        "0",
                        "--slo-ttft-ms",
                        "5000",
                        "--json",
                        json.string(),
                        "--db",
                        db},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "step 1: 2 failed requests (1 http, 1 protocol)")) << out;
  EXPECT_TRUE(contains(server.last_request_body(), "\"ignore_eos\":true"))
      << server.last_request_body();
  EXPECT_EQ(server.requests_received(), 12u);

  const auto doc = parse_file(json);
  EXPECT_EQ(std::string(doc["kind"].GetString()), "latency");
  ASSERT_EQ(doc["steps"].Size(), 2u);
  const auto& first = doc["steps"][0];
  EXPECT_EQ(std::string(first["load"].GetString()), "concurrency");
  EXPECT_EQ(first["load_value"].GetDouble(), 1);
  EXPECT_EQ(first["ok"].GetInt(), 4);
  EXPECT_EQ(first["failed"].GetInt(), 2);
  EXPECT_EQ(first["failures"]["http"].GetInt(), 1);
  EXPECT_EQ(first["failures"]["protocol"].GetInt(), 1);
  // Only the 4 served requests are in the distributions; each made exactly 12 tokens.
  EXPECT_EQ(first["ttft_ms"]["count"].GetInt(), 4);
  EXPECT_EQ(first["samples"]["e2e_ms"].Size(), 4u);
  EXPECT_EQ(first["output_tokens"].GetInt(), 4 * 12);
  EXPECT_TRUE(first["tokens_from_usage"].GetBool());
  EXPECT_EQ(first["good"].GetInt(), 4);
  // 12 tokens 2 ms apart: TPOT about 2 ms, certainly not the failures' near-zero times.
  EXPECT_GT(first["tpot_ms"]["median"].GetDouble(), 1.0);
  const auto& second = doc["steps"][1];
  EXPECT_EQ(second["ok"].GetInt(), 6);
  EXPECT_EQ(second["failed"].GetInt(), 0);

  Store store(db);
  const auto probes = store.probes();
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].kind, "latency");
  EXPECT_EQ(probes[0].result_json + "\n", read_file(json));
  const auto requests = store.probe_requests(probes[0].id);
  ASSERT_EQ(requests.size(), 12u);
  int failed = 0;
  for (const ProbeRequestRecord& r : requests) {
    if (!r.ok) {
      ++failed;
      EXPECT_FALSE(r.error.empty());
      continue;
    }
    EXPECT_EQ(r.output_tokens, 12);
    EXPECT_EQ(r.itl_s.size(), 11u);  // one chunk per token
    EXPECT_GT(r.ttft_s, 0);
    EXPECT_GE(r.e2e_s, r.ttft_s);
  }
  EXPECT_EQ(failed, 2);

  // The document is what the regression gate reads: the same file against itself passes.
  ASSERT_EQ(run_rbench({"perf", "compare", json.string(), json.string()}, out), 0) << out;
  EXPECT_TRUE(contains(out, "concurrency=1 ttft_ms")) << out;
}

// Ctrl-C ends a probe at once and loses nothing: what was measured is stored and summarised,
// the requests it cut are stored as cancelled, and the exit status says it was interrupted.
TEST(ProbeLatency, InterruptedProbeKeepsWhatItMeasured) {
  using namespace std::chrono_literals;
  MockServerOptions options;
  options.token_delay_ms = 20;  // 40 tokens: about 0.8 s a request
  MockOpenAIServer server(options);
  server.start();
  TempDir dir;
  const auto db = (dir.path() / "probe.db").string();
  const auto json = dir.path() / "probe.json";
  Subprocess probe({RBENCH_BINARY,
                    "probe",
                    "latency",
                    "--model",
                    "mock",
                    "--base-url",
                    server.base_url(),
                    "--concurrency",
                    "2",
                    "--requests",
                    "40",
                    "--output-tokens",
                    "40",
                    "--ignore-eos",
                    "--warmup",
                    "0",
                    "--db",
                    db,
                    "--json",
                    json.string()},
                   dir.path() / "probe.log");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (server.requests_received() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  probe.signal(SIGINT);
  EXPECT_EQ(probe.wait(30s), 130) << read_file(dir.path() / "probe.log");
  EXPECT_TRUE(contains(read_file(dir.path() / "probe.log"), "interrupted"))
      << read_file(dir.path() / "probe.log");
  Store store(db);
  const auto probes = store.probes();
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_FALSE(probes[0].result_json.empty());
  const auto requests = store.probe_requests(probes[0].id);
  EXPECT_GE(requests.size(), 4u);
  EXPECT_LT(requests.size(), 40u);
  int ok = 0, cancelled = 0;
  for (const ProbeRequestRecord& r : requests) {
    ok += r.ok ? 1 : 0;
    cancelled += r.error_kind == "cancelled" ? 1 : 0;
  }
  EXPECT_GE(ok, 3);
  EXPECT_EQ(ok + cancelled, static_cast<int>(requests.size()));
  const auto doc = parse_file(json);
  EXPECT_EQ(doc["steps"][0]["ok"].GetInt(), ok);
}

TEST(ProbeLatency, RateStepsAndBadFlags) {
  MockOpenAIServer server;
  server.start();
  std::string out;
  ASSERT_EQ(
      run_rbench({"probe", "latency", "--model", "mock", "--base-url", server.base_url(), "--rate",
                  "50,inf", "--requests", "5", "--output-tokens", "4", "--warmup", "0"},
                 out),
      0)
      << out;
  EXPECT_TRUE(contains(out, "| 50/s | 5 / 5 |")) << out;
  EXPECT_TRUE(contains(out, "| all at once | 5 / 5 |")) << out;
  EXPECT_EQ(run_rbench({"probe", "latency", "--model", "mock", "--concurrency", "0"}, out), 2);
  EXPECT_TRUE(contains(out, "--concurrency values must be > 0")) << out;
  EXPECT_EQ(run_rbench({"probe", "latency", "--model", "mock", "--rate", "fast"}, out), 2);
}

}  // namespace
}  // namespace rbench::test
