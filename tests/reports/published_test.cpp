// Published reference rows: the shipped files load, a malformed file names itself and the field,
// and every report format shows the rows in their own band, never among the measured rows.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <set>

#include "harness/core/error.h"
#include "reports/published.h"
#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

const std::filesystem::path kShipped = std::filesystem::path(RBENCH_SOURCE_DIR) / "data/published";

// One figure whose source quote and URL would break HTML, Markdown and CSV if not escaped.
constexpr const char* kHostileFile = R"({
  "family": "Test <b>family</b>",
  "note": "a note | with a pipe",
  "rows": [
    {"model": "Model <script>x</script>", "snapshot": "snap-1",
     "figures": [
       {"benchmark": "MATH-500", "value": 91.5, "metric": "pass@1, 4 samples",
        "protocol": "deepseek-r1",
        "source": {"url": "https://example.com/a?b=1&c=\"2\"", "quote": "91.5, \"quoted\", <i>",
                   "date": "2025-01-20"}},
       {"benchmark": "GPQA Diamond", "value": 50, "metric": "pass@1",
        "source": {"url": "https://example.com/g", "quote": "50", "date": "2025-01-21"}}]},
    {"model": "Unsourced", "snapshot": "snap-2", "figures": []}
  ]
})";

class PublishedTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto file = dir_.path() / name;
    std::ofstream(file) << text;
    return file;
  }
  // The DataError's message for loading `text` as a file named `name`.
  std::string error_of(const std::string& text, const std::string& name = "bad.json") {
    try {
      load_published_file(write(name, text));
    } catch (const DataError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no DataError for " << text;
    return "";
  }
  testing::TempDir dir_;
};

TEST_F(PublishedTest, ShippedRowsLoadWithSourcesForEveryFigure) {
  const std::vector<PublishedRow> rows = load_published(kShipped);
  std::set<std::string> families;
  for (const PublishedRow& row : rows) {
    families.insert(row.family);
    for (const PublishedFigure& f : row.figures) {
      EXPECT_FALSE(f.source.url.empty()) << row.model;
      EXPECT_FALSE(f.source.quote.empty()) << row.model;
      EXPECT_FALSE(f.metric.empty()) << row.model;
    }
  }
  EXPECT_EQ(families, (std::set<std::string>{"DeepSeek R1", "OpenAI o1", "Gemini 2.0 Flash",
                                             "IBM Granite 3.2 8B"}));
  // Different snapshots are different rows: o1-1217 (DeepSeek's table) and September 2024's o1.
  double o1_1217 = 0, o1_september = 0;
  for (const PublishedRow& row : rows) {
    for (const PublishedFigure& f : row.figures) {
      if (f.benchmark != "AIME 2024" || f.metric.find("cons@") != std::string::npos) continue;
      if (row.model == "OpenAI o1") o1_1217 = f.value;
      if (row.model == "OpenAI o1 (September 2024)") o1_september = f.value;
    }
  }
  EXPECT_DOUBLE_EQ(o1_1217, 79.2);
  EXPECT_DOUBLE_EQ(o1_september, 74.0);
}

