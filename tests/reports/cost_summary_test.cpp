// Cost per correct answer with its bootstrap interval over items, cost per item, tokens per
// correct answer and the token split, on the synthetic store (report_fixture.h).
#include <gtest/gtest.h>

#include "reports/report_fixture.h"
#include "reports/stats/bootstrap.h"
#include "reports/summary.h"

namespace rbench {
namespace {

class CostSummaryTest : public ::testing::Test {
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

TEST_F(CostSummaryTest, CostPerCorrectWithItsInterval) {
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

TEST_F(CostSummaryTest, TokensPerCorrectAndTheSplit) {
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
