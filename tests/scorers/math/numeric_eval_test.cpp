// Exact rational values, complex floating-point values and free symbols of expression trees.
#include "scorers/math/numeric_eval.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numbers>

#include "scorers/math/math_expr_test_util.h"

namespace rbench::math {
namespace {

using namespace build;  // NOLINT: the tree builders read like the math they build
using Complex = std::complex<double>;

std::string rational(const Expr& e) {
  const auto v = rational_value(e);
  return v ? v->to_string() : "none";
}

Complex value(const Expr& e, const std::map<std::string, Complex>& vars = {}) {
  const auto v = numeric_value(e, vars);
  EXPECT_TRUE(v.has_value()) << debug_string(e);
  return v.value_or(Complex(NAN, NAN));
}

void expect_near(Complex actual, Complex expected, double tolerance = 1e-12) {
  EXPECT_NEAR(actual.real(), expected.real(), tolerance);
  EXPECT_NEAR(actual.imag(), expected.imag(), tolerance);
}

TEST(RationalValue, LiteralsAreExact) {
  EXPECT_EQ(rational(n(12)), "12");
  EXPECT_EQ(rational(dec("0.5")), "1/2");
  EXPECT_EQ(rational(dec("0.333")), "333/1000");
  EXPECT_EQ(rational(dec("1.5e-3")), "3/2000");
  EXPECT_EQ(rational(neg(dec(".25"))), "-1/4");
}

TEST(RationalValue, DecimalsAreNotThirds) {
  const auto third = rational_value(frac(n(1), n(3)));
  const auto decimal = rational_value(dec("0.333"));
  ASSERT_TRUE(third && decimal);
  EXPECT_NE(third->to_string(), decimal->to_string());
  EXPECT_EQ(rational(frac(n(1), n(2))), rational(dec("0.5")));
}

TEST(RationalValue, Arithmetic) {
  EXPECT_EQ(rational(add({n(1), frac(n(1), n(2)), n(-3)})), "-3/2");
  EXPECT_EQ(rational(mul({n(2), frac(n(3), n(4))})), "3/2");
  EXPECT_EQ(rational(frac(n(6), n(-4))), "-3/2");
  EXPECT_EQ(rational(pow(n(2), n(-2))), "1/4");
  EXPECT_EQ(rational(pow(frac(n(2), n(3)), n(3))), "8/27");
  EXPECT_EQ(rational(pow(n(-2), n(3))), "-8");
  EXPECT_EQ(rational(pow(n(7), n(0))), "1");
  EXPECT_EQ(rational(percent(n(50))), "1/2");
  EXPECT_EQ(rational(degree(n(90))), "90");
}

TEST(RationalValue, RefusesWhatIsNotRationalArithmetic) {
  EXPECT_EQ(rational(frac(n(1), n(0))), "none");
  EXPECT_EQ(rational(pow(n(0), n(-1))), "none");
  EXPECT_EQ(rational(pow(n(2), frac(n(1), n(2)))), "none");  // not an integer exponent
  EXPECT_EQ(rational(sqrt(n(4))), "none");
  EXPECT_EQ(rational(pi()), "none");
  EXPECT_EQ(rational(sym("x")), "none");
  EXPECT_EQ(rational(fn("sin", {n(0)})), "none");
  EXPECT_EQ(rational(tuple({n(1), n(2)})), "none");
  EXPECT_EQ(rational(integer("123456789012345678901234567890")), "none");  // past int64
  EXPECT_EQ(rational(pow(n(10), n(19))), "none");                          // overflows
}

TEST(RationalValue, HugeExponentsGiveUpQuickly) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rational(pow(n(2), integer("1000000000"))), "none");
  EXPECT_EQ(rational(pow(n(3), pow(n(10), n(18)))), "none");
  EXPECT_EQ(rational(pow(n(2), neg(integer("1000000000")))), "none");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  // 0, 1 and -1 stay exact under any power.
  EXPECT_EQ(rational(pow(n(1), integer("1000000000"))), "1");
  EXPECT_EQ(rational(pow(n(-1), integer("1000000001"))), "-1");
  EXPECT_EQ(rational(pow(n(0), integer("1000000000"))), "0");
}

TEST(NumericValue, ArithmeticAndConstants) {
  expect_near(value(add({n(1), mul({n(2), dec("0.25")})})), 1.5);
  expect_near(value(pi()), std::numbers::pi);
  expect_near(value(e_const()), std::numbers::e);
  expect_near(value(frac(pi(), n(2))), std::numbers::pi / 2);
  expect_near(value(percent(n(12))), 0.12);
  expect_near(value(degree(n(45))), 45);  // degrees stay degrees
  EXPECT_FALSE(numeric_value(infty()).has_value());
  EXPECT_FALSE(numeric_value(frac(n(1), n(0))).has_value());
  EXPECT_FALSE(numeric_value(text("no solution")).has_value());
  EXPECT_FALSE(numeric_value(pow(n(10), n(400))).has_value());  // not finite
}

