// The HTML report: self-contained, hostile strings inert, and (in headless Chromium) the
// leaderboards and item list drawn by its JavaScript.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;
constexpr const char* kChromium = "/usr/bin/chromium";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store store(dir_.path() / "results.db");
    testing::fill_fixture_store(store);
    write_report(store, html_path(), ReportFormat::html, {});
    html_ = read_file(html_path());
  }
  fs::path html_path() const { return dir_.path() / "report.html"; }
  testing::TempDir dir_;
  std::string html_;
};

TEST_F(HtmlReportTest, IsOneSelfContainedFile) {
  EXPECT_TRUE(html_.starts_with("<!doctype html>"));
  // The code, and data: the summaries, each result's samples, each suite's strings.
  const std::size_t data = count(html_, "<script type=\"application/json\"");
  EXPECT_EQ(data, 1u + 4u + 2u);
  EXPECT_EQ(count(html_, "<script"), data + 1) << "the data and the code, nothing else";
  EXPECT_EQ(count(html_, "</script>"), data + 1) << "a '</script>' in the data would end it early";
  EXPECT_EQ(count(html_, "<style>"), 1u);
  // No external requests: no src/href to a URL, no @import, a CSP that forbids them.
  EXPECT_FALSE(std::regex_search(html_, std::regex(R"((src|href)\s*=\s*["']?(https?:)?//)")));
  EXPECT_EQ(html_.find("@import"), std::string::npos);
  EXPECT_NE(html_.find("default-src 'none'"), std::string::npos);
}

TEST_F(HtmlReportTest, StringsFromTheStoreAreEscaped) {
  EXPECT_EQ(html_.find("<img"), std::string::npos);
  EXPECT_EQ(html_.find("document.title='pwned'</script>"), std::string::npos);
  // The answer travels in the embedded JSON with '<' as \u003c ...
  EXPECT_NE(html_.find("\\u003cscript\\u003edocument.title='pwned'\\u003c/script\\u003e"),
            std::string::npos);
  // ... and the run's config (rendered in the header) is HTML-escaped.
  EXPECT_NE(html_.find("&lt;/script&gt;&lt;script&gt;document.title=&#39;pwned2&#39;"),
            std::string::npos);
  // Prompts repeat across models; the report stores each once.
  EXPECT_EQ(count(html_, "Question 3 of gsm8k"), 1u);
}

// Samples as columns, one script element per result (html_samples.h): dense columns where most
// samples have the field, sparse ones (indices and values) where few do, interned strings as
// indices into the suite's table.
TEST_F(HtmlReportTest, SamplesAreColumnsPerResult) {
  const auto element = [&](const std::string& id) {
    const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
    const auto at = html_.find(open);
    EXPECT_NE(at, std::string::npos) << id;
    const auto from = at + open.size();
    rapidjson::Document doc;
    doc.Parse(html_.substr(from, html_.find("</script>", from) - from).c_str());
    EXPECT_FALSE(doc.HasParseError()) << id;
    return doc;
  };
  const rapidjson::Document block = element("rbench-samples-0");
  ASSERT_TRUE(block.IsObject());
  const std::int64_t n = block["n"].GetInt64();
  ASSERT_GT(n, 0);
  const rapidjson::Document strings =
      element(fmt::format("rbench-strings-{}", block["t"].GetInt()));
  ASSERT_TRUE(strings.IsArray());
  const auto& cols = block["cols"];
  ASSERT_TRUE(cols["id"].IsArray()) << "every sample has an id: dense";
  ASSERT_EQ(cols["id"].Size(), static_cast<rapidjson::SizeType>(n));
  for (const auto& id : cols["id"].GetArray()) {
    ASSERT_TRUE(id.IsInt());
    ASSERT_LT(id.GetInt(), static_cast<int>(strings.Size()));
  }
  for (const auto& col : cols.GetObject()) {
    if (col.value.IsArray()) {
      EXPECT_EQ(col.value.Size(), static_cast<rapidjson::SizeType>(n)) << col.name.GetString();
    } else {
      ASSERT_TRUE(col.value.IsObject()) << col.name.GetString();
      EXPECT_EQ(col.value["i"].Size(), col.value["v"].Size()) << col.name.GetString();
      EXPECT_LT(2 * col.value["i"].Size(), static_cast<rapidjson::SizeType>(n));
    }
  }
  EXPECT_FALSE(html_.contains("\"samples\":[[{")) << "no sample objects in the summaries' data";
}

// Renders the report in headless Chromium and returns the DOM after its scripts ran.
std::string dump_dom(const fs::path& html, const fs::path& scratch) {
  const fs::path profile = scratch / "chromium-profile";
  const fs::path out = scratch / "dom.html";
  const std::string command = fmt::format(
      "timeout 60 {} --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir='{}' --dump-dom 'file://{}' > '{}' 2> '{}'",
      kChromium, profile.string(), html.string(), out.string(), (scratch / "stderr").string());
  const int status = std::system(command.c_str());
  if (status != 0) {
    ADD_FAILURE() << "chromium exited with " << status << ": " << read_file(scratch / "stderr");
  }
  return read_file(out);
}

TEST_F(HtmlReportTest, HeadlessChromiumDrawsTheLeaderboardsAndKeepsHostileTextInert) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  const std::string dom = dump_dom(html_path(), dir_.path());
  ASSERT_FALSE(dom.empty());

  // The title is ours: neither the answer's nor the config's script ran.
  std::smatch title;
  ASSERT_TRUE(std::regex_search(dom, title, std::regex("<title>([^<]*)</title>")));
  EXPECT_EQ(title[1].str(), "rbench report");
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos) << "the answer's <img> became an element";

  // One leaderboard per suite, rows in rank order, drawn by the script.
  EXPECT_EQ(count(dom, "<table class=\"leaderboard\">"), 2u);
  EXPECT_EQ(count(dom, "class=\"result-row\""), 4u);
  const auto gsm = dom.find("id=\"suite-gsm8k\"");
  const auto math = dom.find("id=\"suite-math500\"");
  ASSERT_NE(gsm, std::string::npos);
  ASSERT_NE(math, std::string::npos);
  const auto row_a = dom.find("data-model=\"model-a\"", gsm);
  const auto row_b = dom.find("data-model=\"model-b\"", gsm);
  EXPECT_LT(row_a, row_b);
  EXPECT_LT(row_b, math);
  EXPECT_NE(dom.find("77.8%"), std::string::npos);
  EXPECT_NE(dom.find("62.5%"), std::string::npos);
  EXPECT_NE(dom.find("2 (1 wrong)"), std::string::npos) << "truncated count";
  EXPECT_NE(dom.find("title=\"no price known for this model\""), std::string::npos);
  EXPECT_NE(dom.find("title=\"no correct answers\""), std::string::npos);
  EXPECT_NE(dom.find("$0.013"), std::string::npos) << "cost per correct of model-a on gsm8k";
  // cons@k only where items were sampled more than once (math500's item-0, twice).
  EXPECT_NE(dom.find(">cons@2<span", math), std::string::npos);
  EXPECT_EQ(dom.substr(gsm, math - gsm).find(">cons@"), std::string::npos);
  // Math verdicts by rule: an Undecided column where the scores name their rules.
  EXPECT_NE(dom.find(">Undecided<", math), std::string::npos);
  EXPECT_EQ(dom.substr(gsm, math - gsm).find(">Undecided<"), std::string::npos);
  EXPECT_NE(dom.find("rational: ", math), std::string::npos) << "the per-rule counts tooltip";

  // The item list of the best model shows the hostile answer as text.
  EXPECT_EQ(count(dom, "<details class=\"item\">"), 10u + 5u);
  EXPECT_NE(dom.find("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x "
                     "onerror=alert(1)&gt;"),
            std::string::npos);
}

// The overview above the suites (one row per model, three sortable columns per suite), a paired
// matrix in each suite, and the per-item diff, opened by a script added to the page: gsm8k's items
// 5 and 6 (A right, B wrong), math500's items 0-2.
TEST_F(HtmlReportTest, HeadlessChromiumDrawsTheOverviewPairedMatricesAndDiff) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  std::string html = html_;
  html.replace(html.rfind("</body>"), 7,
               "<script>for (const d of document.querySelectorAll('details.diff')) "
               "{ d.open = true; d.dispatchEvent(new Event('toggle')); }</script></body>");
  const fs::path opened = dir_.path() / "opened.html";
  std::ofstream(opened, std::ios::binary) << html;
  const std::string dom = dump_dom(opened, dir_.path());
  ASSERT_FALSE(dom.empty());
  const auto overview = dom.find("<section id=\"overview\" class=\"overview\">");
  ASSERT_NE(overview, std::string::npos);
  EXPECT_LT(overview, dom.find("id=\"suite-gsm8k\""));
  EXPECT_EQ(count(dom, "class=\"overview-row\""), 2u);
  EXPECT_EQ(count(dom, "class=\"ov-sort\""), 1u + 2 * 3) << "Model, then 3 per suite";
  EXPECT_EQ(count(dom, "<table class=\"matrix paired-matrix\">"), 2u);
  EXPECT_NE(dom.find("Holm's step-down adjustment over the suite's 1 pair"), std::string::npos);
  EXPECT_EQ(count(dom, "<details class=\"diff\""), 2u);
  EXPECT_NE(dom.find("8 items scored for both; A ahead on 2, B ahead on 0, the same on 6."),
            std::string::npos);
  EXPECT_EQ(count(dom, "<li class=\"diff-item\">"), 2u + 3u);
}

