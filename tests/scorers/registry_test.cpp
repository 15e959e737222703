// The scorer registry: known names build scorers, unknown names fail with the list.
#include "scorers/registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness/core/error.h"

namespace rbench {
namespace {

TEST(ScorerRegistry, MakesEveryListedScorerUnderItsName) {
  const auto names = scorer_names();
  ASSERT_FALSE(names.empty());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const std::string& name : names) {
    const auto scorer = make_scorer(name);
    ASSERT_NE(scorer, nullptr);
    EXPECT_EQ(scorer->name(), name);
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "math"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "code"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "aime"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "pairwise"), names.end());
}

TEST(ScorerRegistry, PairwiseAnswersWaitForTheirJudge) {
  Item item;
  item.baseline_model = "gpt-4-0314";
  item.baseline_answer = "The baseline's answer.";
  const Score s = make_scorer("pairwise")->score(item, "An answer.");
  EXPECT_FALSE(s.correct);
  EXPECT_EQ(s.method, "pairwise");
  EXPECT_NE(s.detail.find("gpt-4-0314"), std::string::npos) << s.detail;
  item.baseline_answer.clear();
  EXPECT_NE(make_scorer("pairwise")->score(item, "x").detail.find("no baseline"),
            std::string::npos);
}

TEST(ScorerRegistry, MathScorerScores) {
  Item item;
  item.reference = "4";
  EXPECT_TRUE(make_scorer("math")->score(item, "\\boxed{4}").correct);
  // The aime scorer compares integers: 4.0 is a number equal to 4 but not an AIME answer.
  EXPECT_TRUE(make_scorer("aime")->score(item, "\\boxed{004}").correct);
  EXPECT_FALSE(make_scorer("aime")->score(item, "\\boxed{4.0}").correct);
}

TEST(ScorerRegistry, UnknownNameListsTheKnownOnes) {
  try {
    make_scorer("maths");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'maths'"), std::string::npos) << what;
    EXPECT_NE(what.find("known scorers: aime, code, math"), std::string::npos) << what;
  }
  EXPECT_THROW(make_scorer(""), UsageError);
}

}  // namespace
}  // namespace rbench
