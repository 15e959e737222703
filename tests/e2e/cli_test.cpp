// The command line as scripts use it: exit codes, errors that say what and where, --help.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <fstream>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Cli, VersionAndHelpOnEveryCommand) {
  std::string out;
  ASSERT_EQ(run_rbench({"--version"}, out), 0);
  EXPECT_TRUE(contains(out, "rbench 0.")) << out;
  for (const char* cmd : {"run", "report", "models", "suites", "data", "serve", "engine"}) {
    ASSERT_EQ(run_rbench({cmd, "--help"}, out), 0) << cmd << ": " << out;
    EXPECT_TRUE(contains(out, "Usage")) << cmd << ": " << out;
  }
}

TEST(Cli, ModelsListsProfilesWithPrices) {
  std::string out;
  ASSERT_EQ(run_rbench({"models"}, out), 0) << out;
  for (const char* name :
       {"deepseek-r1", "openai-o1", "gemini-2.0-flash", "granite-3.2-8b-vllm", "local", "mock"}) {
    EXPECT_TRUE(contains(out, name)) << name << " missing from:\n" << out;
  }
}

TEST(Cli, SuitesListsTheMathSuites) {
  std::string out;
  ASSERT_EQ(run_rbench({"suites"}, out), 0) << out;
  for (const char* name : {"gsm8k", "math500", "demo-math"})
    EXPECT_TRUE(contains(out, name)) << out;
}

TEST(Cli, UnknownProfileIsAUsageError) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(run_rbench({"run", "--model", "no-such-model", "--suite", "demo-math", "--db",
                        (dir.path() / "x.db").string()},
                       out),
            2);
  EXPECT_TRUE(contains(out, "no-such-model")) << out;
}

TEST(Cli, MalformedSuiteFileNamesFileAndLine) {
  TempDir dir;
  const auto suite = dir.path() / "broken.jsonl";
  {
    std::ofstream f(suite);
    f << R"({"id": "a", "question": "1+1?", "answer": "2"})"
      << "\n";
    f << R"({"id": "b", "question": "2+2?", "answer": )"
      << "\n";
  }
  std::string out;
  EXPECT_EQ(run_rbench({"run", "--model", "mock", "--suite", suite.string(), "--db",
                        (dir.path() / "x.db").string()},
                       out),
            2);
  EXPECT_TRUE(contains(out, "broken.jsonl:2")) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.db")) << "nothing should be written";
}

TEST(Cli, MissingPublicDataSaysHowToGetIt) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(run_rbench({"run", "--model", "mock", "--suite", "gsm8k", "--data-dir",
                        dir.path().string(), "--db", (dir.path() / "x.db").string()},
                       out),
            2);
  EXPECT_TRUE(contains(out, "rbench data fetch gsm8k")) << out;
}

TEST(Cli, ResumingWithOtherSamplingSettingsIsRefused) {
  MockOpenAIServer server(MockServerOptions{});
  server.start();
  TempDir dir;
  const auto db = (dir.path() / "x.db").string();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
  std::string out;
  ASSERT_EQ(run_rbench({"run", "--model", "mock", "--base-url", url, "--suite", "demo-math",
                        "--limit", "2", "--db", db, "--run", "r", "--quiet"},
                       out),
            0)
      << out;
  EXPECT_EQ(run_rbench({"run", "--model", "mock", "--base-url", url, "--suite", "demo-math",
                        "--limit", "2", "--db", db, "--run", "r", "--quiet", "--max-tokens", "7"},
                       out),
            2);
  EXPECT_TRUE(contains(out, "different configuration")) << out;
}

TEST(Cli, GsmRunAgainstLocalServerThenJsonReport) {
  const std::filesystem::path data = RBENCH_SHARED_DATA_DIR;
  if (!std::filesystem::exists(data / "gsm8k" / "test.jsonl")) {
    GTEST_SKIP() << "no " << (data / "gsm8k" / "test.jsonl") << "; skipping";
  }
  MockOpenAIServer server(MockServerOptions{});
  server.start();
  TempDir dir;
  const auto db = (dir.path() / "x.db").string();
  std::string out;
  ASSERT_EQ(
      run_rbench({"run", "--model", "local", "--base-url",
                  "http://127.0.0.1:" + std::to_string(server.port()) + "/v1", "--suite", "gsm8k",
                  "--data-dir", data.string(), "--limit", "20", "--db", db, "--quiet"},
                 out),
      0)
      << out;
  const auto json = (dir.path() / "r.json").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", json}, out), 0) << out;
  rapidjson::Document report;
  report.Parse(read_file(json).c_str());
  ASSERT_FALSE(report.HasParseError());
  ASSERT_EQ(report["results"].Size(), 1u);
  const auto& result = report["results"][0];
  EXPECT_STREQ(result["suite"].GetString(), "gsm8k");
  EXPECT_EQ(result["n"].GetInt(), 20);
  EXPECT_EQ(result["errors"].GetInt(), 0);
  // The mock answers the sum of the numbers: right on a few GSM8K items, wrong on most.
  EXPECT_LT(result["correct"].GetInt(), 20);
}

}  // namespace
}  // namespace rbench::test

