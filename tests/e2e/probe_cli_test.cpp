// `rbench probe memory` and `rbench probe ceiling` through the command line: the table on stdout,
// the probe JSON document (--json) and the row in the store (--db).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "e2e/subprocess.h"
#include "harness/probe/wrk.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

const std::string kV3Config =
    std::string(RBENCH_SOURCE_DIR) + "/tests/engines/data/deepseek-v3-config.json";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

rapidjson::Document parse_file(const std::filesystem::path& file) {
  rapidjson::Document doc;
  const std::string text = read_file(file);
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// The single stored probe: finished, of `kind`, its document the one written with --json.
void expect_stored(const std::string& db, const std::string& kind, const std::string& run,
                   const std::filesystem::path& json_file) {
  Store store(db);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, run);
  const auto probes = store.probes(runs[0].id);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].kind, kind);
  EXPECT_FALSE(probes[0].finished_at.empty());
  EXPECT_EQ(probes[0].result_json + "\n", read_file(json_file));
}

TEST(ProbeCli, MemoryOfDeepSeekV3Config) {
  TempDir dir;
  const auto json = dir.path() / "memory.json";
  const auto db = (dir.path() / "p.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"probe", "memory", "--config", kV3Config, "--context", "4096",
                        "--memory-budget", "1128", "--json", json.string(), "--db", db},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "70,272 B")) << out;     // latent KV per token, bf16
  EXPECT_TRUE(contains(out, "4,997,120 B")) << out;  // its multi-head equivalent
  EXPECT_TRUE(contains(out, "98.6%")) << out;
  EXPECT_TRUE(contains(out, "93.3% (as published)")) << out;
  EXPECT_TRUE(contains(out, "device: cpu")) << out;
  const auto doc = parse_file(json);
  EXPECT_EQ(doc["rbench_probe"].GetInt(), 1);
  EXPECT_STREQ(doc["kind"].GetString(), "memory");
  EXPECT_STREQ(doc["model"].GetString(), "deepseek-v3-config");
  EXPECT_EQ(doc["figures"]["kv_cache"]["latent_per_token"].GetInt64(), 70272);
  EXPECT_EQ(doc["figures"]["kv_cache"]["mha_per_token"].GetInt64(), 4997120);
  EXPECT_TRUE(doc["figures"]["measured"].IsNull());
  EXPECT_STREQ(doc["figures"]["fit"]["basis"].GetString(), "analytic");
  // fp8 weights (~689 GB) in 1128 GiB (8 x 141 GB): room for batches at 4096 tokens.
  EXPECT_GT(doc["figures"]["fit"]["rows"][0]["max_batch"].GetInt64(), 0);
  EXPECT_TRUE(doc["assumptions"].IsArray());
  expect_stored(db, "memory", "probe-memory-deepseek-v3-config", json);
}

TEST(ProbeCli, MemoryOfATinyCheckpointIsMeasured) {
  TempDir dir;
  const auto model = (dir.path() / "tiny").string();
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "make-tiny", "--out", model, "--seed", "1"}, out), 0) << out;
  const auto json = dir.path() / "memory.json";
  const auto db = (dir.path() / "p.db").string();
  ASSERT_EQ(run_rbench({"probe", "memory", "--model", model, "--context", "128", "--json",
                        json.string(), "--db", db, "--run", "tiny-memory"},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "Measured on")) << out;
  const auto doc = parse_file(json);
  const auto& measured = doc["figures"]["measured"];
  ASSERT_TRUE(measured.IsObject());
  EXPECT_EQ(measured["forward_tokens"].GetInt(), 128);
  EXPECT_EQ(measured["kv_cache_bytes"].GetInt64(),
            128 * measured["kv_bytes_per_token_held"].GetInt64());
  EXPECT_GT(measured["after_load"]["rss_bytes"].GetInt64(), 0);
  EXPECT_STREQ(doc["figures"]["fit"]["budget_source"].GetString(), "MemAvailable");
  expect_stored(db, "memory", "tiny-memory", json);
}

TEST(ProbeCli, MemoryRefusesABadKvDtype) {
  std::string out;
  EXPECT_EQ(run_rbench({"probe", "memory", "--config", kV3Config, "--kv-dtype", "int4"}, out), 2);
  EXPECT_TRUE(contains(out, "--kv-dtype: 'int4'")) << out;
}

TEST(ProbeCli, CeilingAgainstTheMockAndWrk) {
  TempDir dir;
  const auto json = dir.path() / "ceiling.json";
  const auto db = (dir.path() / "p.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"probe", "ceiling", "--duration", "1", "--connections", "2", "--json",
                        json.string(), "--db", db},
                       out, std::chrono::seconds(60)),
            0)
      << out;
  const auto doc = parse_file(json);
  EXPECT_STREQ(doc["kind"].GetString(), "ceiling");
  const auto& f = doc["figures"];
  EXPECT_GT(f["ours"]["ok"].GetInt64(), 0) << out;
  EXPECT_EQ(f["ours"]["failed"].GetInt64(), 0) << out;
  EXPECT_GT(f["ours"]["requests_per_s"].GetDouble(), 0);
  EXPECT_EQ(f["connections"].GetInt(), 2);
  if (probe::find_on_path("wrk")) {
    ASSERT_TRUE(f["wrk"].IsObject()) << out;
    EXPECT_GT(f["wrk"]["requests_per_s"].GetDouble(), 0);
    EXPECT_EQ(f["wrk"]["non_2xx"].GetInt64(), 0);
    EXPECT_GT(f["ratio_ours_to_wrk"].GetDouble(), 0);
    // The mock answers instantly: a mean in tens of milliseconds on kept-alive connections is
    // Nagle's algorithm waiting for delayed ACKs (the servers set TCP_NODELAY against it).
    EXPECT_LT(f["wrk"]["latency_avg_ms"].GetDouble(), 20.0) << out;
    EXPECT_TRUE(contains(out, "ours / wrk")) << out;
  } else {
    EXPECT_TRUE(f["wrk"].IsNull());
    EXPECT_TRUE(contains(out, "wrk is not on PATH")) << out;
  }
  expect_stored(db, "ceiling", "probe-ceiling", json);
}

}  // namespace
}  // namespace rbench::test
