// A real number for answer comparison: an exact fraction of 64-bit integers while it can stay
// one, a double once it cannot (an irrational like \pi or \sqrt{2}, or an overflow).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rbench::math {

class Number {
 public:
  // num/den reduced to lowest terms with a positive denominator; den must not be 0.
  static Number fraction(std::int64_t num, std::int64_t den = 1);
  static Number real(double value);
  // A decimal literal ("12", "0.50", ".5", "1.5e-3"); exact when it fits in int64 fractions.
  static std::optional<Number> parse_decimal(std::string_view literal);

  bool exact() const { return exact_; }
  std::int64_t num() const { return num_; }  // meaningful when exact()
  std::int64_t den() const { return den_; }
  double to_double() const;
  bool is_integer() const { return exact_ && den_ == 1; }
  std::string to_string() const;  // "1/2", "-3", or the double with 12 significant digits

 private:
  bool exact_ = true;
  std::int64_t num_ = 0;
  std::int64_t den_ = 1;
  double real_ = 0;
};

// Arithmetic: exact when both operands are and the result fits, else double. nullopt for
// division by zero and results that are not finite reals (overflow to inf, even roots of
// negatives).
std::optional<Number> add(const Number& a, const Number& b);
std::optional<Number> subtract(const Number& a, const Number& b);
std::optional<Number> multiply(const Number& a, const Number& b);
std::optional<Number> divide(const Number& a, const Number& b);
std::optional<Number> power(const Number& base, const Number& exponent);
std::optional<Number> root(const Number& radicand, const Number& degree);  // degree-th root
Number negate(const Number& a);

}  // namespace rbench::math
