// The JSON, CSV and Markdown reports: parse back and match the aggregation, quote properly,
// reproduce byte for byte.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <sstream>

#include "harness/core/error.h"
#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

class FormatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "results.db");
    testing::fill_fixture_store(*store_);
  }
  std::string render(ReportFormat f, const ReportOptions& o = {}) {
    return render_report(*store_, f, o);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

const rapidjson::Value& find_result(const rapidjson::Document& doc, const char* model,
                                    const char* suite) {
  for (const auto& r : doc["results"].GetArray()) {
    if (std::string(r["model"].GetString()) == model &&
        std::string(r["suite"].GetString()) == suite) {
      return r;
    }
  }
  throw std::runtime_error(std::string("no result ") + model + "/" + suite);
}

// A CSV record without quoted commas, by column name.
std::map<std::string, std::string> csv_record(const std::string& header, const std::string& line) {
  auto split = [](const std::string& text) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t comma; (comma = text.find(',', start)) != std::string::npos;
         start = comma + 1) {
      fields.push_back(text.substr(start, comma - start));
    }
    fields.push_back(text.substr(start));
    return fields;
  };
  const auto names = split(header);
  const auto values = split(line);
  EXPECT_EQ(names.size(), values.size()) << line;
  std::map<std::string, std::string> record;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) record[names[i]] = values[i];
  return record;
}

TEST(ReportFormat, ParsesTheFourNamesAndRejectsOthers) {
  EXPECT_EQ(parse_report_format("html"), ReportFormat::html);
  EXPECT_EQ(parse_report_format("json"), ReportFormat::json);
  EXPECT_EQ(parse_report_format("csv"), ReportFormat::csv);
  EXPECT_EQ(parse_report_format("md"), ReportFormat::md);
  EXPECT_EQ(parse_report_format("markdown"), ReportFormat::md);
  EXPECT_THROW(parse_report_format("pdf"), UsageError);
  EXPECT_THROW(parse_report_format(""), UsageError);
}

