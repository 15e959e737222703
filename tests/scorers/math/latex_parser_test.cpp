// parse_answer: the tree each kind of answer reads into (pinned with debug_string), the
// documented readings, errors, and the size and depth limits.
#include "scorers/math/latex_parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rbench::math {
namespace {

struct Case {
  const char* input;
  const char* tree;  // debug_string of the parsed tree
};

void expect_trees(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    const Parsed p = parse_answer(c.input);
    if (!p.ok) {
      ADD_FAILURE() << c.input << ": " << p.error;
      continue;
    }
    EXPECT_EQ(debug_string(p.expr), c.tree) << c.input;
  }
}

TEST(LatexParser, Numbers) {
  expect_trees({
      {"12", "12"},
      {"007", "007"},
      {"-5", "(neg 5)"},
      {"+5", "5"},
      {"3.25", "3.25"},
      {".5", ".5"},
      {"12.50", "12.50"},
      {"1.5e-3", "1.5e-3"},
      {"1.5E3", "1.5e3"},
      {"2e+1", "2e1"},  // scientific notation wins over 2e + 1 when there is no space
      {"1.5\\times10^{-3}", "1.5e-3"},
      {"1.5 \\times 10^3", "1.5e3"},
      {"3\\times10^{8}", "3e8"},
      {"1.5\\cdot10^{3}", "(mul 1.5 (pow 10 3))"},  // only \times marks scientific notation
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"5.", "5"},  // a full stop
  });
}

TEST(LatexParser, ThousandsSeparators) {
  expect_trees({
      {"1,000", "1000"},
      {"1{,}000", "1000"},
      {"10,\\!080", "10080"},
      {"11,\\! 111,\\! 111,\\! 100", "11111111100"},
      {"1\\,000", "1000"},
      {"12,345,678", "12345678"},
      {"1,234.5", "1234.5"},
      {"\\$32,\\!348", "32348"},
      {"58,500", "58500"},
      // The 3-digit-group rule: anything else is a list.
      {"1,2", "(list 1 2)"},
      {"1,23", "(list 1 23)"},
      {"1,2345", "(list 1 2345)"},
      {"1234,567", "(list 1234 567)"},
      {"1, 000", "(list 1 000)"},
      {"1,000,2", "(list 1000 2)"},
      // Inside brackets a bare comma separates; the explicit forms still group.
      {"[1,100]", "(interval [] 1 100)"},
      {"(1,000, 2)", "(tuple 1 000 2)"},
      {"(1{,}000, 2)", "(tuple 1000 2)"},
      {"\\frac{1,000}{3}", "(div 1000 3)"},
  });
}

TEST(LatexParser, Fractions) {
  expect_trees({
      {"\\frac{1}{2}", "(div 1 2)"},
      {"\\dfrac{3}{4}", "(div 3 4)"},
      {"\\tfrac{a}{b}", "(div a b)"},
      {"\\frac12", "(div 1 2)"},
      {"\\frac 34", "(div 3 4)"},
      {"\\frac9{19}", "(div 9 19)"},
      {"\\frac{270}7", "(div 270 7)"},
      {"\\frac\\pi2", "(div pi 2)"},
      {"\\frac{\\frac{1}{2}}{3}", "(div (div 1 2) 3)"},
      {"a/b", "(div a b)"},
      {"1/2/3", "(div (div 1 2) 3)"},
      {"6\\div 3", "(div 6 3)"},
      {"-\\frac{3}{8}", "(neg (div 3 8))"},
      {"\\frac{-1}{2}", "(div (neg 1) 2)"},
      {"1/2\\pi", "(mul (div 1 2) pi)"},  // documented: (1/2)\pi
      {"1/2x", "(mul (div 1 2) x)"},
      {"a\\cdot b/c", "(div (mul a b) c)"},
  });
}

