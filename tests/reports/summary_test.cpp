// The aggregation behind every report, checked number by number on the synthetic store.
#include "reports/summary.h"

#include <gtest/gtest.h>

#include "reports/report_fixture.h"
#include "reports/stats/bootstrap.h"

namespace rbench {
namespace {

class SummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "results.db");
    testing::fill_fixture_store(*store_);
    results_ = summarize(store_->runs(), store_->samples(), SummaryOptions{});
  }
  const ResultSummary& result(const std::string& model, const std::string& suite) const {
    for (const auto& r : results_) {
      if (r.model == model && r.suite == suite) return r;
    }
    throw std::runtime_error("no result for " + model + "/" + suite);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<ResultSummary> results_;
};

TEST_F(SummaryTest, OneResultPerRunModelSuiteInStoreOrder) {
  ASSERT_EQ(results_.size(), 4u);
  EXPECT_EQ(results_[0].model + "/" + results_[0].suite, "model-a/gsm8k");
  EXPECT_EQ(results_[1].model + "/" + results_[1].suite, "model-a/math500");
  EXPECT_EQ(results_[2].model + "/" + results_[2].suite, "model-b/gsm8k");
  EXPECT_EQ(results_[3].model + "/" + results_[3].suite, "model-b/math500");
  for (const auto& r : results_) EXPECT_EQ(r.run, "run-1");
}

