// Size bounds of the symbolic checker (see symbolic_bounds.h): estimates of what simplification
// would build, checked up front and without GiNaC.
#include "scorers/math/symbolic_bounds.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "scorers/math/numeric_eval.h"

namespace rbench::math::detail {
namespace {

constexpr double kMaxFactorialArgument = 1000;  // 1000! has 2568 digits; still cheap to compute

struct Size {
  double digits = 0;  // of the largest number simplification could produce, roughly
  double terms = 1;   // once every product and integer power is expanded
};

// (t_1 + ... + t_m)^k expands into C(k + m - 1, k) terms: a product of k <= max exponent
// factors (std::lgamma would do, but it writes the global signgam: a data race).
double expanded_power_terms(double m, double k) {
  double terms = 1;
  for (double j = 1; j <= k && m > 1 && std::isfinite(terms); ++j) terms *= (m - 1 + j) / j;
  return terms;
}

struct BoundsCheck {
  const SymbolicBounds& bounds;
  std::string why;  // the first bound broken

  bool fail(std::string message) {
    if (why.empty()) why = std::move(message);
    return false;
  }

  // The value of a symbol-free subtree, when it has a finite one.
  static std::optional<double> magnitude(const Expr& e) {
    const auto v = numeric_value(e);
    if (!v) return std::nullopt;
    return std::abs(*v);
  }

  std::size_t literal_digits(const Expr& e, double& exponent) const {
    std::size_t digits = 0;
    std::size_t i = 0;
    for (; i < e.text.size() && e.text[i] != 'e' && e.text[i] != 'E'; ++i) {
      if (e.text[i] >= '0' && e.text[i] <= '9') ++digits;
    }
    // 1.5e300 is written with 2 digits but is a 301-digit integer once exact.
    exponent = i < e.text.size() ? std::fabs(std::atof(e.text.c_str() + i + 1)) : 0;
    return digits;
  }

  bool visit(const Expr& e, Size& out) {
    std::vector<Size> sizes(e.children.size());
    for (std::size_t i = 0; i < e.children.size(); ++i) {
      if (!visit(e.children[i], sizes[i])) return false;
    }
    out = Size{};
    switch (e.kind) {
      case Kind::integer:
      case Kind::decimal: {
        double exponent = 0;
        const std::size_t digits = literal_digits(e, exponent);
        if (digits > bounds.max_digits) {
          return fail(
              fmt::format("a literal of {} digits (at most {})", digits, bounds.max_digits));
        }
        out.digits = static_cast<double>(digits) + exponent;
        break;
      }
      case Kind::mul:
      case Kind::div:
        out.terms = 1;
        for (const Size& s : sizes) {
          out.digits += s.digits;
          out.terms *= s.terms;
        }
        break;
      case Kind::pow: {
        const Expr& exponent = e.children.at(1);
        const Size base = sizes.at(0);
        if (free_symbols(exponent).empty()) {
          const auto n = magnitude(exponent);
          if (!n) return fail("an exponent without a finite value");
          if (*n > static_cast<double>(bounds.max_integer_exponent)) {
            return fail(
                fmt::format("an exponent of {:.6g} (at most {})", *n, bounds.max_integer_exponent));
          }
          const double k = std::max(1.0, std::ceil(*n));
          out.digits = std::max(1.0, base.digits) * k + sizes[1].digits;
          out.terms = expanded_power_terms(base.terms, k);
        } else {
          out.digits = base.digits + sizes[1].digits;
          out.terms = base.terms + sizes[1].terms;
        }
        break;
      }
      case Kind::function:
        if (e.text == "factorial" || e.text == "binom") {
          if (e.children.empty() || !free_symbols(e.children[0]).empty()) {
            // factorial(x) stays symbolic; GiNaC does not expand it.
          } else if (const auto n = magnitude(e.children[0]); !n || *n > kMaxFactorialArgument) {
            return fail(fmt::format("{} of more than {}", e.text, kMaxFactorialArgument));
          } else {
            out.digits = std::max(1.0, *n * std::log10(std::max(*n, 2.0)));
          }
        }
        [[fallthrough]];
      default:  // sums and everything else: the parts add up
        out.terms = e.children.empty() ? 1 : 0;
        for (const Size& s : sizes) {
          out.digits += s.digits;
          out.terms += s.terms;
        }
        if (e.children.empty()) out.digits = std::max(out.digits, 1.0);
        break;
    }
    if (out.digits > static_cast<double>(bounds.max_value_digits)) {
      return fail(fmt::format("numbers of about {:.3g} digits (at most {})", out.digits,
                              bounds.max_value_digits));
    }
    if (out.terms > static_cast<double>(bounds.max_expanded_terms)) {
      return fail(fmt::format("about {:.3g} terms once expanded (at most {})", out.terms,
                              bounds.max_expanded_terms));
    }
    return true;
  }
};

}  // namespace

std::optional<std::string> over_bounds(const Expr& e, const SymbolicBounds& bounds) {
  const std::size_t nodes = node_count(e);
  if (nodes > bounds.max_nodes) {
    return fmt::format("{} nodes (at most {})", nodes, bounds.max_nodes);
  }
  BoundsCheck check{bounds, {}};
  Size size;
  if (!check.visit(e, size)) return check.why;
  return std::nullopt;
}
}  // namespace rbench::math::detail