TEST(LatexParser, MixedNumbers) {
  expect_trees({
      {"2\\frac{1}{2}", "(add 2 (div 1 2))"},
      {"137 \\frac{1}{2}", "(add 137 (div 1 2))"},
      {"2\\frac12", "(add 2 (div 1 2))"},
      {"1\\dfrac{4}{5}", "(add 1 (div 4 5))"},
      {"-2\\frac{1}{2}", "(neg (add 2 (div 1 2)))"},
      // Not integers in the fraction, or not an integer before it: a product.
      {"2\\frac{a}{2}", "(mul 2 (div a 2))"},
      {"2\\frac{1.5}{2}", "(mul 2 (div 1.5 2))"},
      {"2.5\\frac{1}{2}", "(mul 2.5 (div 1 2))"},
      {"2\\cdot\\frac{1}{2}", "(mul 2 (div 1 2))"},
  });
}

TEST(LatexParser, RootsAndPowers) {
  expect_trees({
      {"\\sqrt{x}", "(root x 2)"},
      {"\\sqrt[3]{x}", "(root x 3)"},
      {"\\sqrt[n]{x}", "(root x n)"},
      {"\\sqrt2", "(root 2 2)"},
      {"\\sqrt 2", "(root 2 2)"},
      {"11\\sqrt2", "(mul 11 (root 2 2))"},
      {"\\sqrt{\\sqrt{2}}", "(root (root 2 2) 2)"},
      {"sqrt(2)", "(root 2 2)"},
      {"\\sqrt{x}^2", "(pow (root x 2) 2)"},
      {"x^2", "(pow x 2)"},
      {"x^{2}", "(pow x 2)"},
      {"2^10", "(pow 2 10)"},  // documented: 2^{10}
      {"x^{n+1}", "(pow x (add n 1))"},
      {"x^-1", "(pow x (neg 1))"},
      {"x^{-1}", "(pow x (neg 1))"},
      {"e^{i\\pi}", "(pow e (mul i pi))"},
      {"2^{3^4}", "(pow 2 (pow 3 4))"},
      {"(2^3)^4", "(pow (pow 2 3) 4)"},
      {"-x^2", "(neg (pow x 2))"},
      {"(-x)^2", "(pow (neg x) 2)"},
      {"x^2y", "(mul (pow x 2) y)"},
  });
}

TEST(LatexParser, ConstantsSymbolsAndGreekLetters) {
  expect_trees({
      {"\\pi", "pi"},
      {"pi", "pi"},
      {"e", "e"},
      {"i", "i"},
      {"\\infty", "infty"},
      {"-\\infty", "(neg infty)"},
      {"x", "x"},
      {"B", "B"},  // a bare capital is a symbol; the equivalence may match it to a choice
      {"x_1", "x_1"},
      {"x_{12}", "x_12"},
      {"a_{n+1}", "a_n+1"},
      {"e_1", "e_1"},
      {"\\alpha", "alpha"},
      {"\\theta", "theta"},
      {"\\Omega", "Omega"},
      {"\\alpha_1", "alpha_1"},
      {"\\mathbf{v}", "v"},
      {"\\mathrm{e}", "e"},
      {"3 + 4i", "(add 3 (mul 4 i))"},
      {"\\pi r^2", "(mul pi (pow r 2))"},
  });
}

TEST(LatexParser, Functions) {
  expect_trees({
      {"\\sin x", "(function sin x)"},
      {"\\sin(x)", "(function sin x)"},
      {"\\sin\\left(x\\right)", "(function sin x)"},
      {"\\sin^2 x", "(pow (function sin x) 2)"},
      {"\\sin(x)^2", "(pow (function sin x) 2)"},
      {"\\sin x^2", "(function sin (pow x 2))"},
      {"\\sin x y", "(function sin (mul x y))"},  // documented
      {"\\sin 2x", "(function sin (mul 2 x))"},
      {"\\sin 2\\pi", "(function sin (mul 2 pi))"},
      {"\\sin x\\cos x", "(mul (function sin x) (function cos x))"},
      {"\\sin -x", "(function sin (neg x))"},
      {"\\sin^{-1} x", "(function arcsin x)"},
      {"\\tan^{-1}(1)", "(function arctan 1)"},
      {"\\cos 30^\\circ", "(function cos (degree 30))"},
      {"\\cot x", "(function cot x)"},
      {"\\arcsin x", "(function arcsin x)"},
      {"\\sinh x", "(function sinh x)"},
      {"\\log_2 8", "(function log 2 8)"},
      {"\\log_{10}(100)", "(function log 10 100)"},
      {"\\log_{b} a", "(function log b a)"},
      {"\\log x", "(function log x)"},
      {"\\ln 2", "(function ln 2)"},
      {"ln 2", "(function ln 2)"},
      {"\\exp(x)", "(function exp x)"},
      {"\\gcd(4, 6)", "(function gcd 4 6)"},
      {"\\operatorname{lcm}(4,6)", "(function lcm 4 6)"},
      {"\\text{lcm}(4,6)", "(function lcm 4 6)"},
      {"\\operatorname{Re}(z)", "(function Re z)"},
      {"\\sin -x", "(function sin (neg x))"},
  });
}