TEST_F(FormatsTest, JsonParsesAndMatchesTheAggregation) {
  const std::string text = render(ReportFormat::json);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_TRUE(doc["rbench_version"].IsString());
  EXPECT_EQ(std::string(doc["generated_from"].GetString()), (dir_.path() / "results.db").string());
  ASSERT_EQ(doc["runs"].Size(), 1u);
  const auto& run = doc["runs"][0];
  EXPECT_STREQ(run["name"].GetString(), "run-1");
  EXPECT_STREQ(run["git_sha"].GetString(), "abcdef123456");
  EXPECT_TRUE(run["config"].IsObject());  // embedded as JSON, not as a string
  EXPECT_TRUE(run["finished_at"].IsString());
  ASSERT_EQ(doc["results"].Size(), 4u);

  const auto& a = find_result(doc, "model-a", "gsm8k");
  EXPECT_STREQ(a["run"].GetString(), "run-1");
  EXPECT_STREQ(a["suite_version"].GetString(), "gsm8k-v1");
  EXPECT_EQ(a["n"].GetInt(), 10);
  EXPECT_EQ(a["scored"].GetInt(), 9);
  EXPECT_EQ(a["correct"].GetInt(), 7);
  EXPECT_DOUBLE_EQ(a["accuracy"].GetDouble(), 7.0 / 9.0);
  EXPECT_LT(a["ci_low"].GetDouble(), a["accuracy"].GetDouble());
  EXPECT_GT(a["ci_high"].GetDouble(), a["accuracy"].GetDouble());
  EXPECT_EQ(a["errors"].GetInt(), 1);
  EXPECT_EQ(a["errors_by_kind"]["timeout"].GetInt(), 1);
  EXPECT_EQ(a["truncated"].GetInt(), 2);
  EXPECT_EQ(a["truncated_wrong"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(a["tokens"]["completion_mean"].GetDouble(), 204);
  EXPECT_DOUBLE_EQ(a["tokens"]["prompt_mean"].GetDouble(), 100);
  EXPECT_DOUBLE_EQ(a["tokens"]["reasoning_mean"].GetDouble(), 150);
  EXPECT_DOUBLE_EQ(a["latency"]["e2e_p90_s"].GetDouble(), 8.2);
  EXPECT_DOUBLE_EQ(a["latency"]["ttft_mean_s"].GetDouble(), 0.5);
  EXPECT_NEAR(a["cost_usd"].GetDouble(), 0.09, 1e-12);
  EXPECT_NEAR(a["cost_per_correct_usd"].GetDouble(), 0.09 / 7, 1e-12);

  const auto& b = find_result(doc, "model-b", "gsm8k");
  EXPECT_DOUBLE_EQ(b["accuracy"].GetDouble(), 0.625);
  EXPECT_EQ(b["errors_by_kind"]["http"].GetInt(), 2);
  EXPECT_TRUE(b["cost_usd"].IsNull());
  EXPECT_TRUE(b["cost_per_correct_usd"].IsNull());
  EXPECT_STREQ(b["cost_per_correct_note"].GetString(), "no price known for this model");

  const auto& bm = find_result(doc, "model-b", "math500");
  EXPECT_EQ(bm["correct"].GetInt(), 0);
  EXPECT_TRUE(bm["cost_per_correct_usd"].IsNull());
  EXPECT_STREQ(bm["cost_per_correct_note"].GetString(), "no correct answers");
  EXPECT_EQ(find_result(doc, "model-a", "math500")["unscored"].GetInt(), 1);
}

TEST_F(FormatsTest, CsvHasAHeaderAndOneRowPerResult) {
  const std::string csv = render(ReportFormat::csv);
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < csv.size();) {
    const std::size_t end = csv.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos) << "every record ends with CRLF";
    lines.push_back(csv.substr(pos, end - pos));
    pos = end + 2;
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].substr(0, 40), "run,model,suite,suite_version,n,scored,c");
  EXPECT_EQ(lines[1].substr(0, 58), "run-1,model-a,gsm8k,gsm8k-v1,10,9,7,0.7777777777777778,0.4");
  EXPECT_NE(lines[1].find(",timeout:1,2,1,0,"), std::string::npos) << lines[1];
  const auto b = csv_record(lines[0], lines[3]);  // model-b/gsm8k
  EXPECT_EQ(b.at("model"), "model-b");
  EXPECT_EQ(b.at("cost_usd"), "") << "unknown cost is empty: " << lines[3];
  EXPECT_EQ(b.at("cost_per_correct_usd"), "") << lines[3];
}

TEST_F(FormatsTest, CsvKeepsItsColumnOrderAndAddsSpeedAndFactsAtTheEnd) {
  const std::string csv = render(ReportFormat::csv);
  const std::string header = csv.substr(0, csv.find("\r\n"));
  EXPECT_EQ(header,
            "run,model,suite,suite_version,n,scored,correct,accuracy,ci_low,ci_high,errors,"
            "errors_by_kind,truncated,truncated_wrong,unscored,prompt_tokens_mean,"
            "completion_tokens_mean,reasoning_tokens_mean,e2e_mean_s,e2e_p50_s,e2e_p90_s,"
            "ttft_mean_s,cost_usd,cost_per_correct_usd,decode_tokens_per_s,decode_samples,"
            "e2e_tokens_per_s_mean,weight_bytes,kv_bytes_per_token,kv_bytes_per_token_mha,"
            "parameters_total,parameters_active,cost_per_correct_ci_low_usd,"
            "cost_per_correct_ci_high_usd,cost_per_item_usd,tokens_per_correct,"
            "cached_prompt_tokens_mean,answer_tokens_mean");
  // model-a/gsm8k: 1827 tokens after the first in 40.5 s; HTTP, so no engine facts.
  const auto a = csv_record(
      header,
      csv.substr(header.size() + 2, csv.find("\r\n", header.size() + 2) - header.size() - 2));
  EXPECT_EQ(a.at("decode_tokens_per_s"), fmt::format("{}", 1827 / 40.5));
  EXPECT_EQ(a.at("decode_samples"), "9");
  EXPECT_EQ(a.at("weight_bytes"), "");
  EXPECT_EQ(a.at("parameters_active"), "");
  // $0.09 over 10 items; 1836 completion tokens for 7 correct answers; no cached-token counts.
  double cost = 0;
  for (int i = 0; i < 9; ++i) cost += 0.01;  // summed as the summary sums it
  EXPECT_EQ(a.at("cost_per_item_usd"), fmt::format("{}", cost / 10));
  EXPECT_EQ(a.at("tokens_per_correct"), fmt::format("{}", 1836 / 7.0));
  EXPECT_EQ(a.at("cached_prompt_tokens_mean"), "");
  EXPECT_NE(a.at("cost_per_correct_ci_low_usd"), "");
}

