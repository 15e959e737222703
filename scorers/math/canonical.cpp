// The structural normal form of expression trees: canonicalize() of printer.h. Its orderings
// compare printed forms (to_latex), so that equal trees sort alike whatever their history.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorers/math/printer.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

bool is_zero(const Expr& e) {
  return e.kind == Kind::integer && e.text == "0";
}

// "007" -> "7".
std::string strip_leading_zeros(std::string_view digits) {
  const std::size_t first = digits.find_first_not_of('0');
  return first == std::string_view::npos ? "0" : std::string(digits.substr(first));
}

// "2.50" -> 2.5, "3.0" -> the integer 3, ".5" -> 0.5, "1.50e+03" -> 1.5e3; the value is kept.
Expr canonical_decimal(const Expr& e) {
  std::string_view text = e.text;
  std::string_view exponent;
  if (const std::size_t at = text.find_first_of("eE"); at != std::string_view::npos) {
    exponent = text.substr(at + 1);
    text = text.substr(0, at);
  }
  std::string_view whole = text;
  std::string_view fraction;
  if (const std::size_t dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string sign;
  if (!exponent.empty() && (exponent.front() == '-' || exponent.front() == '+')) {
    if (exponent.front() == '-') sign = "-";
    exponent.remove_prefix(1);
  }
  const std::string power = exponent.empty() ? "0" : strip_leading_zeros(exponent);
  // Leave anything that is not a plain literal as it was.
  auto digits_only = [](std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); };
  if (!digits_only(whole) || !digits_only(fraction) || !digits_only(power)) return e;
  Expr out;
  std::string literal = strip_leading_zeros(whole);
  if (fraction.empty() && power == "0") {
    out.kind = Kind::integer;
    out.text = std::move(literal);
    return out;
  }
  if (!fraction.empty()) literal += "." + std::string(fraction);
  if (power != "0") literal += "e" + sign + power;
  out.kind = Kind::decimal;
  out.text = std::move(literal);
  return out;
}

// Sorts by printed form; stable, so equal spellings keep their order and a second pass is a
// no-op.
void sort_by_print(std::vector<Expr>& items) {
  std::vector<std::pair<std::string, Expr>> keyed;
  keyed.reserve(items.size());
  for (Expr& item : items) {
    std::string key = to_latex(item);
    keyed.emplace_back(std::move(key), std::move(item));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  items.clear();
  for (auto& [key, item] : keyed) items.push_back(std::move(item));
}

void drop_duplicates(std::vector<Expr>& items) {
  std::vector<Expr> unique;
  for (Expr& item : items) {
    if (std::find(unique.begin(), unique.end(), item) == unique.end()) {
      unique.push_back(std::move(item));
    }
  }
  items = std::move(unique);
}

Expr negated(Expr e) {
  Expr out;
  out.kind = Kind::neg;
  out.children.push_back(std::move(e));
  return out;
}

// Splices the children of nested nodes of the same kind into `items`.
void flatten_into(std::vector<Expr>& items, Expr e, Kind kind) {
  if (e.kind == kind) {
    for (Expr& child : e.children) items.push_back(std::move(child));
  } else {
    items.push_back(std::move(e));
  }
}

}  // namespace

Expr canonicalize(const Expr& e) {
  Expr out;
  out.kind = e.kind;
  out.text = e.text;
  out.children.reserve(e.children.size());
  for (const Expr& child : e.children) out.children.push_back(canonicalize(child));
  std::vector<Expr>& c = out.children;
  switch (out.kind) {
    case Kind::integer:
      out.text = strip_leading_zeros(out.text);
      if (!std::all_of(out.text.begin(), out.text.end(), is_digit)) out.text = e.text;
      return out;
    case Kind::decimal:
      return canonical_decimal(out);
    case Kind::neg:
      if (c.size() != 1) return out;
      if (c[0].kind == Kind::neg && c[0].children.size() == 1) {
        return std::move(c[0].children[0]);  // --x is x
      }
      if (is_zero(c[0])) return std::move(c[0]);
      return out;
    case Kind::add: {
      if (c.size() < 2) return out;
      std::vector<Expr> terms;
      for (Expr& term : c) flatten_into(terms, std::move(term), Kind::add);
      sort_by_print(terms);
      c = std::move(terms);
      return out;
    }
    case Kind::mul: {
      if (c.size() < 2) return out;
      // Signs move out of the product: (-2)x is -(2x).
      bool negative = false;
      std::vector<Expr> factors;
      for (Expr& factor : c) {
        if (factor.kind == Kind::neg && factor.children.size() == 1) {
          negative = !negative;
          flatten_into(factors, std::move(factor.children[0]), Kind::mul);
        } else {
          flatten_into(factors, std::move(factor), Kind::mul);
        }
      }
      // Matrix products do not commute: two or more matrices keep their written order.
      const auto matrices = std::count_if(factors.begin(), factors.end(),
                                          [](const Expr& f) { return f.kind == Kind::matrix; });
      if (matrices < 2) sort_by_print(factors);
      c = std::move(factors);
      return negative ? negated(std::move(out)) : out;
    }
    case Kind::div: {
      if (c.size() != 2) return out;
      bool negative = false;
      for (Expr& part : c) {
        if (part.kind == Kind::neg && part.children.size() == 1) {
          negative = !negative;
          Expr inner = std::move(part.children[0]);
          part = std::move(inner);
        }
      }
      return negative ? negated(std::move(out)) : out;
    }
    case Kind::set:
      sort_by_print(c);
      drop_duplicates(c);
      return out;
    case Kind::union_of:
      sort_by_print(c);
      return out;
    default:
      return out;
  }
}

}  // namespace rbench::math