TEST_F(PublishedTest, MalformedFilesNameTheFileAndTheField) {
  const std::string ok_figure =
      R"({"benchmark": "AIME 2024", "value": 50, "metric": "pass@1",
          "source": {"url": "https://x.org", "quote": "q", "date": "2025-01-01"}})";
  const auto file_with = [](const std::string& figure) {
    return R"({"family": "F", "rows": [{"model": "M", "snapshot": "S", "figures": [)" + figure +
           "]}]}";
  };
  std::string e = error_of(R"({"rows": []})");
  EXPECT_NE(e.find("bad.json: $.family: missing"), std::string::npos) << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2023", "value": 1, "metric": "m",
                             "source": {"url": "https://x", "quote": "q", "date": "2025-01-01"}})"));
  EXPECT_NE(e.find("bad.json: $.rows[0].figures[0].benchmark: \"AIME 2023\" is not one of"),
            std::string::npos)
      << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2024", "value": 120, "metric": "m",
                             "source": {"url": "https://x", "quote": "q", "date": "2025-01-01"}})"));
  EXPECT_NE(e.find("$.rows[0].figures[0].value: a percentage must be at most 100"),
            std::string::npos)
      << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2024", "value": 1, "metric": "m",
                             "source": {"url": "https://x", "quote": "q", "date": "Jan 2025"}})"));
  EXPECT_NE(e.find("$.rows[0].figures[0].source.date: must be a date"), std::string::npos) << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2024", "value": 1, "metric": "m",
                             "source": {"url": "ftp://x", "quote": "q", "date": "2025-01-01"}})"));
  EXPECT_NE(e.find("$.rows[0].figures[0].source.url: must be an http(s) URL"), std::string::npos)
      << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2024", "value": 1, "metric": "m",
                             "protocol": "made-up",
                             "source": {"url": "https://x", "quote": "q", "date": "2025-01-01"}})"));
  EXPECT_NE(e.find("$.rows[0].figures[0].protocol: \"made-up\" is not a shipped protocol"),
            std::string::npos)
      << e;
  e = error_of(file_with(R"({"benchmark": "AIME 2024", "value": 1, "metric": "m",
                             "source": {"url": "https://x", "date": "2025-01-01"}})"));
  EXPECT_NE(e.find("$.rows[0].figures[0].source.quote: missing"), std::string::npos) << e;
  e = error_of(file_with(ok_figure + R"(, {"benchmark": "MATH-500", "value": 1, "metrc": "m"})"));
  EXPECT_NE(e.find("bad.json: $.rows[0].figures[1]"), std::string::npos) << e;
  e = error_of(R"({"family": "F", "rows": [{"model": "M", "snapshot": "S", "figures": [],
                   "extra": 1}]})");
  EXPECT_NE(e.find("$.rows[0].extra"), std::string::npos) << e;
  e = error_of("{\"family\": ", "truncated.json");
  EXPECT_NE(e.find("truncated.json"), std::string::npos) << e;
  EXPECT_THROW(load_published(dir_.path() / "no-such-dir"), DataError);
}

class PublishedReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "results.db");
    testing::fill_fixture_store(*store_);
    std::filesystem::create_directories(dir_.path() / "published");
    std::ofstream(dir_.path() / "published" / "test.json") << kHostileFile;
    options_.published_dir = dir_.path() / "published";
  }
  std::string render(ReportFormat f) { return render_report(*store_, f, options_); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  ReportOptions options_;
};

TEST_F(PublishedReportTest, JsonHasATopLevelPublishedArrayAndLeavesResultsAlone) {
  const std::string with = render(ReportFormat::json);
  rapidjson::Document doc;
  doc.Parse(with.c_str());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc["published"].IsArray());
  ASSERT_EQ(doc["published"].Size(), 2u);
  const auto& figure = doc["published"][0]["figures"][0];
  EXPECT_STREQ(figure["benchmark"].GetString(), "MATH-500");
  EXPECT_DOUBLE_EQ(figure["value"].GetDouble(), 91.5);
  EXPECT_STREQ(figure["protocol"].GetString(), "deepseek-r1");
  EXPECT_STREQ(figure["source"]["url"].GetString(), "https://example.com/a?b=1&c=\"2\"");
  // The measured results are the same with and without the band.
  rapidjson::Document without;
  options_.published_dir.reset();
  without.Parse(render(ReportFormat::json).c_str());
  EXPECT_TRUE(without["published"].Empty());
  EXPECT_EQ(doc["results"].Size(), without["results"].Size());
}

