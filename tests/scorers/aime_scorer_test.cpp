// The AIME integer scorer: what counts as an integer answer and the reasons given when not.
#include "scorers/aime_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rbench {
namespace {

using ::testing::HasSubstr;

TEST(AimeScorer, LeadingZerosAreTheSameInteger) {
  const Score s = AimeScorer().score("So $m+n = \\boxed{070}$.", "70");
  EXPECT_TRUE(s.correct);
  EXPECT_EQ(s.value, 1.0);
  EXPECT_EQ(s.extracted, "070");
  EXPECT_EQ(s.method, "boxed");
  EXPECT_EQ(s.detail, "integer 70 vs reference 70: equal");
  // A reference written with leading zeros (aime2024 stores "025") reads the same way.
  EXPECT_TRUE(AimeScorer().score("\\boxed{25}", "025").correct);
  EXPECT_TRUE(AimeScorer().score("\\boxed{0}", "000").correct);
}

TEST(AimeScorer, WrongIntegerSaysWhatWasCompared) {
  const Score s = AimeScorer().score("\\boxed{71}", "70");
  EXPECT_FALSE(s.correct);
  EXPECT_EQ(s.value, 0.0);
  EXPECT_EQ(s.detail, "integer 71 vs reference 70: different");
}

TEST(AimeScorer, DecorationsAreStripped) {
  EXPECT_TRUE(AimeScorer().score("\\boxed{\\text{ 204 }}", "204").correct);
  EXPECT_TRUE(AimeScorer().score("\\boxed{$204.$}", "204").correct);
  EXPECT_TRUE(AimeScorer().score("The answer is $204$.", "204").correct);
}

TEST(AimeScorer, NonIntegersAreWrongWithTheReason) {
  struct Case {
    const char* answer;
    const char* reason;
  };
  for (const Case& c : {
           Case{"\\boxed{70.0}", "'70.0' has a decimal point"},
           Case{"\\boxed{7e1}", "'7e1' is in scientific notation"},
           Case{"\\boxed{1000}", "'1000' is out of range: AIME answers are integers 0..999"},
           Case{"\\boxed{-5}", "'-5' has a sign"},
           Case{"\\boxed{\\frac{140}{2}}", "is not a plain integer 0..999"},
           Case{"\\boxed{70 \\text{ apples}}", "'70apples' is not a plain integer"},
       }) {
    const Score s = AimeScorer().score(c.answer, "70");
    EXPECT_FALSE(s.correct) << c.answer;
    EXPECT_EQ(s.value, 0.0) << c.answer;
    EXPECT_EQ(s.method, "boxed") << c.answer;
    EXPECT_THAT(s.detail, HasSubstr("not an integer answer: ")) << c.answer;
    EXPECT_THAT(s.detail, HasSubstr(c.reason)) << c.answer;
  }
  // -5 would be out of range anyway; 1000 is an integer, just not an AIME one.
  EXPECT_FALSE(AimeScorer().score("\\boxed{-5}", "5").correct);
}

TEST(AimeScorer, ThinkBlocksAreIgnored) {
  const Score s = AimeScorer().score("<think>maybe \\boxed{12}</think>It is \\boxed{33}.", "33");
  EXPECT_TRUE(s.correct);
  EXPECT_EQ(s.extracted, "33");
  const Score cut = AimeScorer().score("<think>so \\boxed{33}", "33");
  EXPECT_FALSE(cut.correct);
  EXPECT_EQ(cut.method, "none");
  EXPECT_EQ(cut.detail, "no answer found");
}

TEST(AimeScorer, FinalAnswerLineUsesTheMathExtraction) {
  const Score s = AimeScorer().score("We add them up.\nFinal answer: 33", "33");
  EXPECT_TRUE(s.correct);
  EXPECT_EQ(s.extracted, "33");
  EXPECT_EQ(s.method, "answer is");
}

TEST(AimeScorer, ReferenceThatIsNotAnIntegerMatchesNothing) {
  const Score s = AimeScorer().score("\\boxed{12}", "12.5");
  EXPECT_FALSE(s.correct);
  EXPECT_THAT(s.detail, HasSubstr("the reference is not an AIME integer"));
}

TEST(AimeScorer, ParseAimeInteger) {
  EXPECT_EQ(parse_aime_integer("070").value, 70);
  EXPECT_EQ(parse_aime_integer("0").value, 0);
  EXPECT_EQ(parse_aime_integer("999").value, 999);
  EXPECT_EQ(parse_aime_integer("0000999").value, 999);
  EXPECT_FALSE(parse_aime_integer("99999999999999999999999").value);
  EXPECT_FALSE(parse_aime_integer("").value);
  EXPECT_FALSE(parse_aime_integer("$.$").value);
  EXPECT_FALSE(parse_aime_integer("+5").value);
}

TEST(AimeScorer, Name) {
  EXPECT_EQ(AimeScorer().name(), "aime");
}

}  // namespace
}  // namespace rbench