// The variants store (report_fixture.h): tok/s, Weights and KV/token columns before Cost, the
// multi-head cache as the KV cell's tooltip; the fixture's HTTP models get tok/s only.
TEST(HtmlSpeedColumns, HeadlessChromiumDrawsSpeedAndMemoryWhereKnown) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  testing::TempDir dir;
  {
    Store store(dir.path() / "variants.db");
    testing::fill_variants_store(store);
    write_report(store, dir.path() / "variants.html", ReportFormat::html, {});
  }
  const std::string dom = dump_dom(dir.path() / "variants.html", dir.path());
  ASSERT_FALSE(dom.empty());
  const auto header = [&](const std::string& label) {
    return dom.find(">" + label + "<span class=\"arrow\">");
  };
  ASSERT_NE(header("tok/s"), std::string::npos) << dom;
  EXPECT_LT(header("Latency"), header("tok/s"));
  EXPECT_LT(header("tok/s"), header("Weights"));
  EXPECT_LT(header("Weights"), header("KV/token"));
  EXPECT_LT(header("KV/token"), header("Cost"));
  // Each row's cells, in rank order: tiny-fp8, tiny-f32, endpoint.
  const auto fp8 = dom.find("data-model=\"tiny-fp8\"");
  const auto f32 = dom.find("data-model=\"tiny-f32\"");
  const auto endpoint = dom.find("data-model=\"endpoint\"");
  ASSERT_NE(fp8, std::string::npos);
  ASSERT_LT(fp8, f32);
  ASSERT_LT(f32, endpoint);
  const std::string fp8_row = dom.substr(fp8, f32 - fp8);
  const std::string f32_row = dom.substr(f32, endpoint - f32);
  const std::string endpoint_row = dom.substr(endpoint, dom.find("</tr>", endpoint) - endpoint);
  EXPECT_NE(fp8_row.find(">40.0</span>"), std::string::npos) << fp8_row;
  EXPECT_NE(fp8_row.find(">786 kB</span>"), std::string::npos) << fp8_row;
  EXPECT_NE(f32_row.find(">10.0</span>"), std::string::npos) << f32_row;
  EXPECT_NE(f32_row.find("title=\"30 tokens after the first in 3.00 s after the first, over 2 "
                         "samples; end to end (prefill included) 9.8 tok/s per request\""),
            std::string::npos)
      << f32_row;
  EXPECT_NE(f32_row.find("title=\"524.3k parameters, 262.1k active per token\">2.1 MB</span>"),
            std::string::npos)
      << f32_row;
  EXPECT_NE(f32_row.find("title=\"multi-head equivalent: 3.1 kB per token (6.4x)\">480 B</span>"),
            std::string::npos)
      << f32_row;
  EXPECT_EQ(endpoint_row.find("has-tip kv"), std::string::npos) << endpoint_row;
  EXPECT_EQ(endpoint_row.find("kB"), std::string::npos) << endpoint_row;

  // HTTP models with timings (the main fixture): tok/s, and no memory columns.
  {
    Store store(dir.path() / "results.db");
    testing::fill_fixture_store(store);
    write_report(store, dir.path() / "http.html", ReportFormat::html, {});
  }
  const std::string http = dump_dom(dir.path() / "http.html", dir.path());
  EXPECT_NE(http.find(">tok/s<span"), std::string::npos);
  EXPECT_NE(http.find(">45.1</span>"), std::string::npos) << "model-a/gsm8k: 1827 / 40.5";
  EXPECT_EQ(http.find(">Weights<span"), std::string::npos);
  EXPECT_EQ(http.find(">KV/token<span"), std::string::npos);
}

