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
