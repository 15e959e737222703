// End to end: `rbench rescore` grades stored answers again without calling the model, restores
// verdicts an older scorer got wrong, and refuses suite data that changed since the run.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <memory>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

void write_suite(const std::filesystem::path& file, const std::string& third_answer) {
  std::ofstream out(file);
  // The mock answers with the sum of the numbers in the question.
  out << R"({"id": "a", "question": "What is 2 plus 3?", "answer": "5"})"
      << "\n"
      << R"({"id": "b", "question": "What is 10 plus 4?", "answer": "14"})"
      << "\n"
      << R"({"id": "c", "question": "What is 7 times 6?", "answer": ")" << third_answer << R"("})"
      << "\n";
}

void exec_sql(const std::filesystem::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
  ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
}

int correct_count(const std::filesystem::path& db) {
  Store store(db);
  int n = 0;
  for (const auto& s : store.samples()) n += s.score && s.score->correct ? 1 : 0;
  return n;
}

// A run "r1" of the mock on the three sums into dir/r.db.
struct SumsRun {
  MockOpenAIServer server;
  TempDir dir;
  std::filesystem::path suite = dir.path() / "sums.jsonl";
  std::filesystem::path db = dir.path() / "r.db";

  SumsRun() {
    server.start();
    write_suite(suite, "42");
    std::string output;
    EXPECT_EQ(run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite",
                          suite.string(), "--run", "r1", "--quiet", "--db", db.string()},
                         output),
              0)
        << output;
  }
};

TEST(Rescore, GradesStoredAnswersAgainWithoutTheModel) {
  SumsRun r;
  auto& [server, dir, suite, db] = r;
  std::string output;
  const int before = correct_count(db);
  ASSERT_EQ(before, 2) << "the mock sums numbers: right on a and b, wrong on c (13)";
  const auto requests = server.requests_received();

  // An older scorer's verdicts: everything wrong, one score missing.
  exec_sql(db, "UPDATE scores SET correct = 0, value = 0, detail = 'old scorer'");
  exec_sql(db, "DELETE FROM scores WHERE sample_id = (SELECT MIN(id) FROM samples)");
  ASSERT_EQ(correct_count(db), 0);

  ASSERT_EQ(run_rbench({"rescore", "--db", db.string(), "--run", "r1"}, output), 0) << output;
  EXPECT_EQ(correct_count(db), 2);
  EXPECT_EQ(server.requests_received(), requests);  // no model call
  Store store(db);
  for (const auto& s : store.samples()) {
    ASSERT_TRUE(s.score.has_value());
    EXPECT_NE(s.score->detail, "old scorer");
  }
}

TEST(Rescore, RefusesSuiteDataThatChangedSinceTheRun) {
  SumsRun r;
  auto& [server, dir, suite, db] = r;
  std::string output;
  write_suite(suite, "13");  // the reference edited to what the mock answered
  EXPECT_EQ(run_rbench({"rescore", "--db", db.string()}, output), 2) << output;
  EXPECT_NE(output.find("sums"), std::string::npos) << output;
  EXPECT_NE(output.find("the run used version"), std::string::npos) << output;
  EXPECT_EQ(correct_count(db), 2);  // nothing rewritten

  EXPECT_EQ(run_rbench({"rescore", "--db", db.string(), "--run", "nope"}, output), 2) << output;
  EXPECT_NE(output.find("no run named 'nope'"), std::string::npos) << output;
}

}  // namespace
}  // namespace rbench::test