TEST_F(FormatsTest, CsvQuotesCommasQuotesAndNewlines) {
  const RunInfo run = store_->open_run("run, \"two\"", "{}", "0.1.0", "sha");
  SampleRecord s;
  s.run_id = run.id;
  s.key = {"vendor/model \"x\", v2", "line\nbreak", "i", 0};
  s.suite_version = "v";
  s.completion.error_kind = ErrorKind::engine;
  s.cost_usd = -1;
  store_->put_sample(s);
  ReportOptions only;
  only.run = "run, \"two\"";
  const std::string csv = render(ReportFormat::csv, only);
  EXPECT_NE(
      csv.find(
          "\r\n\"run, \"\"two\"\"\",\"vendor/model \"\"x\"\", v2\",\"line\nbreak\",v,1,0,0,,,,1,"
          "engine:1,"),
      std::string::npos)
      << csv;
}

TEST_F(FormatsTest, MarkdownHasATablePerSuiteRankedAndEscaped) {
  const std::string md = render(ReportFormat::md);
  const auto gsm = md.find("## gsm8k");
  const auto math = md.find("## math500");
  ASSERT_NE(gsm, std::string::npos);
  ASSERT_NE(math, std::string::npos);
  const auto a = md.find("| 1 | model-a |", gsm);
  const auto b = md.find("| 2 | model-b |", gsm);
  EXPECT_LT(a, b);
  EXPECT_LT(b, math);
  EXPECT_NE(md.find("**77.8%**"), std::string::npos) << md;
  EXPECT_NE(md.find("1 (1 timeout)"), std::string::npos) << md;
  EXPECT_NE(md.find("2 (1 wrong)"), std::string::npos) << md;
  EXPECT_NE(md.find("$0.013"), std::string::npos) << md;  // 0.09 / 7
  EXPECT_NE(md.find("—¹"), std::string::npos) << md;
  EXPECT_NE(md.find("—²"), std::string::npos) << md;

  const RunInfo run = store_->open_run("evil", "{}", "0.1.0", "sha");
  SampleRecord s;
  s.run_id = run.id;
  s.key = {"a|b<script>", "suite", "i", 0};
  s.completion.error_kind = ErrorKind::engine;
  store_->put_sample(s);
  const std::string evil = render(ReportFormat::md);
  EXPECT_NE(evil.find("a\\|b&lt;script&gt;"), std::string::npos) << evil;
  EXPECT_EQ(evil.find("<script>"), std::string::npos);
}

