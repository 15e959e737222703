// Exact-rational-or-double arithmetic; intermediates in 128 bits so overflow is detected.
#include "scorers/math/number.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace rbench::math {
namespace {

using i128 = __int128;
using u128 = unsigned __int128;

constexpr i128 kMaxExact = std::numeric_limits<std::int64_t>::max();  // symmetric range
constexpr int kMaxExactDigits = 18;                                   // 10^18 < 2^63
constexpr std::int64_t kMaxExactExponent = 64;  // repeated squaring beyond this overflows anyway

u128 gcd128(u128 a, u128 b) {
  while (b != 0) {
    const u128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

u128 magnitude(i128 v) {
  return v < 0 ? static_cast<u128>(-v) : static_cast<u128>(v);
}

// Reduced num/den if it fits the exact range, else the double value. den != 0.
Number from_wide(i128 num, i128 den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const u128 g = gcd128(magnitude(num), magnitude(den));
  if (g > 1) {
    num /= static_cast<i128>(g);
    den /= static_cast<i128>(g);
  }
  if (num <= kMaxExact && num >= -kMaxExact && den <= kMaxExact) {
    return Number::fraction(static_cast<std::int64_t>(num), static_cast<std::int64_t>(den));
  }
  return Number::real(static_cast<double>(num) / static_cast<double>(den));
}

std::optional<Number> finite(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  return Number::real(v);
}

std::optional<std::int64_t> pow10(int exponent) {
  if (exponent < 0 || exponent > kMaxExactDigits) return std::nullopt;
  std::int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

// Exact integer k-th root of v >= 0, if there is one.
std::optional<std::int64_t> exact_root(std::int64_t v, std::int64_t k) {
  const auto guess = static_cast<std::int64_t>(
      std::llround(std::pow(static_cast<double>(v), 1.0 / static_cast<double>(k))));
  for (std::int64_t r = std::max<std::int64_t>(guess - 1, 0); r <= guess + 1; ++r) {
    i128 p = 1;
    for (std::int64_t i = 0; i < k && p <= v; ++i) p *= r;
    if (p == v) return r;
  }
  return std::nullopt;
}

}  // namespace

Number Number::fraction(std::int64_t num, std::int64_t den) {
  Number n;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const auto g = static_cast<std::int64_t>(gcd128(magnitude(num), magnitude(den)));
  n.num_ = g > 1 ? num / g : num;
  n.den_ = g > 1 ? den / g : den;
  return n;
}

Number Number::real(double value) {
  Number n;
  n.exact_ = false;
  n.real_ = value;
  return n;
}

std::optional<Number> Number::parse_decimal(std::string_view literal) {
  std::string digits;
  int scale = 0;  // value = digits * 10^-scale
  std::size_t i = 0;
  for (; i < literal.size() && literal[i] >= '0' && literal[i] <= '9'; ++i) digits += literal[i];
  if (i < literal.size() && literal[i] == '.') {
    for (++i; i < literal.size() && literal[i] >= '0' && literal[i] <= '9'; ++i, ++scale) {
      digits += literal[i];
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < literal.size() && (literal[i] == 'e' || literal[i] == 'E')) {
    std::size_t start = i + 1;
    if (start < literal.size() && literal[start] == '+') ++start;  // from_chars takes no '+'
    int exponent = 0;
    const auto [end, ec] =
        std::from_chars(literal.data() + start, literal.data() + literal.size(), exponent);
    if (ec != std::errc() || end != literal.data() + literal.size()) return std::nullopt;
    if (exponent > 1000 || exponent < -1000) return std::nullopt;
    scale -= exponent;
    i = literal.size();
  }
  if (i != literal.size()) return std::nullopt;
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return fraction(0);
  digits.erase(0, first);
  if (digits.size() <= static_cast<std::size_t>(kMaxExactDigits)) {
    const std::int64_t mantissa = std::stoll(digits);
    if (scale >= 0) {
      if (const auto den = pow10(scale)) return fraction(mantissa, *den);
    } else if (const auto mul = pow10(-scale)) {
      return from_wide(static_cast<i128>(mantissa) * *mul, 1);
    }
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (ec != std::errc() || end != literal.data() + literal.size()) return std::nullopt;
  return finite(value);
}

double Number::to_double() const {
  return exact_ ? static_cast<double>(num_) / static_cast<double>(den_) : real_;
}

std::string Number::to_string() const {
  if (!exact_) return fmt::format("{:.12g}", real_);
  return den_ == 1 ? fmt::format("{}", num_) : fmt::format("{}/{}", num_, den_);
}

std::optional<Number> add(const Number& a, const Number& b) {
  if (a.exact() && b.exact()) {
    return from_wide(static_cast<i128>(a.num()) * b.den() + static_cast<i128>(b.num()) * a.den(),
                     static_cast<i128>(a.den()) * b.den());
  }
  return finite(a.to_double() + b.to_double());
}

std::optional<Number> subtract(const Number& a, const Number& b) {
  return add(a, negate(b));
}

std::optional<Number> multiply(const Number& a, const Number& b) {
  if (a.exact() && b.exact()) {
    return from_wide(static_cast<i128>(a.num()) * b.num(), static_cast<i128>(a.den()) * b.den());
  }
  return finite(a.to_double() * b.to_double());
}

std::optional<Number> divide(const Number& a, const Number& b) {
  if (b.exact() ? b.num() == 0 : b.to_double() == 0) return std::nullopt;
  if (a.exact() && b.exact()) {
    return from_wide(static_cast<i128>(a.num()) * b.den(), static_cast<i128>(a.den()) * b.num());
  }
  return finite(a.to_double() / b.to_double());
}

Number negate(const Number& a) {
  return a.exact() ? Number::fraction(-a.num(), a.den()) : Number::real(-a.to_double());
}

std::optional<Number> power(const Number& base, const Number& exponent) {
  if (base.exact() && exponent.is_integer() && exponent.num() >= -kMaxExactExponent &&
      exponent.num() <= kMaxExactExponent) {
    const std::int64_t e = exponent.num();
    if (e < 0 && base.num() == 0) return std::nullopt;
    std::optional<Number> result = Number::fraction(1);
    for (std::int64_t i = 0; i < (e < 0 ? -e : e) && result; ++i) result = multiply(*result, base);
    if (!result) return std::nullopt;
    return e < 0 ? divide(Number::fraction(1), *result) : result;
  }
  // A rational exponent p/q of an exact base is a root of a power: 8^{2/3} = 4 exactly.
  if (base.exact() && exponent.exact() && exponent.den() > 1 &&
      exponent.den() <= kMaxExactExponent) {
    if (auto p = power(base, Number::fraction(exponent.num()))) {
      return root(*p, Number::fraction(exponent.den()));
    }
  }
  if (base.to_double() < 0 && !exponent.is_integer()) return std::nullopt;
  return finite(std::pow(base.to_double(), exponent.to_double()));
}

std::optional<Number> root(const Number& radicand, const Number& degree) {
  if (degree.is_integer() && degree.num() >= 1 && degree.num() <= kMaxExactExponent) {
    const std::int64_t k = degree.num();
    const bool odd = k % 2 == 1;
    if (radicand.to_double() < 0 && !odd) return std::nullopt;
    if (radicand.exact()) {
      const bool negative = radicand.num() < 0;
      const auto n = exact_root(negative ? -radicand.num() : radicand.num(), k);
      const auto d = exact_root(radicand.den(), k);
      if (n && d) return Number::fraction(negative ? -*n : *n, *d);
    }
    const double v = radicand.to_double();
    const double r = std::pow(std::fabs(v), 1.0 / static_cast<double>(k));
    return finite(v < 0 ? -r : r);
  }
  if (degree.to_double() == 0 || radicand.to_double() < 0) return std::nullopt;
  return finite(std::pow(radicand.to_double(), 1.0 / degree.to_double()));
}

}  // namespace rbench::math