namespace rbench::test {
namespace {

TEST(Cli, CostComesFromUsageAndTheProfilesPrices) {
  MockOpenAIServer server(MockServerOptions{});
  server.start();
  TempDir dir;
  const auto profile = (dir.path() / "priced.json").string();
  {
    std::ofstream out(profile);
    out << R"({"name": "priced", "base_url": ")" << server.base_url()
        << R"(", "api_model": "mock", "pricing": {"input_per_mtok": 2.0, "output_per_mtok": 8.0,
              "as_of": "2026-11-23", "source": "test"}})";
  }
  const auto db = (dir.path() / "x.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"run", "--model", profile, "--suite", "demo-math", "--limit", "6", "--db",
                        db, "--quiet"},
                       out),
            0)
      << out;
  Store store(db);
  double total = 0;
  int correct = 0;
  for (const auto& r : store.samples()) {
    const auto& u = r.completion.usage;
    ASSERT_GT(u.prompt_tokens, 0);
    ASSERT_GT(u.completion_tokens, 0);
    EXPECT_DOUBLE_EQ(r.cost_usd, (u.prompt_tokens * 2.0 + u.completion_tokens * 8.0) / 1e6);
    total += r.cost_usd;
    correct += r.score && r.score->correct ? 1 : 0;
  }
  ASSERT_GT(correct, 0) << "the mock gets the first demo items right";
  const auto json = (dir.path() / "r.json").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", json}, out), 0) << out;
  rapidjson::Document report;
  report.Parse(read_file(json).c_str());
  const auto& result = report["results"][0];
  EXPECT_NEAR(result["cost_usd"].GetDouble(), total, 1e-12);
  EXPECT_NEAR(result["cost_per_correct_usd"].GetDouble(), total / correct, 1e-12);
}

}  // namespace
}  // namespace rbench::test

namespace rbench::test {
namespace {

// A self-hosted model priced by the hour: the run stores the price, the report charges the busy
// time (the union of the samples' in-flight intervals) and shares it by tokens; --prices then
// re-prices the same store per token, and says so.
TEST(Cli, HourlyPriceChargesBusyTimeAndPricesFileRepricesIt) {
  MockOpenAIServer server(MockServerOptions{});
  server.start();
  TempDir dir;
  const auto db = (dir.path() / "x.db").string();
  std::string out;
  ASSERT_EQ(
      run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite", "demo-math",
                  "--limit", "6", "--db", db, "--quiet", "--price-per-hour", "3600"},
                 out),
      0)
      << out;
  const auto json = (dir.path() / "r.json").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", json}, out), 0) << out;
  rapidjson::Document report;
  report.Parse(read_file(json).c_str());
  ASSERT_FALSE(report.HasParseError());
  const auto& prices = report["prices"]["models"];
  ASSERT_EQ(prices.Size(), 1u);
  EXPECT_DOUBLE_EQ(prices[0]["pricing"]["hourly_usd"].GetDouble(), 3600);
  EXPECT_FALSE(prices[0]["repriced"].GetBool());
  const double busy = prices[0]["busy_s"].GetDouble();
  EXPECT_GT(busy, 0);
  // $3600 an hour is a dollar a busy second.
  const auto& result = report["results"][0];
  EXPECT_NEAR(result["cost_usd"].GetDouble(), busy, 1e-9);
  EXPECT_NEAR(prices[0]["cost_usd"].GetDouble(), busy, 1e-9);
  // Busy time is at most the sum of the samples' e2e (requests overlap at concurrency 4).
  double e2e_sum = 0;
  Store store(db);
  for (const auto& r : store.samples()) e2e_sum += r.completion.timings.e2e_s;
  EXPECT_LE(busy, e2e_sum + 1e-6);

  const auto price_file = (dir.path() / "prices.json").string();
  {
    std::ofstream f(price_file);
    f << R"({"mock": {"input_per_mtok": 1000000, "output_per_mtok": 0}})";  // $1 a prompt token
  }
  const auto repriced = (dir.path() / "p.json").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "--prices", price_file, "-o", repriced}, out), 0)
      << out;
  rapidjson::Document again;
  again.Parse(read_file(repriced).c_str());
  double prompt_tokens = 0;
  for (const auto& r : store.samples()) prompt_tokens += double(r.completion.usage.prompt_tokens);
  EXPECT_NEAR(again["results"][0]["cost_usd"].GetDouble(), prompt_tokens, 1e-6);
  EXPECT_TRUE(again["prices"]["models"][0]["repriced"].GetBool());
  EXPECT_NE(std::string(again["prices"]["note"].GetString()).find(price_file), std::string::npos);

  // A price file with a typo names the file and the field.
  {
    std::ofstream f(price_file);
    f << R"({"mock": {"input_per_mtk": 1}})";
  }
  EXPECT_NE(run_rbench({"report", "--db", db, "--prices", price_file, "-o", repriced}, out), 0);
  EXPECT_NE(out.find(price_file + ": $.mock.input_per_mtk: unknown key"), std::string::npos) << out;
}

}  // namespace
}  // namespace rbench::test