// Self-speculative decoding and the device: the acceptance rate summed over the samples with the
// counts on hover, and where the engine ran with its memory and the KV cache peak on hover.
TEST(HtmlSpeedColumns, HeadlessChromiumDrawsMtpAcceptanceAndTheDevice) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  testing::TempDir dir;
  {
    Store store(dir.path() / "mtp.db");
    const RunInfo run =
        store.open_run("r",
                       R"({"models":[{"label":"tiny-mtp","facts":{"device":"cuda:0",)"
                       R"("device_name":"NVIDIA H100 80GB HBM3","device_memory_bytes":85520809984,)"
                       R"("cache_bytes_peak":6291456}}]})",
                       "v", "g");
    for (int i = 0; i < 2; ++i) {
      SampleRecord s;
      s.run_id = run.id;
      s.key = {"tiny-mtp", "demo-math", fmt::format("i{}", i), 0};
      s.suite_version = "v";
      s.prompt_json = "[]";
      s.reference = "2";
      s.completion.answer = "2";
      s.completion.attempts = 1;
      s.completion.usage.completion_tokens = 10;
      s.completion.usage.draft_tokens = 8;
      s.completion.usage.accepted_draft_tokens = 3 + 2 * i;  // 8 of 16 in all
      s.scorer = "math";
      s.score = Score{1.0, true, "2", "boxed", "2 == 2"};
      store.put_sample(s);
    }
    write_report(store, dir.path() / "mtp.html", ReportFormat::html, {});
  }
  const std::string dom = dump_dom(dir.path() / "mtp.html", dir.path());
  ASSERT_FALSE(dom.empty());
  EXPECT_NE(dom.find(">MTP accept<span class=\"arrow\">"), std::string::npos) << dom;
  EXPECT_NE(dom.find(">Device<span class=\"arrow\">"), std::string::npos) << dom;
  EXPECT_NE(dom.find("title=\"8 of 16 drafts accepted; 1.50 tokens per step\">50.0%</span>"),
            std::string::npos)
      << dom;
  EXPECT_NE(dom.find("title=\"NVIDIA H100 80GB HBM3; 85.5 GB memory; KV cache peak 6.3 MB\">"
                     "cuda:0</span>"),
            std::string::npos)
      << dom;
}