TEST_F(PublishedReportTest, MarkdownBandFollowsTheLeaderboardsAndNamesTheMeasuredSuite) {
  const std::string md = render(ReportFormat::md);
  const auto band = md.find("## Published, not measured here");
  ASSERT_NE(band, std::string::npos);
  EXPECT_GT(band, md.find("## math500"));
  EXPECT_NE(md.find("### MATH-500 (published)\n\nMeasured here as suite math500"),
            std::string::npos);
  // Beside the measured suite too, marked, before the band.
  const auto beside = md.find("> Published, not measured here, MATH-500: Model <script>");
  EXPECT_EQ(beside, std::string::npos);  // escaped
  EXPECT_LT(md.find("> Published, not measured here, MATH-500: Model &lt;script&gt;"), band);
  EXPECT_NE(md.find("### GPQA Diamond (published)\n\n| Model"), std::string::npos);
  EXPECT_NE(md.find("No sourced figure found for: Unsourced."), std::string::npos);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("a note \\| with a pipe"), std::string::npos);
}

TEST_F(PublishedReportTest, CsvKeepsTheMeasuredColumnsAndAddsAMarkedBlock) {
  const std::string csv = render(ReportFormat::csv);
  options_.published_dir.reset();
  const std::string measured = render(ReportFormat::csv);
  ASSERT_EQ(csv.substr(0, measured.size()), measured);
  const std::string block = csv.substr(measured.size());
  EXPECT_EQ(block.rfind("\r\nsource,family,model,snapshot,benchmark,value_percent,", 0), 0u);
  EXPECT_NE(block.find("\r\npublished,Test <b>family</b>,Model <script>x</script>,snap-1,MATH-500,"
                       "91.5,\"pass@1, 4 samples\",deepseek-r1,2025-01-20,"
                       "\"https://example.com/a?b=1&c=\"\"2\"\"\",\"91.5, \"\"quoted\"\", <i>\""),
            std::string::npos)
      << block;
}

TEST_F(PublishedReportTest, HtmlBandIsMarkedEscapedAndApartFromTheLeaderboards) {
  const std::string html = render(ReportFormat::html);
  const auto band = html.find(
      "<section id=\"published\" class=\"published-band\"><h2>Published, "
      "not measured here</h2>");
  ASSERT_NE(band, std::string::npos);
  EXPECT_LT(band, html.find("<main id=\"suites\">"));
  EXPECT_NE(html.find("<a href=\"https://example.com/a?b=1&amp;c=&quot;2&quot;\" "
                      "rel=\"noopener noreferrer\">2025-01-20</a>"),
            std::string::npos);
  EXPECT_NE(html.find("Model &lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>x</script>"), std::string::npos);
  EXPECT_NE(html.find("Measured here as suite math500"), std::string::npos);
  options_.published_dir.reset();
  EXPECT_EQ(render(ReportFormat::html).find("published-band\">"), std::string::npos);
}

TEST_F(PublishedReportTest, ARunUnderAProtocolIsNamedBesideTheFiguresOfThatProtocol) {
  store_->open_run("proto-run", R"({"protocol": "deepseek-r1"})", "test", "sha");
  const std::string md = render(ReportFormat::md);
  EXPECT_NE(md.find("proto-run (rbench test, sha) under protocol deepseek-r1"), std::string::npos);
  EXPECT_NE(md.find("deepseek-r1 (run here under it: proto-run)"), std::string::npos);
  const std::string html = render(ReportFormat::html);
  EXPECT_NE(html.find("<span class=\"protocol-match\">run here under it: proto-run</span>"),
            std::string::npos);
  EXPECT_NE(html.find("proto-run <span class=\"protocol-match\">protocol deepseek-r1</span>"),
            std::string::npos);
}

TEST(PublishedSuites, MeasuredSuitesMapToTheirBenchmark) {
  EXPECT_EQ(published_benchmark_of_suite("aime2024"), "AIME 2024");
  EXPECT_EQ(published_benchmark_of_suite("math500"), "MATH-500");
  EXPECT_EQ(published_benchmark_of_suite("livecodebench"), "LiveCodeBench");
  EXPECT_EQ(published_benchmark_of_suite("arena-hard"), "Arena-Hard");
  EXPECT_EQ(published_benchmark_of_suite("alpaca-eval"), "AlpacaEval 2.0 LC");
  EXPECT_EQ(published_benchmark_of_suite("gsm8k"), std::nullopt);
  EXPECT_EQ(published_benchmark_of_suite("aime2025"), std::nullopt);
}

}  // namespace
}  // namespace rbench
