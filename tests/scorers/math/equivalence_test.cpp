// The equivalence rules one by one: which rule decides, the tolerance boundary, exact rationals,
// collections, conventions (percent, degrees, \pm, relations, choices) and the time bound. The
// broad table of cases is equivalence_cases.tsv; these pin the reasons and the edges.
#include "scorers/math/equivalence.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rbench::math {
namespace {

Verdict check(std::string_view a, std::string_view b) {
  static const Equivalence equivalence;
  return equivalence.compare(a, b);
}

bool equal(std::string_view a, std::string_view b) {
  return check(a, b).equal == Tri::yes;
}

TEST(Equivalence, EachRuleNamesItself) {
  EXPECT_EQ(check("12", "12").rule, "exact");
  EXPECT_EQ(check("1+x", "x+1").rule, "structural");
  EXPECT_EQ(check("0.5", "\\frac12").rule, "rational");
  EXPECT_EQ(check("0.3", "1/3").rule, "rational");
  EXPECT_EQ(check("0.3", "1/3").equal, Tri::no);
  EXPECT_EQ(check("\\sqrt{12}", "2\\sqrt3").rule, "symbolic");
  EXPECT_EQ(check("\\sin^2 x+\\cos^2 x", "1").rule, "symbolic");
  EXPECT_EQ(check("\\sin(2x)", "2\\sin x\\cos x").rule, "numeric");  // GiNaC leaves it
  EXPECT_EQ(check("\\sin(2x)", "2\\sin x\\cos x").equal, Tri::yes);
  EXPECT_EQ(check("0.866", "\\frac{\\sqrt3}{2}").rule, "rounded");
  EXPECT_EQ(check("\\text{Evelyn}", "evelyn").rule, "structural");  // words are lower-cased
  EXPECT_EQ(check("\\text{Evelyn}", "Emily").rule, "text");
  EXPECT_EQ(check("\\text{(B)}", "B").rule, "choice");
  EXPECT_EQ(check("\\{2,1\\}", "\\{1,3\\}").rule, "set");
  EXPECT_EQ(check("5", "(1,2)").rule, "shape");
  EXPECT_EQ(check("\\frac{1}{", "2").rule, "unparsed");
}

TEST(Equivalence, CanonicalFormsAreReported) {
  const Verdict v = check("\\dfrac{1}{2}", "0.50");
  EXPECT_EQ(v.answer_form, "\\frac{1}{2}");
  EXPECT_EQ(v.reference_form, "0.5");
}

TEST(Equivalence, RelativeToleranceBoundary) {
  // pi = 3.14159265358979...: relative errors of about 3e-8 (equal) and 2e-6 (different, and
  // not a rounding of pi to five decimals either).
  EXPECT_TRUE(equal("3.1415927", "\\pi"));
  EXPECT_FALSE(equal("3.14160", "\\pi"));
  EXPECT_TRUE(equal("\\pi", "3.1415927"));
  EXPECT_DOUBLE_EQ(kRelativeTolerance, 1e-6);
}

TEST(Equivalence, RoundedDecimalsNeedThreeSignificantDigits) {
  EXPECT_TRUE(equal("3.14", "\\pi"));
  EXPECT_TRUE(equal("3.141", "\\pi"));  // truncated
  EXPECT_FALSE(equal("3.15", "\\pi"));
  EXPECT_FALSE(equal("0.87", "\\frac{\\sqrt3}{2}"));
  EXPECT_FALSE(equal("0.333", "\\frac13"));  // rationals are exact
  EXPECT_FALSE(equal("3", "\\pi"));
  const Equivalence strict(EquivalenceOptions{.accept_rounded_decimals = false});
  EXPECT_EQ(strict.compare("0.866", "\\frac{\\sqrt3}{2}").equal, Tri::no);
}

TEST(Equivalence, ExactRationalsNeedExactEquality) {
  EXPECT_FALSE(equal("0.333333333", "\\frac13"));  // 9 significant digits: a different number
  // 10 or more: 1/3 as a calculator prints it, rounded or truncated (the "rounded" rule).
  EXPECT_TRUE(equal("0.3333333333", "\\frac13"));
  EXPECT_TRUE(equal("0.6666666667", "\\frac23"));
  EXPECT_TRUE(equal("0.6666666666", "\\frac23"));
  EXPECT_FALSE(equal("0.6666666668", "\\frac23"));
  EXPECT_FALSE(equal("-0.3333333333", "\\frac13"));
  EXPECT_TRUE(equal("\\frac{2}{6}", "\\frac13"));
  EXPECT_TRUE(equal("-0", "0"));
  EXPECT_FALSE(equal("1/2", "12"));
}

TEST(Equivalence, TuplesIntervalsSetsAndMatrices) {
  EXPECT_TRUE(equal("(1,\\frac12)", "(1,0.5)"));
  EXPECT_FALSE(equal("(1,2)", "(2,1)"));
  EXPECT_FALSE(equal("[1,2)", "[1,2]"));
  EXPECT_FALSE(equal("(1,2)", "(1,2,3)"));
  EXPECT_FALSE(equal("(1,2)", "1,2"));
  EXPECT_TRUE(equal("(1,2)", "(1,2)"));
  EXPECT_TRUE(equal("\\{3,1,2\\}", "\\{1,2,3\\}"));
  EXPECT_TRUE(equal("\\{1,1,2\\}", "\\{1,2\\}"));  // sets, not multisets
  EXPECT_FALSE(equal("1, 1, 2", "1, 2, 2"));       // a list keeps multiplicity
  EXPECT_TRUE(equal("(-\\infty,3]\\cup(5,\\infty)", "(5,\\infty)\\cup(-\\infty,3]"));
  EXPECT_TRUE(equal("\\begin{pmatrix}0.5&1\\\\2&3\\end{pmatrix}",
                    "\\begin{pmatrix}\\frac12&1\\\\2&3\\end{pmatrix}"));
  EXPECT_FALSE(equal("\\begin{pmatrix}1&2\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"));
  const Verdict v = check("(1,3)", "(1,2)");
  EXPECT_NE(v.reason.find("items 2 of 2"), std::string::npos) << v.reason;
}

TEST(Equivalence, Conventions) {
  EXPECT_TRUE(equal("50\\%", "50"));
  EXPECT_TRUE(equal("50\\%", "\\frac12"));
  EXPECT_FALSE(equal("50\\%", "5"));
  EXPECT_TRUE(equal("30^\\circ", "30"));
  EXPECT_TRUE(equal("30^\\circ", "\\frac{\\pi}{6}"));
  EXPECT_TRUE(equal("x=\\pm 2", "\\{-2,2\\}"));
  EXPECT_TRUE(equal("\\pm 2", "2,-2"));
  EXPECT_FALSE(equal("\\pm 2", "2"));
  EXPECT_TRUE(equal("x=5", "5"));
  EXPECT_TRUE(equal("y = 2x+1", "2x+1"));
  EXPECT_FALSE(equal("x>2", "x\\ge 2"));
  EXPECT_TRUE(equal("x>2", "(2,\\infty)"));
  EXPECT_TRUE(equal("2<x", "x>2"));
  EXPECT_TRUE(equal("y=2x+1", "2x-y+1=0"));
  EXPECT_TRUE(equal("(B)", "B"));
  EXPECT_FALSE(equal("(B)", "C"));
  EXPECT_FALSE(equal("2\\pi", "2"));
}

TEST(Equivalence, WordsCompareIgnoringCase) {
  EXPECT_TRUE(equal("East", "east"));
  EXPECT_TRUE(equal("\\text{no  solution}", "No solution"));
  EXPECT_FALSE(equal("2X", "2x"));  // a variable keeps its case
}

TEST(Equivalence, PathologicalInputGivesUnknownWithinTheBudget) {
  EquivalenceOptions options;
  options.budget = std::chrono::milliseconds(300);
  options.symbolic.timeout = std::chrono::milliseconds(200);
  const Equivalence equivalence(options);
  const auto start = std::chrono::steady_clock::now();
  const Verdict v = equivalence.compare("2^{2^{2^{2^{2^{10}}}}}", "3^{3^{3^{3^{3^{10}}}}}");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(v.equal, Tri::yes) << v.reason;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

// Chained products copy every entry n times each: 60 all-ones 2x2 matrices would make 2^59
// nodes. Past a size cap the arithmetic is not carried out; the verdict comes within the budget.
TEST(Equivalence, MatrixArithmeticStaysBounded) {
  std::string product;
  for (int k = 0; k < 60; ++k) product += "\\begin{pmatrix}1&1\\\\1&1\\end{pmatrix}";
  const auto start = std::chrono::steady_clock::now();
  const Verdict v = check(product, "\\begin{pmatrix}1&1\\\\1&1\\end{pmatrix}");
  EXPECT_NE(v.equal, Tri::yes) << v.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // Small products are carried out, in their written order.
  EXPECT_TRUE(
      equal("\\begin{pmatrix}1&1\\\\0&1\\end{pmatrix}\\begin{pmatrix}1&0\\\\1&1\\end{pmatrix}",
            "\\begin{pmatrix}2&1\\\\1&1\\end{pmatrix}"));
  EXPECT_FALSE(
      equal("\\begin{pmatrix}1&0\\\\1&1\\end{pmatrix}\\begin{pmatrix}1&1\\\\0&1\\end{pmatrix}",
            "\\begin{pmatrix}2&1\\\\1&1\\end{pmatrix}"));
}

// Inequalities compare as solution sets of the same quantity: x > 2 is not y > 2, nor xy > 2;
// |x| < 3 is -3 < x < 3.
TEST(Equivalence, InequalitiesAreAboutTheirSubject) {
  EXPECT_FALSE(equal("x > 2", "y > 2"));
  EXPECT_FALSE(equal("xy > 2", "x > 2"));
  EXPECT_TRUE(equal("2 < x", "x > 2"));
  EXPECT_TRUE(equal("-x > -1", "x < 1"));
  EXPECT_FALSE(equal("-y > -1", "x < 1"));
  EXPECT_TRUE(equal("|x| < 3", "-3 < x < 3"));
  EXPECT_EQ(check("x > 2", "y > 2").rule, "relation");
}

// A decimal too long for the exact rounding check falls to the numeric rule, without overflow.
TEST(Equivalence, VeryLongDecimalsAgainstRationals) {
  EXPECT_FALSE(equal("123456789012345678901234567890.333333333333", "\\frac13"));
  EXPECT_TRUE(equal("0.33333333333333333333333333333333333333", "\\frac13"));
}

}  // namespace
}  // namespace rbench::math
