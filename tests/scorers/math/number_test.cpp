// Exact-rational arithmetic with overflow fallback, and the expression parser's readings.
#include "scorers/math/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "scorers/math/number.h"

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

}  // namespace
}  // namespace rbench::math