// A pairwise suite: its judgments drawn as a Bradley-Terry leaderboard with the win-rate matrix,
// and a hostile model name kept as text.
TEST(HtmlPairwiseReport, HeadlessChromiumDrawsTheJudgedLeaderboard) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  testing::TempDir dir;
  {
    Store store(dir.path() / "pw.db");
    const RunInfo run = store.open_run("pw", "{}", "v", "g");
    const std::string hostile = "weak <b>bold</b>";
    for (const std::string& model : {std::string("strong"), hostile}) {
      for (int i = 0; i < 12; ++i) {
        SampleRecord s;
        s.run_id = run.id;
        s.key = {model, "arena-hard", "q" + std::to_string(i), 0};
        s.reference = "the baseline's answer";
        s.completion.answer = model == "strong" ? "a long careful answer" : "short";
        s.completion.finish_reason = "stop";
        s.scorer = "pairwise";
        s.score = Score{};
        store.put_sample(s);
        for (int game : {1, 2}) {
          JudgmentRecord j;
          j.run_id = run.id;
          j.suite = "arena-hard";
          j.item_id = s.key.item_id;
          j.model = model;
          j.baseline_model = "base";
          j.judge = "judge-x";
          j.game = game;
          j.label = model == "strong" ? (i % 3 ? "A>B" : "B>A") : (i % 4 ? "B>A" : "A=B");
          store.put_judgment(j);
        }
      }
    }
    write_report(store, dir.path() / "pw.html", ReportFormat::html, {});
  }
  const std::string dom = dump_dom(dir.path() / "pw.html", dir.path());
  ASSERT_FALSE(dom.empty());
  EXPECT_EQ(dom.find("<b>bold</b>"), std::string::npos) << "a model name became markup";
  EXPECT_NE(dom.find("Judged by judge-x against base"), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"pairwise-row\""), 2u);
  const auto strong = dom.find("<td>strong</td>");
  const auto weak = dom.find("<td>weak &lt;b&gt;bold&lt;/b&gt;</td>");
  ASSERT_NE(strong, std::string::npos);
  ASSERT_NE(weak, std::string::npos);
  EXPECT_LT(strong, weak) << "ranked by win rate";
  EXPECT_NE(dom.find("<table class=\"matrix\">"), std::string::npos);
  EXPECT_NE(dom.find("50.0%"), std::string::npos) << "the matrix diagonal";
}

}  // namespace
}  // namespace rbench
