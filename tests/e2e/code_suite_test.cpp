// End to end: `rbench run` on code suites against the mock OpenAI server on 127.0.0.1, chat and
// completion style, each program executed in the sandbox, into SQLite and the JSON report.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

std::vector<std::string> run_args(const MockOpenAIServer& server, const std::filesystem::path& db,
                                  const std::string& suite) {
  return {"run",     "--model",  "mock",       "--base-url",           server.base_url(),
          "--suite", suite,      "--data-dir", RBENCH_SHARED_DATA_DIR, "--quiet",
          "--db",    db.string()};
}

TEST(CodeSuite, ChatStyleRunsEveryProgramAndReportsPassAtK) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto db = dir.path() / "code.db";
  auto args = run_args(server, db, "demo-code");
  args.insert(args.end(), {"--samples", "2", "--limit", "6"});
  std::string output;
  ASSERT_EQ(run_rbench(args, output), 0) << output;

  Store store(db);
  const auto samples = store.samples();
  ASSERT_EQ(samples.size(), 12u);
  for (const SampleRecord& s : samples) {
    ASSERT_TRUE(s.score.has_value()) << s.key.item_id;
    EXPECT_EQ(s.scorer, "code");
    // The mock's weak baseline (`return None`) fails every demo task's tests.
    EXPECT_EQ(s.score->outcome, "failed") << s.key.item_id << ": " << s.score->detail;
    EXPECT_NE(s.prompt_json.find("```python"), std::string::npos);
    EXPECT_NE(s.score->extracted.find("def "), std::string::npos);
  }

  const auto json_path = dir.path() / "report.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json_path.string()}, output), 0)
      << output;
  rapidjson::Document doc;
  doc.Parse(read_file(json_path).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& result = doc["results"][0];
  EXPECT_EQ(result["outcomes"]["failed"].GetInt(), 12);
  const auto& pass_at = result["pass_at_k"].GetArray();
  ASSERT_EQ(pass_at.Size(), 2u);  // k = 1 and 2
  EXPECT_EQ(pass_at[1]["k"].GetInt(), 2);
  EXPECT_EQ(pass_at[1]["value"].GetDouble(), 0.0);
}

TEST(CodeSuite, CompletionStyleSendsTheHeaderAsARawPromptAndPassesWhatIsRight) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  // Two tasks of our own where the mock's continuation (`return None`) is right for one.
  const auto suite = dir.path() / "none-tasks.jsonl";
  {
    std::ofstream out(suite);
    out << R"({"id": "t/none", "prompt": "def nothing(x):\n    \"\"\"Returns None.\"\"\"\n", )"
        << R"("entry_point": "nothing", "tests": "def check(candidate):\n    assert candidate(1) is None\n"})"
        << "\n"
        << R"({"id": "t/one", "prompt": "def one(x):\n    \"\"\"Returns 1.\"\"\"\n", )"
        << R"("entry_point": "one", "tests": "def check(candidate):\n    assert candidate(5) == 1\n"})"
        << "\n";
  }
  const auto db = dir.path() / "code.db";
  auto args = run_args(server, db, suite.string());
  args.insert(args.end(), {"--prompt-style", "completion"});
  std::string output;
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  // The last request went to /v1/completions with the header and the stop strings.
  const std::string body = server.last_request_body();
  EXPECT_NE(body.find("\"prompt\""), std::string::npos) << body;
  EXPECT_NE(body.find("\\ndef"), std::string::npos) << body;

  Store store(db);
  std::map<std::string, std::string> outcome;
  for (const SampleRecord& s : store.samples()) {
    ASSERT_TRUE(s.score.has_value());
    outcome[s.key.item_id] = s.score->outcome;
    EXPECT_NE(s.prompt_json.find("\"role\":\"prompt\""), std::string::npos) << s.prompt_json;
    EXPECT_EQ(s.score->method, "prompt + completion");
  }
  EXPECT_EQ(outcome["t/none"], "passed");
  EXPECT_EQ(outcome["t/one"], "failed");
}

TEST(CodeSuite, PromptStyleIsRefusedForMathSuites) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  auto args = run_args(server, dir.path() / "x.db", "demo-math");
  args.insert(args.end(), {"--prompt-style", "completion"});
  std::string output;
  EXPECT_EQ(run_rbench(args, output), 2) << output;
  EXPECT_NE(output.find("--prompt-style applies to code suites"), std::string::npos) << output;
}

TEST(CodeSuite, SandboxInfoNamesTheLayersInForce) {
  std::string output;
  ASSERT_EQ(run_rbench({"sandbox", "info", "--speed-factor", "1"}, output), 0) << output;
  EXPECT_NE(output.find("network:"), std::string::npos) << output;
  EXPECT_NE(output.find("seccomp:"), std::string::npos) << output;
  EXPECT_NE(output.find("speed factor: 1.00"), std::string::npos) << output;
}

TEST(CodeSuite, SandboxRunExitsZeroOnlyWhenTheProgramPasses) {
  TempDir dir;
  const auto program = dir.path() / "p.py";
  const auto tests = dir.path() / "t.py";
  std::ofstream(program) << "def inc(x):\n    return x + 1\n";
  std::ofstream(tests) << "def check(c):\n    assert c(1) == 2\n";
  std::string output;
  const std::vector<std::string> args = {
      "sandbox",       "run", program.string(), "--tests", tests.string(),
      "--entry-point", "inc", "--speed-factor", "1"};
  EXPECT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_NE(output.find("outcome: passed"), std::string::npos) << output;
  std::ofstream(tests) << "def check(c):\n    assert c(2) == 4\n";
  EXPECT_EQ(run_rbench(args, output), 1) << output;
  EXPECT_NE(output.find("assert c(2) == 4"), std::string::npos) << output;
  EXPECT_EQ(run_rbench({"sandbox", "run", (dir.path() / "missing.py").string()}, output), 2)
      << output;
  EXPECT_NE(output.find("missing.py: cannot open file"), std::string::npos) << output;
}

}  // namespace
}  // namespace rbench::test