TEST(LatexParser, AbsoluteValueFactorialBinomialFloor) {
  expect_trees({
      {"|x|", "(function abs x)"},
      {"\\left| x \\right|", "(function abs x)"},
      {"\\lvert x \\rvert", "(function abs x)"},
      {"||x|-1|", "(function abs (add (function abs x) (neg 1)))"},
      {"|x||y|", "(mul (function abs x) (function abs y))"},
      {"|x-1|+|x+1|", "(add (function abs (add x (neg 1))) (function abs (add x 1)))"},
      {"2|x|", "(mul 2 (function abs x))"},
      {"n!", "(function factorial n)"},
      {"5!", "(function factorial 5)"},
      {"(n+1)!", "(function factorial (add n 1))"},
      {"\\binom{n}{k}", "(function binom n k)"},
      {"\\dbinom{5}{2}", "(function binom 5 2)"},
      {"\\binom52", "(function binom 5 2)"},
      {"\\lfloor x \\rfloor", "(function floor x)"},
      {"\\left\\lceil \\frac{n}{2} \\right\\rceil", "(function ceil (div n 2))"},
  });
}

TEST(LatexParser, Products) {
  expect_trees({
      {"2\\cdot3", "(mul 2 3)"},
      {"2\\times 3", "(mul 2 3)"},
      {"2*3", "(mul 2 3)"},
      {"2\\cdot3\\cdot4", "(mul 2 3 4)"},
      {"2\\cdot(3\\cdot4)", "(mul 2 (mul 3 4))"},
      {"2\\sqrt{3}", "(mul 2 (root 3 2))"},
      {"3x", "(mul 3 x)"},
      {"2(1+1)", "(mul 2 (add 1 1))"},
      {"(a+5)(b+2)", "(mul (add a 5) (add b 2))"},
      {"xy", "(mul x y)"},  // one letter is one symbol
      {"2abc", "(mul 2 a b c)"},
      {"f(x)", "(mul f x)"},
      {"2 \\cdot -3", "(mul 2 (neg 3))"},
      {"-2x", "(neg (mul 2 x))"},
      {"\\alpha x", "(mul alpha x)"},
      {"2pi", "(mul 2 pi)"},
      {"-13x+3", "(add (neg (mul 13 x)) 3)"},
  });
}

TEST(LatexParser, SumsAndPlusMinus) {
  expect_trees({
      {"1+2", "(add 1 2)"},
      {"1-x", "(add 1 (neg x))"},
      {"1+-x", "(add 1 (neg x))"},
      {"(1+2)+3", "(add (add 1 2) 3)"},
      {"--5", "(neg (neg 5))"},
      {"\\pm 2", "(plus_minus 2)"},
      {"1\\pm\\sqrt{19}", "(plus_minus 1 (root 19 2))"},
      {"3 \\pm 2 \\sqrt{2}", "(plus_minus 3 (mul 2 (root 2 2)))"},
      {"a+b\\pm c", "(plus_minus (add a b) c)"},
      {"a\\pm b+c", "(add (plus_minus a b) c)"},
      {"1 \\mp 2", "(plus_minus 1 (neg 2))"},  // the same two answers as 1 \pm (-2)
      {"\\mp 2", "(plus_minus (neg 2))"},
  });
}

