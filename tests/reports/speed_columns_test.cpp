// The leaderboards' speed and memory columns on the variants store (report_fixture.h): decode
// tokens/s, weights and KV cache per token with its multi-head equivalent, in Markdown, JSON and
// CSV; columns no row has a value for stay out, so endpoint-only reports look as before.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "reports/markdown_speed.h"
#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

class SpeedColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "variants.db");
    testing::fill_variants_store(*store_);
  }
  std::string render(ReportFormat f) { return render_report(*store_, f, {}); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(HumanBytes, SiUnitsWithOneDecimalBelowAHundred) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(480), "480 B");
  EXPECT_EQ(human_bytes(999), "999 B");
  EXPECT_EQ(human_bytes(1000), "1.0 kB");
  EXPECT_EQ(human_bytes(3072), "3.1 kB");
  EXPECT_EQ(human_bytes(786432), "786 kB");
  EXPECT_EQ(human_bytes(2097152), "2.1 MB");
  EXPECT_EQ(human_bytes(70272), "70.3 kB");                    // DeepSeek-V3's latent, bf16
  EXPECT_EQ(human_bytes(671026419712LL * 2), "1.3 TB");        // its weights in bf16
  EXPECT_EQ(human_bytes(5'000'000'000'000'000LL), "5000 TB");  // no unit past TB
}

TEST_F(SpeedColumnsTest, MarkdownShowsTokPerSecondWeightsAndKvWithTheMultiHeadFootnote) {
  const std::string md = render(ReportFormat::md);
  const std::string table =
      "| # | Model | Accuracy [95% CI] | Correct | n | Errors | Truncated | Output tok | "
      "Reasoning tok | Latency p50 | tok/s | Weights | KV/token³ | Cost | Cost / correct |\n"
      "|--:|---|---|--:|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n"
      "| 1 | tiny-fp8 | **100.0%** [100.0, 100.0] | 2/2 | 3 | 1 (1 engine) | 0 | 21 | 0 | 600 ms "
      "| 40.0 | 786 kB | 480 B | — | —¹ |\n"
      "| 2 | tiny-f32 | **50.0%** [0.0, 100.0] | 1/2 | 2 | 0 | 0 | 16 | 0 | 1.65 s | 10.0 | "
      "2.1 MB | 480 B | — | —¹ |\n"
      "| 3 | endpoint | **0.0%** [0.0, 0.0] | 0/1 | 1 | 0 | 0 | 30 | 0 | — | — | — | — | — | —¹ "
      "|\n"
      "\n"
      "tok/s: decode speed per request, the output tokens after each request's first over the "
      "seconds after its first token, summed over the samples. Weights: as the engine holds them "
      "in memory. ³ KV cache per token as the engine stores it; the equivalent multi-head cache: "
      "tiny-fp8 3.1 kB (6.4x), tiny-f32 3.1 kB (6.4x).\n";
  EXPECT_NE(md.find(table), std::string::npos) << md;
}

TEST_F(SpeedColumnsTest, JsonNamesTheSpeedAndTheFacts) {
  rapidjson::Document doc;
  doc.Parse(render(ReportFormat::json).c_str());
  ASSERT_FALSE(doc.HasParseError());
  std::map<std::string, const rapidjson::Value*> by_model;
  for (const auto& r : doc["results"].GetArray()) by_model[r["model"].GetString()] = &r;
  ASSERT_EQ(by_model.size(), 3u);
  const auto& f32 = *by_model.at("tiny-f32");
  EXPECT_DOUBLE_EQ(f32["speed"]["decode_tokens_per_s"].GetDouble(), 10.0);
  EXPECT_EQ(f32["speed"]["decode_tokens"].GetInt64(), 30);
  EXPECT_DOUBLE_EQ(f32["speed"]["decode_seconds"].GetDouble(), 3.0);
  EXPECT_EQ(f32["speed"]["decode_samples"].GetInt64(), 2);
  EXPECT_DOUBLE_EQ(f32["speed"]["e2e_tokens_per_s_mean"].GetDouble(), (11 / 1.1 + 21 / 2.2) / 2);
  EXPECT_EQ(f32["facts"]["weight_bytes"].GetInt64(), 2097152);
  EXPECT_EQ(f32["facts"]["kv_bytes_per_token"].GetInt64(), 480);
  EXPECT_EQ(f32["facts"]["kv_bytes_per_token_mha"].GetInt64(), 3072);
  EXPECT_EQ(f32["facts"]["parameters_total"].GetInt64(), 524288);
  EXPECT_EQ(f32["facts"]["parameters_active"].GetInt64(), 262144);
  EXPECT_EQ((*by_model.at("tiny-fp8"))["facts"]["weight_bytes"].GetInt64(), 786432);
  const auto& endpoint = *by_model.at("endpoint");
  EXPECT_TRUE(endpoint["speed"]["decode_tokens_per_s"].IsNull());
  EXPECT_EQ(endpoint["speed"]["decode_samples"].GetInt64(), 0);
  for (const char* key : {"weight_bytes", "kv_bytes_per_token", "kv_bytes_per_token_mha",
                          "parameters_total", "parameters_active"}) {
    EXPECT_TRUE(endpoint["facts"][key].IsNull()) << key;
  }
}

TEST_F(SpeedColumnsTest, CsvAddsTheColumnsAtTheEnd) {
  const std::string csv = render(ReportFormat::csv);
  EXPECT_NE(csv.find(",tiny-f32,demo-math,demo-v1,2,2,1,0.5,"), std::string::npos) << csv;
  // Then the cost figures (no price known here), tokens per correct answer and the token split.
  EXPECT_NE(csv.find(",10,2,9.772727272727273,2097152,480,3072,524288,262144,,,,32,,16\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",endpoint,demo-math,demo-v1,1,1,0,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",,0,,,,,,,,,,,,30\r\n"), std::string::npos) << "endpoint: nothing known\n"
                                                                  << csv;
}

// Endpoints without timings: the table is the one rbench printed before these columns.
TEST(SpeedColumnsAbsent, MarkdownOfUntimedEndpointsHasNoneOfTheColumns) {
  testing::TempDir dir;
  Store store(dir.path() / "http.db");
  const RunInfo run = store.open_run("http", R"({"models":[{"label":"m"}]})", "0.1.0", "sha");
  SampleRecord s;
  s.run_id = run.id;
  s.key = {"m", "demo-math", "item-0", 0};
  s.completion.finish_reason = "stop";
  s.completion.usage = {10, 20, 0};
  s.scorer = "math";
  s.score = Score{1, true, "1", "boxed", ""};
  store.put_sample(s);
  const std::string md = render_report(store, ReportFormat::md, {});
  EXPECT_NE(md.find("| Latency p50 | Cost | Cost / correct |\n"
                    "|--:|---|---|--:|--:|---|---|--:|--:|--:|--:|--:|\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("tok/s"), std::string::npos) << md;
  EXPECT_EQ(md.find("KV"), std::string::npos) << md;
}

// Timed endpoints (the fixture's HTTP models) have a decode speed but no engine facts.
TEST(SpeedColumnsAbsent, TimedEndpointsShowTokPerSecondOnly) {
  testing::TempDir dir;
  Store store(dir.path() / "results.db");
  testing::fill_fixture_store(store);
  const std::string md = render_report(store, ReportFormat::md, {});
  EXPECT_NE(md.find("| Latency p50 | tok/s | Cost | Cost / correct |\n"), std::string::npos) << md;
  EXPECT_NE(md.find(" | 45.1 | "), std::string::npos) << "model-a/gsm8k: 1827 / 40.5\n" << md;
  EXPECT_EQ(md.find("Weights"), std::string::npos) << md;
  EXPECT_EQ(md.find("KV/token"), std::string::npos) << md;
}

}  // namespace
}  // namespace rbench
