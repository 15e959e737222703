// The paired matrices: which results are compared on which items, Holm's adjustment, verdicts
// and ranks; then their JSON, Markdown and CSV renderings through render_report.
#include "reports/paired_matrix.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>

#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

// Three models on 60 items of demo-math: strong right on items 0-49, mid on 0-29, weak on 0-27.
struct ThreeModels {
  std::vector<RunInfo> runs{RunInfo{.id = 1, .name = "r"}};
  std::vector<SampleRecord> samples;
  std::vector<ResultSummary> results;
  ThreeModels() {
    for (const auto& [model, right] :
         std::vector<std::pair<std::string, int>>{{"weak", 28}, {"strong", 50}, {"mid", 30}}) {
      for (int i = 0; i < 60; ++i) {
        samples.push_back(testing::variant_sample(1, model, i, i < right, 10, 0.1, 0.2));
      }
    }
    results = summarize(runs, samples, {});
  }
};

TEST(PairedMatrix, ComparesEveryPairAndRanksOnlyWhatHolmKeeps) {
  const ThreeModels t;
  const std::vector<PairedMatrix> m = paired_matrices(t.results, false, {});
  ASSERT_EQ(m.size(), 1u);
  const PairedMatrix& x = m[0];
  EXPECT_EQ(x.suite, "demo-math");
  ASSERT_EQ(x.entries.size(), 3u);
  EXPECT_EQ(x.entries[0].label, "strong");  // in rank order
  EXPECT_EQ(x.entries[1].label, "mid");
  EXPECT_EQ(x.entries[2].label, "weak");
  EXPECT_EQ(t.results[x.entries[0].result].model, "strong");
  ASSERT_EQ(x.cells.size(), 3u);

  bool flipped = false;
  const PairedCell& strong_mid = paired_cell(x, 0, 1, flipped);
  EXPECT_FALSE(flipped);
  EXPECT_EQ(strong_mid.test, "mcnemar_exact");
  EXPECT_EQ(strong_mid.comparison.items, 60u);
  EXPECT_EQ(strong_mid.discordant_a, 20);
  EXPECT_EQ(strong_mid.discordant_b, 0);
  EXPECT_NEAR(strong_mid.comparison.difference, 20.0 / 60, 1e-12);
  EXPECT_DOUBLE_EQ(strong_mid.p, std::ldexp(1.0, -19));           // 2 / 2^20
  EXPECT_DOUBLE_EQ(strong_mid.p_holm, 2 * std::ldexp(1.0, -19));  // second smallest of 3
  EXPECT_EQ(strong_mid.verdict, "better");

  const PairedCell& weak_strong = paired_cell(x, 2, 0, flipped);
  EXPECT_TRUE(flipped);  // the cell is strong against weak
  EXPECT_EQ(weak_strong.discordant_a, 22);
  EXPECT_DOUBLE_EQ(weak_strong.p_holm, 3 * std::ldexp(1.0, -21));
  EXPECT_EQ(weak_strong.verdict, "better");

  // 2 discordant items: McNemar's p = 0.5, no ranking step between mid and weak.
  const PairedCell& mid_weak = paired_cell(x, 1, 2, flipped);
  EXPECT_DOUBLE_EQ(mid_weak.p, 0.5);
  EXPECT_DOUBLE_EQ(mid_weak.p_holm, 0.5);
  EXPECT_EQ(mid_weak.verdict, "tied");
  EXPECT_EQ(x.entries[0].rank, 1);
  EXPECT_EQ(x.entries[1].rank, 2);
  EXPECT_EQ(x.entries[2].rank, 2);
  EXPECT_NE(paired_method_note(x).find("Holm"), std::string::npos);

  // The same inputs give the same intervals (the report's seed).
  const std::vector<PairedMatrix> again = paired_matrices(t.results, false, {});
  EXPECT_EQ(again[0].cells[2].comparison.difference_ci.lo, x.cells[2].comparison.difference_ci.lo);
}

TEST(PairedMatrix, CellIndexCoversEveryPairOnce) {
  PairedMatrix m;
  m.entries.resize(5);
  for (std::size_t a = 0; a < 5; ++a) {
    for (std::size_t b = a + 1; b < 5; ++b) m.cells.push_back({.a = a, .b = b});
  }
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 5; ++j) {
      if (i == j) continue;
      bool flipped = false;
      const PairedCell& c = paired_cell(m, i, j, flipped);
      EXPECT_EQ(c.a, std::min(i, j));
      EXPECT_EQ(c.b, std::max(i, j));
      EXPECT_EQ(flipped, i > j);
    }
  }
}