TEST_F(FormatsTest, PassAtKTablesAppearWhereItemsHaveSeveralSamples) {
  const std::string md = render(ReportFormat::md);
  const auto gsm = md.find("## gsm8k");
  const auto math = md.find("## math500");
  ASSERT_NE(math, std::string::npos);
  // gsm8k has one sample per item: no pass@k table; math500's item-0 was sampled twice.
  EXPECT_EQ(md.substr(gsm, math - gsm).find("pass@2"), std::string::npos) << md;
  const auto table = md.find("| Model | pass@1 | pass@2 | cons@2 |", math);
  ASSERT_NE(table, std::string::npos) << md;
  EXPECT_EQ(md.substr(gsm, math - gsm).find("cons@"), std::string::npos) << md;
  EXPECT_EQ(md.find("| passed |", math), std::string::npos) << md;  // no code executions

  rapidjson::Document doc;
  doc.Parse(render(ReportFormat::json).c_str());
  ASSERT_FALSE(doc.HasParseError());
  bool found = false;
  for (const auto& r : doc["results"].GetArray()) {
    if (std::string(r["suite"].GetString()) != "math500" ||
        std::string(r["model"].GetString()) != "model-a") {
      continue;
    }
    found = true;
    EXPECT_EQ(r["max_samples_per_item"].GetInt(), 2);
    const auto& p = r["pass_at_k"].GetArray();
    ASSERT_EQ(p.Size(), 2u);
    EXPECT_EQ(p[1]["k"].GetInt(), 2);
    EXPECT_EQ(p[1]["items"].GetInt(), 1);  // only item-0 has two scored samples
    EXPECT_GT(p[1]["skipped_items"].GetInt(), 0);
    // pass@1 averages items, so it can differ from the per-sample accuracy.
    EXPECT_GE(p[0]["value"].GetDouble(), 0.0);
    EXPECT_TRUE(r["outcomes"].ObjectEmpty());
    // Majority vote over the same samples: k is the most any item has.
    ASSERT_TRUE(r["cons_at_k"].IsObject());
    EXPECT_EQ(r["cons_at_k"]["k"].GetInt(), 2);
  }
  EXPECT_TRUE(found);
  for (const auto& r : doc["results"].GetArray()) {
    if (std::string(r["suite"].GetString()) == "gsm8k") {
      EXPECT_TRUE(r["cons_at_k"].IsNull());
    }
  }
}

TEST_F(FormatsTest, TheSameStoreGivesTheSameBytes) {
  for (ReportFormat f :
       {ReportFormat::html, ReportFormat::json, ReportFormat::csv, ReportFormat::md}) {
    const std::string first = render(f);
    Store reopened(dir_.path() / "results.db");
    EXPECT_EQ(first, render_report(reopened, f, {})) << to_string(f);
  }
  ReportOptions other_seed;
  other_seed.bootstrap_seed = 12345;
  EXPECT_NE(render(ReportFormat::json), render(ReportFormat::json, other_seed));
}

TEST_F(FormatsTest, RunFilterSelectsOneRunAndNamesTheRunsWhenUnknown) {
  const RunInfo other = store_->open_run("run-2", "{}", "0.1.0", "sha");
  SampleRecord s;
  s.run_id = other.id;
  s.key = {"model-c", "gsm8k", "item-0", 0};
  s.scorer = "math";
  s.score = Score{1, true, "1", "boxed", ""};
  store_->put_sample(s);
  EXPECT_NE(render(ReportFormat::csv).find("model-c"), std::string::npos);
  ReportOptions only;
  only.run = "run-1";
  EXPECT_EQ(render(ReportFormat::csv, only).find("model-c"), std::string::npos);
  only.run = "nope";
  try {
    render(ReportFormat::json, only);
    FAIL() << "an unknown run was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("run-1, run-2"), std::string::npos) << e.what();
  }
}

TEST_F(FormatsTest, WriteReportWritesTheFileAndReportsUnwritablePaths) {
  const auto out = dir_.path() / "sub" / "report.json";
  write_report(*store_, out, ReportFormat::json, {});
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), render(ReportFormat::json));
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".tmp"));
  // A path under a regular file cannot be created.
  EXPECT_THROW(write_report(*store_, out / "x.json", ReportFormat::json, {}), Error);
}

TEST(EmptyStore, ReportsRenderWithNoSamples) {
  testing::TempDir dir;
  Store store(dir.path() / "empty.db");
  rapidjson::Document doc;
  doc.Parse(render_report(store, ReportFormat::json, {}).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["results"].Size(), 0u);
  EXPECT_EQ(render_report(store, ReportFormat::csv, {}).find("\r\n") + 2,
            render_report(store, ReportFormat::csv, {}).size());
  EXPECT_NE(render_report(store, ReportFormat::md, {}).find("No samples"), std::string::npos);
  EXPECT_NE(render_report(store, ReportFormat::html, {}).find("rbench-data"), std::string::npos);
}

}  // namespace
}  // namespace rbench
