// End to end on MATH-500: a stored run whose answers are the references written differently (as
// a model would: decimals, reordered sets, \dfrac, "x = ..."), graded again by `rbench rescore`
// without calling the model; every verdict then carries its deciding rule and canonical forms,
// and the reports show them. Skipped where ../shared/data is missing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/math_rewrites.h"
#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"
#include "scorers/math/latex_parser.h"

namespace rbench::test {
namespace {

constexpr int kItems = 40;

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MathRescore, StoredMath500AnswersGetVerdictsWithReasons) {
  const std::filesystem::path data(RBENCH_SHARED_DATA_DIR);
  if (!std::filesystem::exists(data / "math500" / "test.jsonl")) {
    GTEST_SKIP() << "no MATH-500 at " << data;
  }
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto db = dir.path() / "math.db";
  std::string output;
  ASSERT_EQ(run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite",
                        "math500", "--limit", std::to_string(kItems), "--data-dir", data.string(),
                        "--run", "m1", "--quiet", "--db", db.string()},
                       output),
            0)
      << output;
  const auto requests = server.requests_received();

  // Replace each stored answer by a rewritten form of its reference, as a model might write it.
  int rewritten = 0;
  {
    Store store(db);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(raw, "UPDATE samples SET answer = ?1 WHERE id = ?2", -1, &st, nullptr),
        SQLITE_OK);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> update(st, &sqlite3_finalize);
    for (const auto& s : store.samples()) {
      const math::Parsed parsed = math::parse_answer(s.reference);
      ASSERT_TRUE(parsed.ok) << s.reference;
      const auto forms = math::testing::rewrites(parsed.expr);
      const auto& form = forms[static_cast<std::size_t>(rewritten) % forms.size()];
      const std::string answer =
          "<think>maybe \\boxed{0}</think>Therefore the answer is $\\boxed{" + form.text + "}$.";
      sqlite3_bind_text(st, 1, answer.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 2, s.id);
      ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
      sqlite3_reset(st);
      ++rewritten;
    }
  }
  ASSERT_EQ(rewritten, kItems);

  ASSERT_EQ(run_rbench({"rescore", "--db", db.string(), "--data-dir", data.string()}, output), 0)
      << output;
  EXPECT_EQ(server.requests_received(), requests);  // no model call
  Store store(db);
  for (const auto& s : store.samples()) {
    ASSERT_TRUE(s.score.has_value());
    EXPECT_TRUE(s.score->correct) << s.key.item_id << ": [" << s.completion.answer << "] vs ["
                                  << s.reference << "]: " << s.score->rule << ": "
                                  << s.score->detail;
    EXPECT_FALSE(s.score->rule.empty());
    EXPECT_FALSE(s.score->detail.empty());
    EXPECT_FALSE(s.score->reference_form.empty()) << s.reference;
  }

  // The JSON report counts the rules; the HTML report carries each verdict's rule and forms.
  const auto json = dir.path() / "r.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, output), 0) << output;
  rapidjson::Document doc;
  doc.Parse(read_all(json).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& results = doc["results"];
  ASSERT_EQ(results.Size(), 1u);
  ASSERT_TRUE(results[0].HasMember("rules"));
  std::int64_t counted = 0;
  for (const auto& m : results[0]["rules"].GetObject()) counted += m.value.GetInt64();
  EXPECT_EQ(counted, kItems);
  const auto html = dir.path() / "r.html";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", html.string()}, output), 0) << output;
  const std::string page = read_all(html);
  // The samples' rule and canonical-form columns (reports/html_samples.h).
  EXPECT_NE(page.find("\"ru\":["), std::string::npos);
  EXPECT_NE(page.find("\"fr\":"), std::string::npos);
  EXPECT_NE(page.find("Decided by"), std::string::npos);
}

}  // namespace
}  // namespace rbench::test
