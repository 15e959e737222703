// End to end: `rbench rescore` grades stored answers again without calling the model, restores
// verdicts an older scorer got wrong, and refuses suite data that changed since the run.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

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

// Stored answers written the ways issue 18's rules read (no box, a JSON answer field, a labelled
// ratio, a decimal comma, a numeral's digits without its base, a linear inequality): rescoring
// flips their verdicts, prints every flip with its item and rules, and the reports count the
// new rules.
TEST(Rescore, PrintsEveryFlipWithTheRulesItNowRestsOn) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto suite = dir.path() / "forms.jsonl";
  const auto db = dir.path() / "r.db";
  {
    std::ofstream out(suite);
    out << R"({"id": "a", "question": "What is 2 plus 3?", "answer": "5"})"
        << "\n"
        << R"({"id": "d", "question": "Ratio of the areas?", "answer": "7:32"})"
        << "\n"
        << R"({"id": "e", "question": "Length in metres?", "answer": "1.22"})"
        << "\n"
        << R"({"id": "f", "question": "Write it in base three.", "answer": "1112112_3"})"
        << "\n"
        << R"({"id": "g", "question": "Solve the inequality.", "answer": "x \\le 3"})"
        << "\n";
  }
  std::string output;
  ASSERT_EQ(run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite",
                        suite.string(), "--run", "r1", "--quiet", "--db", db.string()},
                       output),
            0)
      << output;
  ASSERT_EQ(correct_count(db), 1) << "the mock sums numbers: right on a only";

  const std::map<std::string, std::string> answers = {
      {"a", "Adding them gives $2 + 2$, which I checked twice."},
      {"d", "The areas compare as \\boxed{S_1:S_2 = 7:32}."},
      {"e", "Final Answer: 1,22"},
      {"f", "```json\n{\"reasoning\": \"repeated division by 3\", \"answer\": \"1112112\"}\n```"},
      {"g", "Subtracting 1 and halving, the solution is $2x + 1 \\le 7$."}};
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "UPDATE samples SET answer = ?1 WHERE item_id = ?2", -1, &st,
                                 nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> update(st, &sqlite3_finalize);
    for (const auto& [item, answer] : answers) {
      sqlite3_bind_text(st, 1, answer.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, item.c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(raw);
      sqlite3_reset(st);
    }
  }

  ASSERT_EQ(run_rbench({"rescore", "--db", db.string()}, output), 0) << output;
  EXPECT_EQ(correct_count(db), 4) << output;
  EXPECT_NE(output.find("4 now correct that were not, 1 now wrong that were correct"),
            std::string::npos)
      << output;
  for (const char* line :
       {"right -> wrong a #0: [2 + 2] by math env, rule rational (was [5] by boxed, rule exact)",
        "wrong -> right d #0: [S_1:S_2 = 7:32] by boxed, rule relation",
        "wrong -> right e #0: [1,22] by answer is, rule decimal comma",
        "wrong -> right f #0: [1112112] by json answer, rule base",
        "wrong -> right g #0: [2x + 1 \\le 7] by math env, rule relation"}) {
    EXPECT_NE(output.find(line), std::string::npos) << "missing: " << line << "\n" << output;
  }
  // Right-to-wrong flips come first: they are the ones to check.
  EXPECT_LT(output.find("right -> wrong"), output.find("wrong -> right")) << output;

  const auto json = dir.path() / "r.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, output), 0) << output;
  std::ifstream in(json);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* rule : {R"("decimal comma": 1)", R"("base": 1)", R"("relation": 2)"}) {
    EXPECT_NE(report.find(rule), std::string::npos) << rule << "\n" << report;
  }
  const auto html = dir.path() / "r.html";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", html.string()}, output), 0) << output;
  std::ifstream page_in(html);
  const std::string page((std::istreambuf_iterator<char>(page_in)),
                         std::istreambuf_iterator<char>());
  // The samples' rule column, its values interned in the suite's strings (html_samples.h).
  EXPECT_NE(page.find("\"ru\":"), std::string::npos);
  const auto strings = page.find("id=\"rbench-strings-");
  ASSERT_NE(strings, std::string::npos);
  EXPECT_NE(page.find("\"decimal comma\"", strings), std::string::npos);
  EXPECT_NE(page.find("\"json answer\"", strings), std::string::npos);
}

}  // namespace
}  // namespace rbench::test