TEST_F(SummaryTest, CountsAccuracyAndTruncation) {
  const ResultSummary& a = result("model-a", "gsm8k");
  EXPECT_EQ(a.suite_version, "gsm8k-v1");
  EXPECT_EQ(a.n, 10);
  EXPECT_EQ(a.scored, 9);
  EXPECT_EQ(a.correct, 7);
  ASSERT_TRUE(a.accuracy);
  EXPECT_DOUBLE_EQ(*a.accuracy, 7.0 / 9.0);
  EXPECT_EQ(a.errors, 1);
  EXPECT_EQ(a.errors_by_kind, (std::map<std::string, std::int64_t>{{"timeout", 1}}));
  EXPECT_EQ(a.truncated, 2);
  EXPECT_EQ(a.truncated_wrong, 1);
  EXPECT_EQ(a.unscored, 0);

  const ResultSummary& b = result("model-b", "gsm8k");
  EXPECT_EQ(b.n, 10);
  EXPECT_EQ(b.scored, 8);
  EXPECT_EQ(b.correct, 5);
  EXPECT_DOUBLE_EQ(*b.accuracy, 0.625);
  EXPECT_EQ(b.errors_by_kind, (std::map<std::string, std::int64_t>{{"http", 2}}));
  EXPECT_EQ(b.truncated, 0);

  const ResultSummary& am = result("model-a", "math500");
  EXPECT_EQ(am.n, 5);
  EXPECT_EQ(am.scored, 4);
  EXPECT_EQ(am.correct, 4);
  EXPECT_EQ(am.unscored, 1);
  EXPECT_DOUBLE_EQ(*am.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(am.ci.lo, 1.0);
  EXPECT_DOUBLE_EQ(am.ci.hi, 1.0);

  const ResultSummary& bm = result("model-b", "math500");
  EXPECT_EQ(bm.correct, 0);
  EXPECT_DOUBLE_EQ(*bm.accuracy, 0.0);
}

TEST_F(SummaryTest, ConfidenceIntervalIsTheSeededBootstrapOfScoredSamples) {
  const ResultSummary& a = result("model-a", "gsm8k");
  const std::vector<double> outcomes = {1, 1, 1, 1, 1, 1, 1, 0, 0};  // item-0..item-8
  const stats::Interval expected = stats::bootstrap_mean_ci(outcomes, 0.95, 1000, 0);
  EXPECT_EQ(a.ci.lo, expected.lo);
  EXPECT_EQ(a.ci.hi, expected.hi);
  EXPECT_LT(a.ci.lo, *a.accuracy);
  EXPECT_GT(a.ci.hi, *a.accuracy);
  SummaryOptions other;
  other.bootstrap_seed = 7;
  other.bootstrap_rounds = 200;
  const auto reseeded = summarize(store_->runs(), store_->samples(), other);
  EXPECT_EQ(reseeded[0].ci.lo, stats::bootstrap_mean_ci(outcomes, 0.95, 200, 7).lo);
}

TEST_F(SummaryTest, TokensAndLatencyOverSamplesThatReportedThem) {
  const ResultSummary& a = result("model-a", "gsm8k");
  EXPECT_DOUBLE_EQ(*a.prompt_tokens_mean, 100);
  EXPECT_DOUBLE_EQ(*a.completion_tokens_mean, 204);  // 200..208; the errored one reported none
  EXPECT_DOUBLE_EQ(*a.reasoning_tokens_mean, 150);
  EXPECT_DOUBLE_EQ(*a.e2e_mean_s, 5.0);  // 1..9 s
  EXPECT_DOUBLE_EQ(*a.e2e_p50_s, 5.0);
  EXPECT_DOUBLE_EQ(*a.e2e_p90_s, 8.2);
  EXPECT_DOUBLE_EQ(*a.ttft_mean_s, 0.5);
}

TEST_F(SummaryTest, DecodeSpeedIsTokensAfterTheFirstOverSecondsAfterTheFirst) {
  // model-a/gsm8k, items 0..8 without error: 200 + i tokens, first text at 0.5 s, done at 1 + i s.
  const ResultSummary& a = result("model-a", "gsm8k");
  EXPECT_EQ(a.decode_samples, 9);
  EXPECT_EQ(a.decode_tokens, 1827);          // sum of 199 + i
  EXPECT_DOUBLE_EQ(a.decode_seconds, 40.5);  // sum of 0.5 + i
  ASSERT_TRUE(a.decode_tokens_per_s);
  EXPECT_DOUBLE_EQ(*a.decode_tokens_per_s, 1827 / 40.5);  // 45.11 tok/s
  double e2e_rates = 0;
  for (int i = 0; i < 9; ++i) e2e_rates += (200.0 + i) / (1.0 + i);
  ASSERT_TRUE(a.e2e_tokens_per_s_mean);
  EXPECT_DOUBLE_EQ(*a.e2e_tokens_per_s_mean, e2e_rates / 9);
  // HTTP samples: the run's config names no engine facts.
  EXPECT_TRUE(a.facts.empty());
}

TEST_F(SummaryTest, CostPerCorrectAnswer) {
  const ResultSummary& a = result("model-a", "gsm8k");
  ASSERT_TRUE(a.cost_usd);
  EXPECT_NEAR(*a.cost_usd, 0.09, 1e-12);  // 9 priced samples; the errored one had no price
  ASSERT_TRUE(a.cost_per_correct_usd);
  EXPECT_NEAR(*a.cost_per_correct_usd, 0.09 / 7, 1e-12);
  EXPECT_EQ(a.cost_per_correct_note, "");

  const ResultSummary& am = result("model-a", "math500");
  EXPECT_NEAR(*am.cost_per_correct_usd, 0.10 / 4, 1e-12);

  const ResultSummary& b = result("model-b", "gsm8k");  // no price known: cost recorded as 0
  EXPECT_FALSE(b.cost_usd);
  EXPECT_FALSE(b.cost_per_correct_usd);
  EXPECT_EQ(b.cost_per_correct_note, "no price known for this model");

  const ResultSummary& bm = result("model-b", "math500");  // priced, nothing right
  EXPECT_NEAR(*bm.cost_usd, 0.02, 1e-12);
  EXPECT_FALSE(bm.cost_per_correct_usd);
  EXPECT_EQ(bm.cost_per_correct_note, "no correct answers");
}

TEST_F(SummaryTest, RankingPerSuiteBestFirst) {
  const auto ranked = rank_by_suite(results_);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].first, "gsm8k");
  ASSERT_EQ(ranked[0].second.size(), 2u);
  EXPECT_EQ(ranked[0].second[0]->model, "model-a");
  EXPECT_EQ(ranked[1].first, "math500");
  EXPECT_EQ(ranked[1].second[1]->model, "model-b");
}

class SummarySpeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "variants.db");
    testing::fill_variants_store(*store_);
    results_ = summarize(store_->runs(), store_->samples(), SummaryOptions{});
  }
  const ResultSummary& result(const std::string& model) const {
    for (const auto& r : results_) {
      if (r.model == model) return r;
    }
    throw std::runtime_error("no result for " + model);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<ResultSummary> results_;
};

TEST_F(SummarySpeedTest, DecodeSpeedSumsTokensAndSecondsOverSamplesWithADecodePhase) {
  const ResultSummary& f32 = result("tiny-f32");
  EXPECT_EQ(f32.decode_samples, 2);
  EXPECT_EQ(f32.decode_tokens, 30);  // (11 - 1) + (21 - 1)
  EXPECT_DOUBLE_EQ(f32.decode_seconds, 3.0);
  EXPECT_DOUBLE_EQ(*f32.decode_tokens_per_s, 10.0);
  EXPECT_DOUBLE_EQ(*f32.e2e_tokens_per_s_mean, (11 / 1.1 + 21 / 2.2) / 2);

  // The one-token answer has no decode phase and the error no timings: one sample counts.
  const ResultSummary& fp8 = result("tiny-fp8");
  EXPECT_EQ(fp8.decode_samples, 1);
  EXPECT_EQ(fp8.decode_tokens, 40);
  EXPECT_DOUBLE_EQ(*fp8.decode_tokens_per_s, 40.0);
  EXPECT_DOUBLE_EQ(*fp8.e2e_tokens_per_s_mean, (41 / 1.1 + 1 / 0.1) / 2);

  const ResultSummary& endpoint = result("endpoint");  // not timed
  EXPECT_EQ(endpoint.decode_samples, 0);
  EXPECT_FALSE(endpoint.decode_tokens_per_s);
  EXPECT_FALSE(endpoint.e2e_tokens_per_s_mean);
}

TEST_F(SummarySpeedTest, FactsComeFromTheRunConfigOfThatModel) {
  const EngineFacts& f32 = result("tiny-f32").facts;
  EXPECT_EQ(f32.weight_bytes, 2097152);
  EXPECT_EQ(f32.kv_bytes_per_token, 480);
  EXPECT_EQ(f32.kv_bytes_per_token_mha, 3072);
  EXPECT_EQ(f32.parameters_total, 524288);
  EXPECT_EQ(f32.parameters_active, 262144);
  EXPECT_EQ(result("tiny-fp8").facts.weight_bytes, 786432);
  EXPECT_TRUE(result("endpoint").facts.empty());
}

TEST(SummaryFacts, AbsentForOlderOrUnreadableConfigs) {
  SampleRecord s;
  s.run_id = 1;
  s.key = {"m", "suite", "i", 0};
  s.completion.finish_reason = "stop";
  const char* configs[] = {
      "{}",                                                            // before models were stored
      "not json",                                                      // unreadable
      R"({"models":["m"]})",                                           // models as plain names
      R"({"models":[{"label":"m","profile":"p"}]})",                   // a model without facts
      R"({"models":[{"label":"other","facts":{"weight_bytes":1}}]})",  // another model's
      R"({"models":[{"label":"m","facts":{"weight_bytes":"big"}}]})",  // not a number
  };
  for (const char* config : configs) {
    const auto results = summarize({RunInfo{1, "r", config, "v", "g", "t", ""}}, {s}, {});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0].facts.empty()) << config;
  }
  // A partial record keeps what it has.
  const auto partial =
      summarize({RunInfo{1, "r", R"({"models":[{"label":"m","facts":{"kv_bytes_per_token":576}}]})",
                         "v", "g", "t", ""}},
                {s}, {});
  EXPECT_EQ(partial[0].facts.kv_bytes_per_token, 576);
  EXPECT_FALSE(partial[0].facts.weight_bytes);
}

TEST(SummaryEmpty, AGroupWithOnlyErrorsHasNoAccuracy) {
  SampleRecord s;
  s.run_id = 1;
  s.key = {"m", "suite", "i", 0};
  s.completion.error_kind = ErrorKind::connection;
  s.cost_usd = -1;
  const auto results = summarize({RunInfo{1, "r", "{}", "v", "g", "t", ""}}, {s}, {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].accuracy);
  EXPECT_FALSE(results[0].cost_usd);
  EXPECT_FALSE(results[0].e2e_mean_s);
  EXPECT_FALSE(results[0].decode_tokens_per_s);
  EXPECT_EQ(results[0].errors, 1);
}

