// Exact-rational arithmetic with overflow fallback, and the expression parser's readings.
#include "scorers/math/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "scorers/math/expression_parser.h"

namespace rbench::math {
namespace {

TEST(Number, FractionsAreReducedWithPositiveDenominator) {
  const Number n = Number::fraction(6, -4);
  EXPECT_TRUE(n.exact());
  EXPECT_EQ(n.num(), -3);
  EXPECT_EQ(n.den(), 2);
  EXPECT_EQ(n.to_string(), "-3/2");
  EXPECT_EQ(Number::fraction(0, -5).to_string(), "0");
}

TEST(Number, ParsesDecimalsExactly) {
  EXPECT_EQ(Number::parse_decimal("0.50")->to_string(), "1/2");
  EXPECT_EQ(Number::parse_decimal(".25")->to_string(), "1/4");
  EXPECT_EQ(Number::parse_decimal("007")->to_string(), "7");
  EXPECT_EQ(Number::parse_decimal("1.5e3")->to_string(), "1500");
  EXPECT_EQ(Number::parse_decimal("25e-2")->to_string(), "1/4");
  EXPECT_EQ(Number::parse_decimal("1e+2")->to_string(), "100");
  EXPECT_FALSE(Number::parse_decimal("").has_value());
  EXPECT_FALSE(Number::parse_decimal(".").has_value());
  EXPECT_FALSE(Number::parse_decimal("1e").has_value());
  EXPECT_FALSE(Number::parse_decimal("1.2.3").has_value());
}

TEST(Number, HugeLiteralsBecomeDoubles) {
  const auto n = Number::parse_decimal("123456789012345678901234");
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->exact());
  EXPECT_DOUBLE_EQ(n->to_double(), 1.23456789012345678901234e23);
  EXPECT_FALSE(Number::parse_decimal("1e5000").has_value());
}

TEST(Number, OverflowFallsBackToDouble) {
  const Number big = Number::fraction(std::int64_t{1} << 62);
  const auto product = multiply(big, big);
  ASSERT_TRUE(product.has_value());
  EXPECT_FALSE(product->exact());
  EXPECT_DOUBLE_EQ(product->to_double(), std::ldexp(1.0, 124));
  // Exactness comes back when a result fits again only through a fresh exact computation.
  const auto sum = add(Number::fraction(1, 3), Number::fraction(1, 6));
  EXPECT_EQ(sum->to_string(), "1/2");
}

TEST(Number, DivisionByZeroIsNoValue) {
  EXPECT_FALSE(divide(Number::fraction(1), Number::fraction(0)).has_value());
  EXPECT_FALSE(divide(Number::fraction(1), Number::real(0.0)).has_value());
  EXPECT_FALSE(power(Number::fraction(0), Number::fraction(-1)).has_value());
}

TEST(Number, PowersAndRootsStayExactWhenTheyCan) {
  EXPECT_EQ(power(Number::fraction(2, 3), Number::fraction(3))->to_string(), "8/27");
  EXPECT_EQ(power(Number::fraction(2), Number::fraction(-2))->to_string(), "1/4");
  EXPECT_EQ(power(Number::fraction(8), Number::fraction(2, 3))->to_string(), "4");
  EXPECT_EQ(root(Number::fraction(9, 4), Number::fraction(2))->to_string(), "3/2");
  EXPECT_EQ(root(Number::fraction(-27), Number::fraction(3))->to_string(), "-3");
  EXPECT_FALSE(root(Number::fraction(2), Number::fraction(2))->exact());
  EXPECT_FALSE(root(Number::fraction(-4), Number::fraction(2)).has_value());
  EXPECT_FALSE(power(Number::fraction(-8), Number::real(0.5)).has_value());
  const auto big = power(Number::fraction(2), Number::fraction(100));
  ASSERT_TRUE(big.has_value());
  EXPECT_FALSE(big->exact());
  EXPECT_DOUBLE_EQ(big->to_double(), std::ldexp(1.0, 100));
}

std::string eval(const char* text) {
  const auto v = evaluate_expression(text);
  return v ? v->to_string() : "none";
}

TEST(ExpressionParser, ArithmeticAndPrecedence) {
  EXPECT_EQ(eval("1+2*3"), "7");
  EXPECT_EQ(eval("(1+2)*3"), "9");
  EXPECT_EQ(eval("-2^2"), "-4");
  EXPECT_EQ(eval("2^3^2"), "512");
  EXPECT_EQ(eval("2^-1"), "1/2");
  EXPECT_EQ(eval("1/2\\pi"), eval("\\frac{\\pi}{2}"));
  EXPECT_EQ(eval("6\\div4"), "3/2");
  EXPECT_EQ(eval("3\\times10^{-2}"), "3/100");
  EXPECT_EQ(eval("--3"), "3");
  EXPECT_EQ(eval("{2}{3}"), "6");
}

TEST(ExpressionParser, LatexForms) {
  EXPECT_EQ(eval("\\frac12"), "1/2");
  EXPECT_EQ(eval("\\frac{1}{2}"), "1/2");
  EXPECT_EQ(eval("\\frac{3}{\\frac{1}{2}}"), "6");
  EXPECT_EQ(eval("\\sqrt{16}"), "4");
  EXPECT_EQ(eval("\\sqrt4"), "2");
  EXPECT_EQ(eval("\\sqrt[4]{16}"), "2");
  EXPECT_EQ(eval("\\sqrt{\\frac{9}{4}}"), "3/2");
  const auto two_pi = evaluate_expression("2\\pi");
  ASSERT_TRUE(two_pi.has_value());
  EXPECT_DOUBLE_EQ(two_pi->to_double(), 2 * std::numbers::pi);
}

TEST(ExpressionParser, MixedNumbersAndImplicitProducts) {
  EXPECT_EQ(eval("2\\frac{1}{2}"), "5/2");
  EXPECT_EQ(eval("2\\frac12"), "5/2");
  EXPECT_EQ(eval("-1\\frac{1}{4}"), "-5/4");
  EXPECT_EQ(eval("2\\sqrt{4}"), "4");
  EXPECT_EQ(eval("2(3)"), "6");
  EXPECT_EQ(eval("(2)(3)(4)"), "24");
  EXPECT_EQ(eval("2\\frac{\\sqrt{4}}{2}"), "2");  // not integer literals: a product
}

TEST(ExpressionParser, RejectsWhatIsNotANumber) {
  for (const char* text :
       {"x", "2x", "\\infty", "1\\pm2", "(1,2)", "", "1+", "(1", "1)", "\\frac{1}", "\\frac{1}{0}",
        "\\sqrt{-1}", "2^", "5!", "1..2", "\\unknown{3}", "e", "204_5"}) {
    EXPECT_FALSE(evaluate_expression(text).has_value()) << "text: [" << text << "]";
  }
}

TEST(ExpressionParser, DeepNestingIsRejectedNotACrash) {
  const std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  EXPECT_FALSE(evaluate_expression(deep).has_value());
  const std::string ok = std::string(50, '(') + "1" + std::string(50, ')');
  EXPECT_EQ(evaluate_expression(ok)->to_string(), "1");
  EXPECT_FALSE(evaluate_expression(std::string(100000, '-') + "1").has_value());
  EXPECT_FALSE(evaluate_expression("2" + std::string(100000, '^')).has_value());
}

}  // namespace
}  // namespace rbench::math