TEST(LatexParser, DegreesAndPercent) {
  expect_trees({
      {"30^\\circ", "(degree 30)"},
      {"30^{\\circ}", "(degree 30)"},
      {"30^{ \\circ }", "(degree 30)"},
      {"30\xC2\xB0", "(degree 30)"},
      {"30\\degree", "(degree 30)"},
      {"x^\\circ", "(degree x)"},
      {"50\\%", "(percent 50)"},
      {"50%", "(percent 50)"},
      {"12.5\\%", "(percent 12.5)"},
      {"50 percent", "(percent 50)"},
      {"\\frac{270}7\\text{ degrees}", "(div 270 7)"},  // the unit word is dropped
  });
}

TEST(LatexParser, Relations) {
  expect_trees({
      {"x = 5", "(relation = x 5)"},
      {"x=5", "(relation = x 5)"},
      {"y = 2x + 3", "(relation = y (add (mul 2 x) 3))"},
      {"x < 3", "(relation < x 3)"},
      {"x > 3", "(relation > x 3)"},
      {"x \\le 3", "(relation <= x 3)"},
      {"x \\leq 3", "(relation <= x 3)"},
      {"x <= 3", "(relation <= x 3)"},
      {"x \\ge 3", "(relation >= x 3)"},
      {"x \\geq 3", "(relation >= x 3)"},
      {"x \\ne 0", "(relation != x 0)"},
      {"x \\neq 0", "(relation != x 0)"},
      {"x != 0", "(relation != x 0)"},
      {"0 < x \\le 1", "(relation <,<= 0 x 1)"},
      {"x \\in [-2,7]", "(relation in x (interval [] (neg 2) 7))"},
      {"x \\in (0, 1)", "(relation in x (interval () 0 1))"},  // after \in a pair is open
      {"x = \\pm 3", "(relation = x (plus_minus 3))"},
      {"5x - 7y + 11z + 4 = 0", "(relation = (add (mul 5 x) (neg (mul 7 y)) (mul 11 z) 4) 0)"},
      {"x \xE2\x89\xA4 3", "(relation <= x 3)"},
  });
}