TEST(NumericValue, ComplexNumbers) {
  const Complex minus_one = value(pow(i_unit(), n(2)));
  EXPECT_EQ(minus_one, Complex(-1, 0));  // exactly, by repeated multiplication
  expect_near(value(mul({n(2), i_unit()})), Complex(0, 2));
  expect_near(value(pow(e_const(), mul({i_unit(), pi()}))), Complex(-1, 0));
  expect_near(value(sqrt(n(-4))), Complex(0, 2));  // principal square root
  expect_near(value(fn("ln", {n(-1)})), Complex(0, std::numbers::pi));
  expect_near(value(fn("abs", {add({n(3), mul({n(4), i_unit()})})})), 5);
}

TEST(NumericValue, Roots) {
  expect_near(value(sqrt(n(2))), std::sqrt(2.0));
  expect_near(value(root(n(27), 3)), 3);
  expect_near(value(root(n(-8), 3)), -2);  // the real odd root
  expect_near(value(root(n(16), 4)), 2);
  expect_near(value(pow(n(8), frac(n(1), n(3)))), 2);
}

TEST(NumericValue, Functions) {
  expect_near(value(fn("sin", {frac(pi(), n(6))})), 0.5);
  expect_near(value(fn("cos", {pi()})), -1);
  expect_near(value(fn("tan", {frac(pi(), n(4))})), 1);
  expect_near(value(fn("cot", {frac(pi(), n(4))})), 1);
  expect_near(value(fn("sec", {n(0)})), 1);
  expect_near(value(fn("csc", {frac(pi(), n(2))})), 1);
  expect_near(value(fn("arcsin", {n(1)})), std::numbers::pi / 2);
  expect_near(value(fn("arccos", {n(-1)})), std::numbers::pi);
  expect_near(value(fn("arctan", {n(1)})), std::numbers::pi / 4);
  expect_near(value(fn("sinh", {n(0)})), 0);
  expect_near(value(fn("cosh", {n(0)})), 1);
  expect_near(value(fn("tanh", {n(0)})), 0);
  expect_near(value(fn("exp", {n(1)})), std::numbers::e);
  expect_near(value(fn("ln", {e_const()})), 1);
  expect_near(value(fn("log", {n(1000)})), 3);
  expect_near(value(fn("log", {n(2), n(8)})), 3);  // base first
  expect_near(value(fn("abs", {n(-3)})), 3);
  expect_near(value(fn("floor", {dec("2.7")})), 2);
  expect_near(value(fn("ceil", {dec("2.1")})), 3);
  expect_near(value(fn("floor", {neg(dec("2.5"))})), -3);
  expect_near(value(fn("factorial", {n(5)})), 120);
  expect_near(value(fn("factorial", {n(20)})), 2432902008176640000.0, 1);
  expect_near(value(fn("binom", {n(10), n(3)})), 120);
  expect_near(value(fn("binom", {n(5), n(7)})), 0);
  expect_near(value(fn("gcd", {n(12), n(18)})), 6);
  expect_near(value(fn("lcm", {n(4), n(6), n(10)})), 60);
}

TEST(NumericValue, FunctionsOutsideTheirDomain) {
  EXPECT_FALSE(numeric_value(fn("factorial", {dec("2.5")})).has_value());
  EXPECT_FALSE(numeric_value(fn("factorial", {n(171)})).has_value());  // overflows a double
  EXPECT_FALSE(numeric_value(fn("factorial", {n(-1)})).has_value());
  EXPECT_FALSE(numeric_value(fn("gcd", {dec("1.5"), n(3)})).has_value());
  EXPECT_FALSE(numeric_value(fn("floor", {i_unit()})).has_value());
  EXPECT_FALSE(numeric_value(fn("binom", {integer("1000000000"), integer("500000000")})));
  EXPECT_FALSE(numeric_value(fn("log", {n(1), n(5)})).has_value());  // base 1
  EXPECT_FALSE(numeric_value(fn("frobnicate", {n(1)})).has_value());
  EXPECT_FALSE(numeric_value(fn("sin", {n(1), n(2)})).has_value());
}

TEST(NumericValue, Variables) {
  const Expr poly = add({pow(sym("x"), n(2)), mul({n(3), sym("y")})});
  expect_near(value(poly, {{"x", 2.0}, {"y", 1.0}}), 7);
  expect_near(value(poly, {{"x", Complex(0, 1)}, {"y", 0.0}}), -1);
  EXPECT_FALSE(numeric_value(poly, {{"x", 2.0}}).has_value());  // y unbound
  EXPECT_FALSE(numeric_value(frac(n(1), sym("x")), {{"x", 0.0}}).has_value());
}

TEST(FreeSymbols, CollectsSortedNames) {
  const Expr e = add({sym("y"), mul({sym("x"), fn("sin", {sym("alpha")})}), sym("x"), pi()});
  EXPECT_EQ(free_symbols(e), (std::set<std::string>{"alpha", "x", "y"}));
  EXPECT_TRUE(free_symbols(add({n(1), pi()})).empty());
}

}  // namespace
}  // namespace rbench::math