TEST(PairedMatrix, SeveralRunsLabelTheRunAndLonelySuitesHaveNoMatrix) {
  ThreeModels t;
  t.results.erase(t.results.begin() + 1, t.results.end());  // one result: nothing to compare
  EXPECT_TRUE(paired_matrices(t.results, false, {}).empty());
  const ThreeModels full;
  const std::vector<PairedMatrix> m = paired_matrices(full.results, true, {});
  EXPECT_EQ(m.at(0).entries.at(0).label, "strong (r)");
}

class PairedReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "results.db");
    testing::fill_fixture_store(*store_);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(PairedReportTest, JsonHasAMatrixPerSuiteOnTheCommonScoredItems) {
  rapidjson::Document doc;
  doc.Parse(render_report(*store_, ReportFormat::json, {}).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& paired = doc["paired"].GetArray();
  ASSERT_EQ(paired.Size(), 2u);
  // gsm8k: items 0-7 scored for both (A errored on 9, B on 8 and 9). A right on 0-6, B on 0-4.
  const auto& gsm = paired[0];
  EXPECT_STREQ(gsm["suite"].GetString(), "gsm8k");
  EXPECT_STREQ(gsm["correction"].GetString(), "holm");
  EXPECT_STREQ(gsm["models"][0]["model"].GetString(), "model-a");
  const auto& cell = gsm["cells"][0];
  EXPECT_EQ(cell["items"].GetInt(), 8);
  EXPECT_DOUBLE_EQ(cell["diff"].GetDouble(), 0.25);
  EXPECT_EQ(cell["discordant_a"].GetInt(), 2);
  EXPECT_EQ(cell["discordant_b"].GetInt(), 0);
  EXPECT_EQ(cell["both_correct"].GetInt(), 5);
  EXPECT_EQ(cell["neither"].GetInt(), 1);
  EXPECT_STREQ(cell["test"].GetString(), "mcnemar_exact");
  EXPECT_DOUBLE_EQ(cell["p"].GetDouble(), 0.5);
  EXPECT_STREQ(cell["verdict"].GetString(), "tied");
  EXPECT_LE(cell["ci_low"].GetDouble(), 0.25);
  EXPECT_GE(cell["ci_high"].GetDouble(), 0.25);
  // math500: model-a sampled item 0 twice, so the bootstrap over items; 3 common items (item 3
  // is unscored for A), all won by A: no spread, the sign test's 2 / 2^3.
  const auto& math = paired[1]["cells"][0];
  EXPECT_EQ(math["items"].GetInt(), 3);
  EXPECT_STREQ(math["test"].GetString(), "paired_bootstrap");
  EXPECT_TRUE(math["both_correct"].IsNull());
  EXPECT_DOUBLE_EQ(math["p"].GetDouble(), 0.25);
  EXPECT_STREQ(math["verdict"].GetString(), "tied");
}

TEST_F(PairedReportTest, MarkdownAndCsvSayTheCorrection) {
  const std::string md = render_report(*store_, ReportFormat::md, {});
  EXPECT_NE(md.find("Paired comparisons, row against column"), std::string::npos);
  EXPECT_NE(md.find("| 1 | model-a | — | +25.0 ["), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | model-b | -25.0 ["), std::string::npos) << md;
  EXPECT_NE(md.find("Holm's step-down adjustment over the suite's 1 pair;"), std::string::npos);

  ReportOptions paired;
  paired.paired_csv = true;
  const std::string csv = render_report(*store_, ReportFormat::csv, paired);
  EXPECT_EQ(csv.rfind("suite,model_a,run_a,model_b,run_b,items,", 0), 0u);
  EXPECT_NE(csv.find("\r\ngsm8k,model-a,run-1,model-b,run-1,8,0.875,0.625,0.25,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",2,0,5,1,mcnemar_exact,0.5,0.5,holm,tied,1,1\r\n"), std::string::npos) << csv;
  std::size_t rows = 0;
  for (std::size_t at = 0; (at = csv.find("\r\n", at)) != std::string::npos; at += 2) ++rows;
  EXPECT_EQ(rows, 3u);  // the header and one pair per suite
  // The results' CSV is unchanged by default.
  EXPECT_EQ(render_report(*store_, ReportFormat::csv, {}).rfind("run,model,suite,", 0), 0u);
}

}  // namespace
}  // namespace rbench