// Cost per correct answer with its bootstrap interval over items, cost per item, tokens per
// correct answer and the token split.
TEST_F(SummaryTest, CostPerCorrectWithItsIntervalOverItems) {
  // model-a/gsm8k: items 0..8 cost $0.01 each, item 9 (a timeout) nothing; 7 correct.
  const ResultSummary& a = result("model-a", "gsm8k");
  ASSERT_TRUE(a.cost_per_correct_usd);
  EXPECT_NEAR(*a.cost_per_correct_usd, 0.09 / 7, 1e-12);
  ASSERT_TRUE(a.cost_per_correct_ci);
  EXPECT_LE(a.cost_per_correct_ci->lo, *a.cost_per_correct_usd);
  EXPECT_GE(a.cost_per_correct_ci->hi, *a.cost_per_correct_usd);
  EXPECT_GE(a.cost_per_correct_ci->lo,
            0.01 - 1e-12);  // each correct item costs $0.01: at least that
  EXPECT_LT(a.cost_per_correct_ci->hi, 0.03);
  ASSERT_TRUE(a.cost_per_item_usd);
  EXPECT_NEAR(*a.cost_per_item_usd, 0.09 / 10, 1e-12);
  // model-b/gsm8k has no price: none of the cost figures.
  const ResultSummary& b = result("model-b", "gsm8k");
  EXPECT_FALSE(b.cost_per_correct_usd);
  EXPECT_FALSE(b.cost_per_correct_ci);
  EXPECT_FALSE(b.cost_per_item_usd);
  // model-b/math500 is priced but has no correct answer: a cost per item, none per correct.
  const ResultSummary& m = result("model-b", "math500");
  EXPECT_FALSE(m.cost_per_correct_ci);
  ASSERT_TRUE(m.cost_per_item_usd);
  EXPECT_NEAR(*m.cost_per_item_usd, 0.005, 1e-12);
}

TEST_F(SummaryTest, TokensPerCorrectAndTheSplit) {
  // model-a/gsm8k: 9 answered samples with 200 + i completion tokens, 150 of them reasoning.
  const ResultSummary& a = result("model-a", "gsm8k");
  ASSERT_TRUE(a.tokens_per_correct);
  EXPECT_NEAR(*a.tokens_per_correct, (9 * 200 + 36) / 7.0, 1e-12);
  ASSERT_TRUE(a.answer_tokens_mean);
  EXPECT_NEAR(*a.answer_tokens_mean, 54.0, 1e-12);  // (50 + ... + 58) / 9
  EXPECT_FALSE(a.cached_prompt_tokens_mean);        // the fixture's server did not say
  EXPECT_FALSE(result("model-b", "math500").tokens_per_correct);  // no correct answer
}

TEST(RatioBootstrap, PointIntervalAndReproducibility) {
  const std::vector<double> costs = {1, 1, 1, 1, 4}, correct = {1, 1, 0, 1, 1};
  const auto r = stats::bootstrap_ratio_ci(costs, correct, 0.95, 1000, 7);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->value, 8.0 / 4.0);
  EXPECT_LT(r->ci.lo, r->value);
  EXPECT_GT(r->ci.hi, r->value);
  const auto again = stats::bootstrap_ratio_ci(costs, correct, 0.95, 1000, 7);
  EXPECT_EQ(again->ci.lo, r->ci.lo);
  EXPECT_EQ(again->ci.hi, r->ci.hi);
  // One item: its own ratio, no spread. No correct answer at all: no ratio.
  const std::vector<double> one_cost = {3}, one_correct = {2};
  const auto one = stats::bootstrap_ratio_ci(one_cost, one_correct);
  EXPECT_DOUBLE_EQ(one->ci.lo, 1.5);
  EXPECT_DOUBLE_EQ(one->ci.hi, 1.5);
  const std::vector<double> none = {0, 0};
  EXPECT_FALSE(stats::bootstrap_ratio_ci(costs, none).has_value());
}

}  // namespace
}  // namespace rbench
