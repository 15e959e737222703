// End to end: `rbench import --format zeroeval|livecodebench|lm-eval|jsonl` on the fixtures in
// tests/data/import, then `rbench report` and `rbench rescore` over the store; a malformed file
// refused with its name and record, and nothing written.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(RBENCH_SOURCE_DIR) / "tests" / "data" / "import";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// (model, suite) -> (correct, n) of the JSON report.
std::map<std::pair<std::string, std::string>, std::pair<int, int>> results(const fs::path& json) {
  rapidjson::Document doc;
  doc.Parse(read_file(json).c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> out;
  for (const auto& r : doc["results"].GetArray()) {
    out[{r["model"].GetString(), r["suite"].GetString()}] = {r["correct"].GetInt(),
                                                             r["n"].GetInt()};
  }
  return out;
}

TEST(ImportGradedCli, EveryFormatImportsReportsAndRescores) {
  TempDir dir;
  const std::string db = (dir.path() / "r.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"import", "--format", "zeroeval", "--db", db, "--suite",
                        (kFixtures / "tiny-gsm.jsonl").string(),
                        (kFixtures / "zeroeval" / "gsm" / "tiny-model-2024.json").string()},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "tiny-model-2024 on tiny-gsm: 2/3 correct (66.67%)")) << out;
  ASSERT_EQ(run_rbench({"import", "--format", "livecodebench", "--db", db,
                        (kFixtures / "livecodebench" / "Tiny-Coder_N2" /
                         "Scenario.codegeneration_2_0.2_eval_all.json")
                            .string()},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out,
                       "tiny-coder on livecodebench: 3/6 correct (50.00%), 6 verdicts "
                       "imported, not re-executed"))
      << out;
  ASSERT_EQ(run_rbench({"import", "--format", "lm-eval", "--db", db,
                        (kFixtures / "lm-eval" / "acme__tiny-lm" /
                         "samples_gsm8k_2026-01-01T00-00-00.000000.jsonl")
                            .string()},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "tiny-lm on gsm8k-lm-eval: 2/3 correct")) << out;
  EXPECT_TRUE(contains(out, "note: ")) << out;
  ASSERT_EQ(
      run_rbench({"import", "--format", "jsonl", "--db", db, "--id-field", "qid",
                  "--response-field", "completion", "--reference-field", "gold", "--question-field",
                  "prompt", "--model", "renamed", (kFixtures / "jsonl" / "answers.jsonl").string()},
                 out),
      0)
      << out;
  EXPECT_TRUE(contains(out, "renamed on answers: 3/5 correct")) << out;

  const fs::path json = dir.path() / "report.json";
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", json.string()}, out), 0) << out;
  const auto r = results(json);
  EXPECT_EQ(r.at({"tiny-model-2024", "tiny-gsm"}), std::make_pair(2, 3));
  EXPECT_EQ(r.at({"tiny-coder", "livecodebench"}).first, 3);
  EXPECT_EQ(r.at({"tiny-lm", "gsm8k-lm-eval"}), std::make_pair(2, 3));
  EXPECT_EQ(r.at({"renamed", "answers"}).first, 3);

  const fs::path md = dir.path() / "report.md";
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", md.string()}, out), 0) << out;
  EXPECT_TRUE(contains(read_file(md), "verdict imported, not re-executed 6")) << read_file(md);

  ASSERT_EQ(run_rbench({"rescore", "--db", db, "--data-dir", "/nonexistent"}, out), 0) << out;
  EXPECT_TRUE(contains(out, "0 now correct that were not, 0 now wrong")) << out;
  EXPECT_FALSE(contains(out, "(was [")) << out;  // no verdict flipped
}

TEST(ImportGradedCli, AMalformedFileIsNamedAndNothingIsWritten) {
  TempDir dir;
  const fs::path db = dir.path() / "r.db";
  std::string out;
  EXPECT_NE(run_rbench({"import", "--format", "zeroeval", "--db", db.string(),
                        (kFixtures / "zeroeval" / "gsm" / "tiny-model-2024.json").string(),
                        (kFixtures / "bad" / "zeroeval_empty_output.json").string()},
                       out),
            0);
  EXPECT_TRUE(contains(out, "zeroeval_empty_output.json: $[1].output")) << out;
  ASSERT_EQ(
      run_rbench({"report", "--db", db.string(), "-o", (dir.path() / "r.json").string()}, out), 0)
      << out;
  EXPECT_TRUE(results(dir.path() / "r.json").empty());
}

}  // namespace
}  // namespace rbench::test
