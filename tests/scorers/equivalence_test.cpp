// Equivalence of normalised answers: which rule decides, the tolerance boundary, structure, and
// the extension hook a symbolic checker will use.
#include "scorers/math/equivalence.h"

#include <gtest/gtest.h>

#include <memory>

#include "scorers/math_scorer.h"

namespace rbench::math {
namespace {

Verdict check(std::string_view a, std::string_view b) {
  return NumericEquivalence().compare(a, b);
}

TEST(NumericEquivalence, ReasonNamesTheDecidingRule) {
  EXPECT_EQ(check("12", "12").reason, "exact match after normalisation");
  EXPECT_EQ(check("0.5", "\\frac12").reason, "rational 1/2 = 1/2");
  EXPECT_EQ(check("0.3", "1/3").reason, "different: rational 3/10 != 1/3");
  const Verdict numeric = check("3.14159265", "\\pi");
  EXPECT_TRUE(numeric.equal);
  EXPECT_NE(numeric.reason.find("numeric"), std::string::npos) << numeric.reason;
  EXPECT_NE(numeric.reason.find("<= 1e-06"), std::string::npos) << numeric.reason;
  EXPECT_EQ(check("x+1", "1+x").reason,
            "different: strings differ and neither side is a numeric expression");
  EXPECT_EQ(check("x", "1").reason,
            "different: strings differ and the answer is not a numeric expression");
}

TEST(NumericEquivalence, RelativeToleranceBoundary) {
  // \pi = 3.14159265358979...; relative errors of about 3e-8 and 3e-6.
  EXPECT_TRUE(check("3.1415927", "\\pi").equal);
  EXPECT_FALSE(check("3.14160", "\\pi").equal);
  EXPECT_TRUE(check("\\pi", "3.1415927").equal);  // symmetric enough for answers this close
  EXPECT_DOUBLE_EQ(kRelativeTolerance, 1e-6);
}

TEST(NumericEquivalence, ZeroReferenceUsesAnAbsoluteTolerance) {
  const Verdict v = check("0.0000001", "\\pi-\\pi");
  EXPECT_TRUE(v.equal) << v.reason;
  EXPECT_NE(v.reason.find("reference is 0"), std::string::npos) << v.reason;
  EXPECT_FALSE(check("0.001", "\\pi-\\pi").equal);
}

TEST(NumericEquivalence, ExactRationalsNeedExactEquality) {
  EXPECT_FALSE(check("0.3333333333", "\\frac13").equal);
  EXPECT_TRUE(check("\\frac{2}{6}", "\\frac13").equal);
  EXPECT_TRUE(check("-0", "0").equal);
}

TEST(NumericEquivalence, TuplesIntervalsSetsAndMatrices) {
  EXPECT_TRUE(check("(1,\\frac12)", "(1,0.5)").equal);
  EXPECT_FALSE(check("(1,2)", "(2,1)").equal);
  EXPECT_FALSE(check("(1,2)", "[1,2]").equal);
  EXPECT_FALSE(check("(1,2)", "(1,2,3)").equal);
  EXPECT_FALSE(check("(1,2)", "1,2").equal);
  EXPECT_TRUE(check("\\{3,1,2\\}", "\\{1,2,3\\}").equal);
  EXPECT_FALSE(check("\\{1,1,2\\}", "\\{1,2,2\\}").equal);  // multisets
  EXPECT_TRUE(check("\\begin{pmatrix}0.5&1\\\\2&3\\end{pmatrix}",
                    "\\begin{pmatrix}\\frac12&1\\\\2&3\\end{pmatrix}")
                  .equal);
  EXPECT_FALSE(
      check("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{bmatrix}1\\\\2\\end{bmatrix}").equal);
  const Verdict v = check("(1,3)", "(1,2)");
  EXPECT_NE(v.reason.find("item 2 of 2"), std::string::npos) << v.reason;
}

TEST(NumericEquivalence, WordsCompareIgnoringCaseOnly) {
  EXPECT_TRUE(check("East", "east").equal);
  EXPECT_FALSE(check("2X", "2x").equal);  // a variable keeps its case
}

// A stand-in for the symbolic checker a later issue adds: it overrides only compare_scalar.
class SortedTermsEquivalence final : public NumericEquivalence {
 protected:
  Verdict compare_scalar(std::string_view a, std::string_view b) const override {
    if (a == "1+x" && b == "x+1") return {true, "symbolic: x+1 - (1+x) = 0"};
    return NumericEquivalence::compare_scalar(a, b);
  }
};

TEST(MathScorer, AcceptsAnotherEquivalence) {
  const MathScorer symbolic(std::make_unique<SortedTermsEquivalence>());
  const Score s = symbolic.score("\\boxed{1+x}", "x+1");
  EXPECT_TRUE(s.correct) << s.detail;
  EXPECT_NE(s.detail.find("symbolic"), std::string::npos);
  EXPECT_TRUE(symbolic.score("\\boxed{(1+x, 2)}", "(x+1, 2)").correct);  // inside tuples too
  EXPECT_FALSE(MathScorer().score("\\boxed{1+x}", "x+1").correct);
}

}  // namespace
}  // namespace rbench::math