TEST(LatexParser, SetsIntervalsAndUnions) {
  expect_trees({
      {"\\{1,2\\}", "(set 1 2)"},
      {"\\left\\{ 1, 2 \\right\\}", "(set 1 2)"},
      {"\\{1\\pm\\sqrt{5},-2\\}", "(set (plus_minus 1 (root 5 2)) (neg 2))"},
      {"\\{5\\}", "(set 5)"},
      {"\\{\\}", "empty_set"},
      {"\\emptyset", "empty_set"},
      {"\\varnothing", "empty_set"},
      {"[1,2]", "(interval [] 1 2)"},
      {"[1,2)", "(interval [) 1 2)"},
      {"(1,2]", "(interval (] 1 2)"},
      {"(-\\infty, 3]", "(interval (] (neg infty) 3)"},
      {"(2,\\infty)", "(interval () 2 infty)"},
      {"(-\\infty,\\infty)", "(interval () (neg infty) infty)"},
      {"\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "(interval (] (div 3 5) (div 8 3))"},
      {"[1,2] \\cup [3,4]", "(union_of (interval [] 1 2) (interval [] 3 4))"},
      {"(0,9) \\cup (9,36)", "(union_of (interval () 0 9) (interval () 9 36))"},
      {"(-\\infty, 2) \\cup (3, \\infty)",
       "(union_of (interval () (neg infty) 2) (interval () 3 infty))"},
      {"\\{1\\} \\cup [2,3]", "(union_of (set 1) (interval [] 2 3))"},
  });
}

TEST(LatexParser, TuplesAndLists) {
  expect_trees({
      {"(1,2)", "(tuple 1 2)"},
      {"(1, -16, -4, 43)", "(tuple 1 (neg 16) (neg 4) 43)"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(tuple 3 (div pi 2))"},
      {"[1,2,3]", "(tuple 1 2 3)"},
      {"(1)", "1"},
      {"[2]", "2"},
      {"{3}", "3"},
      {"1, 2, 3", "(list 1 2 3)"},
      {"3, 5, 7", "(list 3 5 7)"},
      {"-2,1", "(list (neg 2) 1)"},
      {"1; 2", "(list 1 2)"},
      {"1, 2,", "(list 1 2)"},
      {"x = 1 \\text{ or } x = 2", "(list (relation = x 1) (relation = x 2))"},
      {"1 and 2", "(list 1 2)"},
      {"(1,2), (3,4)", "(list (tuple 1 2) (tuple 3 4))"},
  });
}

TEST(LatexParser, Matrices) {
  expect_trees({
      {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "(matrix (list 1 2) (list 3 4))"},
      {"\\begin{bmatrix} 1 & 2 \\end{bmatrix}", "(matrix (list 1 2))"},
      {"\\begin{matrix} 1 \\\\ 2 \\\\ \\end{matrix}", "(matrix (list 1) (list 2))"},
      {"\\begin{pmatrix} -1/3 \\\\ 2/3 \\end{pmatrix}",
       "(matrix (list (neg (div 1 3))) (list (div 2 3)))"},
      {"\\left(\\begin{matrix} x \\end{matrix}\\right)", "(matrix (list x))"},
  });
}

TEST(LatexParser, MultipleChoice) {
  expect_trees({
      {"\\text{(B)}", "(choice \"B\")"},
      {"(B)", "(choice \"B\")"},
      {"\\textbf{(B) }12", "(choice \"B\")"},
      {"\\textbf{(B)} 12", "(choice \"B\")"},
      {"B)", "(choice \"B\")"},
      {"(B) 12", "(choice \"B\")"},
      {"(C) \\frac{1}{2}", "(choice \"C\")"},
      {"\\text{B}", "(choice \"B\")"},
      {"\\text{(b)}", "(choice \"B\")"},
      {"\\mathrm{(D)}", "(choice \"D\")"},
      {"(E)", "(choice \"E\")"},
      // Not commentary after it: the letter is part of an expression.
      {"(A) + 1", "(add A 1)"},
      {"\\text{(A)}, \\text{(C)}", "(list (choice \"A\") (choice \"C\"))"},
      {"\\text{(B)}\\cdot x", "(mul (choice \"B\") x)"},
  });
}

TEST(LatexParser, TextAnswers) {
  expect_trees({
      {"\\text{Evelyn}", "(text \"evelyn\")"},
      {"\\mathrm{Evelyn}", "(text \"evelyn\")"},
      {"\\textbf{East}", "(text \"east\")"},
      {"Evelyn", "(text \"evelyn\")"},
      {"no solution", "(text \"no solution\")"},
      {"\\text{No  Solution.}", "(text \"no solution\")"},
      {"\\text{no} \\text{solution}", "(text \"no solution\")"},
      {"no", "(text \"no\")"},
      {"DNE", "(text \"dne\")"},
      {"abc", "(text \"abc\")"},
      {"\\text{x-axis}", "(text \"x-axis\")"},
      {"x = \\text{even}", "(relation = x (text \"even\"))"},
      {"\\text{cm}", "(text \"cm\")"},  // nothing but a unit: kept as the answer
  });
}

TEST(LatexParser, UnitsAndTrailingWords) {
  expect_trees({
      {"5 cm", "5"},
      {"5cm", "5"},
      {"5 \\text{ cm}", "5"},
      {"15\\mbox{ cm}^2", "15"},
      {"864 \\mbox{ inches}^2", "864"},
      {"5 cm^{3}", "5"},
      {"5.4 \\text{ cents}", "5.4"},
      {"10 dollars", "10"},
      {"\\$18.90", "18.90"},
      {"3 \\text{ cm} \\times 4 \\text{ cm}", "(mul 3 4)"},
      {"\\frac{1}{2} \\text{ hours}", "(div 1 2)"},
      {"18 eggs", "18"},
      {"x = 5 \\text{ meters}", "(relation = x 5)"},
  });
}

TEST(LatexParser, DelimitersSpacingAndWrappers) {
  expect_trees({
      {"$x$", "x"},
      {"\\(x\\)", "x"},
      {"\\[x\\]", "x"},
      {"\\displaystyle \\frac{1}{2}", "(div 1 2)"},
      {"\\boxed{5}", "5"},
      {"\\left( 1, 2 \\right)", "(tuple 1 2)"},
      {"\\big( 1 \\big)", "1"},
      {"\\Bigl( x \\Bigr)", "x"},
      {"\\left. x \\right.", "x"},
      {"2\\,x", "(mul 2 x)"},
      {"2\\;x", "(mul 2 x)"},
      {"2\\!x", "(mul 2 x)"},
      {"2\\quad x", "(mul 2 x)"},
      {"2~x", "(mul 2 x)"},
      {"2\\ x", "(mul 2 x)"},
      {"\\mathbf{x} + \\mathbf{y}", "(add x y)"},
      {"\\text{5}", "5"},
      {"\\frac{1}{2}.", "(div 1 2)"},
      {"\xE2\x88\x92"
       "5",
       "(neg 5)"},  // U+2212 MINUS SIGN
      {"2\xC3\x97"
       "3",
       "(mul 2 3)"},
      {"\xE2\x88\x9A"
       "2",
       "(root 2 2)"},
  });
}

TEST(LatexParser, NumeralsInABase) {
  expect_trees({
      {"204_5", "(function base 204 5)"},
      {"4210_{5}", "(function base 4210 5)"},
      {"2516_8", "(function base 2516 8)"},
  });
}

// The readings added for what reasoning models write (latex_parser.h, second list).
TEST(LatexParser, ReadingsOfReasoningModelOutputs) {
  expect_trees({
      {"7:32", "(div 7 32)"},
      {"S_1:S_2 = 7:32", "(relation = (div S_1 S_2) (div 7 32))"},
      {"1:2:3", "(tuple 1 2 3)"},
      {"x \\approx 3.2", "(relation = x 3.2)"},
      {"\\frac{1}{12} \\approx 0.083", "(div 1 12)"},
      {"x = 2\\sqrt2 \\approx 2.83", "(relation = x (mul 2 (root 2 2)))"},
      {"{1, 3}", "(set 1 3)"},
      {"\\text{e}", "e"},
      {"1 000", "1000"},
      {"1 000", "1000"},
      {"1 000", "1000"},
      {"14 {, }916", "14916"},
      {"4 4/9", "(add 4 (div 4 9))"},
      {"√34", "(root 34 2)"},
      {"∛8", "(root 8 3)"},
      {"√(x+1)", "(root (add x 1) 2)"},
      {"35⁄6", "(div 35 6)"},
      {"x²", "(pow x 2)"},
      {"10⁻³", "(pow 10 (neg 3))"},
      {"2½", "(add 2 (div 1 2))"},
      {"3 ⋅ 4", "(mul 3 4)"},
      {"x ≈ 3", "(relation = x 3)"},
      {"100100_b", "100100"},
      {"\\\\frac{1}{2}", "(div 1 2)"},
      {"-2 \\\\le x \\\\le 7", "(relation <=,<= (neg 2) x 7)"},
      {"\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}", "(matrix (list 1 0) (list 0 1))"},
      {"(0; -2; 6)", "(tuple 0 (neg 2) 6)"},
      {"19, 46, and 82", "(list 19 46 82)"},
      {"(11,7)or(7,11)", "(list (tuple 11 7) (tuple 7 11))"},
      {"E[X]", "(mul E X)"},
      {"\\angle B = 30^\\circ", "(relation = B (degree 30))"},
      {"\\frac{NO}{BO}", "(div (mul N O) (mul B O))"},
      {"\\left[\\begin{array}{cc}1 & 2\\\\3 & 4\\end{array}\\right]",
       "(matrix (list 1 2) (list 3 4))"},
      {"30^\\\\circ", "(degree 30)"},
  });
  // "11 7/6" is no mixed number (the fraction is not proper): no reading is guessed.
  EXPECT_FALSE(parse_answer("11 7/6").ok);
}

TEST(LatexParser, ReportsErrors) {
  for (const char* text : {"",
                           "   ",
                           "\\frac{1}{2",
                           "{1+2",
                           "1+2}",
                           "(1,2",
                           "(1+",
                           "1+",
                           "\\sqrt",
                           "\\frac{1}",
                           "|x",
                           "\\left| x",
                           "\\begin{pmatrix} 1 & 2",
                           "\\begin{vmatrix} 1 \\end{vmatrix}",
                           "\\begin{pmatrix} 1 \\end{bmatrix}",
                           "x_",
                           "x_{}",
                           "\\unknowncommand",
                           "\\dots",
                           "1.2.3",
                           "2 3",
                           "x ^",
                           "(1]",
                           "[1)",
                           "\\{1, 2",
                           "\\",
                           "@",
                           "\xFF",
                           "1 & 2",
                           "1 \\\\ 2",
                           "x^{}",
                           "()",
                           "x_{\\frac{1}{2}}"}) {
    const Parsed p = parse_answer(text);
    EXPECT_FALSE(p.ok) << text << " parsed as " << debug_string(p.expr);
    EXPECT_FALSE(p.error.empty()) << text;
  }
}

TEST(LatexParser, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(parse_answer("1+2}").error, "unexpected '}' at 3");
  EXPECT_EQ(parse_answer("\\frac{1}{2").error, "expected '}' but found end of input");
  EXPECT_EQ(parse_answer("(1+").error, "unexpected end of input");
  EXPECT_EQ(parse_answer("\\foo").error, "unsupported command '\\foo' at 0");
}

TEST(LatexParser, EnforcesTheLengthLimit) {
  const std::string parens(100000, '(');
  const auto start = std::chrono::steady_clock::now();
  const Parsed p = parse_answer(parens);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("over the limit"), std::string::npos) << p.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_FALSE(parse_answer("12345", {.max_length = 4}).ok);
  EXPECT_TRUE(parse_answer("1234", {.max_length = 4}).ok);
}

TEST(LatexParser, EnforcesTheDepthLimit) {
  const ParseLimits roomy{.max_length = 1000000, .max_depth = 200};
  for (const std::string& deep :
       {std::string(100000, '(') + "1" + std::string(100000, ')'), std::string(100000, '('),
        std::string(100000, '-') + "1", std::string(50000, '{'),
        [] {
          std::string s;
          for (int k = 0; k < 20000; ++k) s += "\\sqrt{";
          return s;
        }(),
        [] {
          std::string s;
          for (int k = 0; k < 20000; ++k) s += "x^{";
          return s;
        }()}) {
    const auto start = std::chrono::steady_clock::now();
    const Parsed p = parse_answer(deep, roomy);
    EXPECT_FALSE(p.ok);
    EXPECT_NE(p.error.find("nested deeper than 200"), std::string::npos) << p.error;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
  // Within the limit, nesting is fine.
  const std::string nested = std::string(50, '(') + "1" + std::string(50, ')');
  EXPECT_TRUE(parse_answer(nested).ok);
}

// Time grows linearly: long flat inputs of every shape parse or fail quickly.
TEST(LatexParser, StaysLinearOnLongInputs) {
  const ParseLimits roomy{.max_length = 2000000, .max_depth = 200};
  std::string sum = "1";
  std::string words;
  std::string wrappers;
  std::string bars;
  for (int k = 0; k < 100000; ++k) {
    sum += "+x";
    words += "word ";
    wrappers += "\\text{a1}";
    bars += "|x|";
  }
  for (const std::string* text : {&sum, &words, &wrappers, &bars}) {
    const auto start = std::chrono::steady_clock::now();
    parse_answer(*text, roomy);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
  EXPECT_TRUE(parse_answer(sum, roomy).ok);
}

TEST(LatexParser, KindNamesAndNodeCount) {
  EXPECT_STREQ(kind_name(Kind::union_of), "union_of");
  EXPECT_STREQ(kind_name(Kind::plus_minus), "plus_minus");
  const Parsed p = parse_answer("1 + 2x");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(node_count(p.expr), 5u);
}

}  // namespace
}  // namespace rbench::math
