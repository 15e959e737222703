// Tree helpers of the equivalence rules (see equivalence_forms.h).
#include "scorers/math/equivalence_forms.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "scorers/math/number.h"
#include "scorers/math/numeric_eval.h"
#include "scorers/math/printer.h"
#include "scorers/math/text_util.h"

namespace rbench::math::detail {

std::string form(const Expr& e) {
  return to_latex(e);
}

bool is_collection(Kind k) {
  return k == Kind::set || k == Kind::tuple || k == Kind::interval || k == Kind::union_of ||
         k == Kind::list || k == Kind::matrix || k == Kind::empty_set;
}

bool is_unordered(Kind k) {
  return k == Kind::set || k == Kind::list || k == Kind::union_of || k == Kind::empty_set;
}

bool is_word(Kind k) {
  return k == Kind::text || k == Kind::choice;
}

// A single capital letter written bare ("B") may be a multiple-choice answer.
std::optional<char> choice_letter(const Expr& e) {
  if (e.kind == Kind::choice && e.text.size() == 1) return e.text[0];
  if (e.kind == Kind::symbol && e.text.size() == 1 && e.text[0] >= 'A' && e.text[0] <= 'Z') {
    return e.text[0];
  }
  if (e.kind == Kind::text && e.text.size() == 1 && is_alpha(e.text[0])) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(e.text[0])));
  }
  return std::nullopt;
}

std::string lower_words(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// "x = 5" -> 5 and "x \in [0, 1]" -> [0, 1] when the left side is a lone variable (what a
// reader means by giving the value of the unknown). Returns null when `e` is not such a relation.
const Expr* assigned_value(const Expr& e) {
  if (e.kind != Kind::relation || e.children.size() != 2) return nullptr;
  if (e.text != "=" && e.text != "in") return nullptr;
  if (e.children[0].kind != Kind::symbol) return nullptr;
  return &e.children[1];
}

bool is_label(const Expr& e) {
  switch (e.kind) {
    case Kind::symbol:
      return true;
    case Kind::mul:
    case Kind::div:
    case Kind::tuple:
      return std::all_of(e.children.begin(), e.children.end(), is_label);
    case Kind::function:
      return e.text == "abs" && e.children.size() == 1 && is_label(e.children[0]);
    default:
      return false;
  }
}

bool labelled_value(const Expr& e) {
  const Expr* value = chain_value(e);
  if (!value) return false;
  return std::all_of(e.children.begin(), e.children.end(),
                     [&](const Expr& side) { return &side == value || is_label(side); });
}

const Expr* chain_value(const Expr& e) {
  if (e.kind != Kind::relation || e.children.size() < 2) return nullptr;
  for (std::size_t start = 0; start < e.text.size();) {
    const std::size_t comma = e.text.find(',', start);
    const std::size_t end = comma == std::string::npos ? e.text.size() : comma;
    if (e.text.compare(start, end - start, "=") != 0) return nullptr;
    start = end + 1;
  }
  const Expr& last = e.children.back();
  return last.kind == Kind::symbol ? &e.children.front() : &last;
}

namespace {

// c x + d with c an exact nonzero rational and d free of symbols: enough to solve the
// inequalities answers are written in ("-x > -1", "2x + 1 \le 7", "\frac{x}{3} < 1").
struct Linear {
  std::string symbol;
  Number coefficient = Number::fraction(1);
  std::vector<Expr> offset;  // terms of d; empty for 0
};

// An exact rational as a tree: integer leaves hold no sign, so -3/2 is neg(div(3, 2)).
Expr rational_expr(const Number& r) {
  const std::int64_t n = r.num();
  // Unsigned negation: |INT64_MIN| has no int64.
  const std::uint64_t size = n < 0 ? 0 - static_cast<std::uint64_t>(n) : n;
  Expr magnitude = leaf(Kind::integer, std::to_string(size));
  if (r.den() != 1) {
    magnitude =
        node(Kind::div, {std::move(magnitude), leaf(Kind::integer, std::to_string(r.den()))});
  }
  return n < 0 ? node(Kind::neg, {std::move(magnitude)}) : magnitude;
}

std::optional<Linear> linear_in_one_symbol(const Expr& e) {
  switch (e.kind) {
    case Kind::symbol:
      return Linear{e.text, Number::fraction(1), {}};
    case Kind::neg: {
      auto l = linear_in_one_symbol(e.children[0]);
      if (!l) return std::nullopt;
      l->coefficient = negate(l->coefficient);
      for (Expr& t : l->offset) t = node(Kind::neg, {std::move(t)});
      return l;
    }
    case Kind::mul:
    case Kind::div: {
      // One factor holds the symbol; the others (or the divisor) are exact rationals.
      std::optional<Linear> l;
      Number factor = Number::fraction(1);
      for (std::size_t k = 0; k < e.children.size(); ++k) {
        const Expr& c = e.children[k];
        const bool divisor = e.kind == Kind::div && k == 1;
        if (!divisor && !l && !free_symbols(c).empty()) {
          l = linear_in_one_symbol(c);
          if (!l) return std::nullopt;
          continue;
        }
        const auto v = rational_value(c);
        if (!v || !v->exact()) return std::nullopt;
        const auto next = divisor ? divide(factor, *v) : multiply(factor, *v);
        if (!next || !next->exact()) return std::nullopt;
        factor = *next;
      }
      if (!l || factor.num() == 0) return std::nullopt;
      const auto c = multiply(l->coefficient, factor);
      if (!c || !c->exact()) return std::nullopt;
      l->coefficient = *c;
      for (Expr& t : l->offset) t = node(Kind::mul, {rational_expr(factor), std::move(t)});
      return l;
    }
    case Kind::add: {
      std::optional<Linear> l;
      std::vector<Expr> constants;
      for (const Expr& t : e.children) {
        if (free_symbols(t).empty()) {
          constants.push_back(t);
        } else if (!l) {
          l = linear_in_one_symbol(t);
          if (!l) return std::nullopt;
        } else {
          return std::nullopt;
        }
      }
      if (!l) return std::nullopt;
      l->offset.insert(l->offset.end(), constants.begin(), constants.end());
      return l;
    }
    default:
      return std::nullopt;
  }
}

// The bound of `l op value`, solved for the symbol: (value - d) / c.
Expr solve_for_symbol(const Linear& l, const Expr& value) {
  Expr rest = value;
  if (!l.offset.empty()) {
    std::vector<Expr> terms = {value};
    for (const Expr& t : l.offset) terms.push_back(node(Kind::neg, {t}));
    rest = node(Kind::add, std::move(terms));
  }
  if (l.coefficient.num() == 1 && l.coefficient.den() == 1) return rest;
  const Number inverse = Number::fraction(l.coefficient.den(), l.coefficient.num());
  return node(Kind::mul, {rational_expr(inverse), std::move(rest)});
}

std::string mirrored(const std::string& op) {
  if (op == "<") return ">";
  if (op == ">") return "<";
  if (op == "<=") return ">=";
  if (op == ">=") return "<=";
  return op;
}

bool is_abs(const Expr& e) {
  return e.kind == Kind::function && e.text == "abs" && e.children.size() == 1;
}

// The solutions for x of |x| in `range` (an interval of |x| with ends >= 0): |x| < b is
// (-b, b), |x| >= a is (-\infty, -a] \cup [a, \infty), a <= |x| <= b is [-b, -a] \cup [a, b].
// nullopt when an end's sign is unknown or negative.
std::optional<Expr> abs_solutions(const Expr& range) {
  const Expr& lo = range.children[0];
  const Expr& hi = range.children[1];
  auto nonnegative = [](const Expr& x) {
    const auto v = numeric_value(x);
    return v && v->imag() == 0 && v->real() >= 0;
  };
  const char open_lo = range.text[0];
  const char open_hi = range.text[1];
  auto neg = [](const Expr& x) { return node(Kind::neg, {x}); };
  const bool lo_infinite = infinity_sign(lo) < 0;
  const bool hi_infinite = infinity_sign(hi) > 0;
  if (lo_infinite) {  // |x| < b
    if (!nonnegative(hi)) return std::nullopt;
    const char l = open_hi == ')' ? '(' : '[';
    return node(Kind::interval, {neg(hi), hi}, std::string(1, l) + open_hi);
  }
  if (!nonnegative(lo)) return std::nullopt;
  const char r = open_lo == '(' ? ')' : ']';
  if (hi_infinite) {  // |x| > a
    return node(Kind::union_of, {node(Kind::interval, {neg(hi), neg(lo)}, std::string("(") + r),
                                 node(Kind::interval, {lo, hi}, std::string(1, open_lo) + ")")});
  }
  if (!nonnegative(hi)) return std::nullopt;
  const char l = open_hi == ')' ? '(' : '[';
  return node(Kind::union_of, {node(Kind::interval, {neg(hi), neg(lo)}, std::string(1, l) + r),
                               node(Kind::interval, {lo, hi}, std::string(1, open_lo) + open_hi)});
}

// The interval a relation puts its label (or solved linear variable) in.
std::optional<Expr> label_range(const Expr& e) {
  if (e.kind != Kind::relation) return std::nullopt;
  if (e.text == "in" && e.children.size() == 2 && e.children[0].kind == Kind::symbol &&
      (e.children[1].kind == Kind::interval || e.children[1].kind == Kind::union_of)) {
    return e.children[1];
  }
  auto infinity = [](bool negative) {
    Expr inf = node(Kind::constant, {}, "infty");
    return negative ? node(Kind::neg, {std::move(inf)}) : inf;
  };
  std::vector<std::string> ops;
  for (std::size_t start = 0; start <= e.text.size();) {
    const std::size_t comma = e.text.find(',', start);
    const std::size_t end = comma == std::string::npos ? e.text.size() : comma;
    ops.push_back(e.text.substr(start, end - start));
    start = end + 1;
  }
  if (ops.size() + 1 != e.children.size()) return std::nullopt;
  auto strict = [](const std::string& op) { return op == "<" || op == ">"; };
  auto less = [](const std::string& op) { return op == "<" || op == "<="; };
  auto greater = [](const std::string& op) { return op == ">" || op == ">="; };
  if (e.children.size() == 2) {
    std::string op = ops[0];
    if (!less(op) && !greater(op)) return std::nullopt;
    const bool var_left = is_label(e.children[0]);
    const bool var_right = is_label(e.children[1]);
    Expr bound;
    if (var_left != var_right) {
      bound = var_left ? e.children[1] : e.children[0];
      if (!var_left) op = mirrored(op);  // b > x is x < b
    } else {
      // Solve c x + d op b: the side with the one symbol against a side without any.
      const bool free_left = free_symbols(e.children[0]).empty();
      const bool free_right = free_symbols(e.children[1]).empty();
      if (free_left == free_right) return std::nullopt;
      const auto l = linear_in_one_symbol(free_right ? e.children[0] : e.children[1]);
      if (!l) return std::nullopt;
      if (free_left) op = mirrored(op);
      bound = solve_for_symbol(*l, free_right ? e.children[1] : e.children[0]);
      if (l->coefficient.num() < 0) op = mirrored(op);  // dividing by c < 0 turns it round
    }
    const char closed_or_open = strict(op) ? ')' : ']';
    if (less(op)) {
      return node(Kind::interval, {infinity(true), bound}, std::string("(") + closed_or_open);
    }
    const char open_end = strict(op) ? '(' : '[';
    return node(Kind::interval, {bound, infinity(false)}, std::string(1, open_end) + ")");
  }
  if (e.children.size() == 3 && is_label(e.children[1])) {
    if (less(ops[0]) && less(ops[1])) {
      return node(Kind::interval, {e.children[0], e.children[2]},
                  std::string(strict(ops[0]) ? "(" : "[") + (strict(ops[1]) ? ")" : "]"));
    }
    if (greater(ops[0]) && greater(ops[1])) {
      return node(Kind::interval, {e.children[2], e.children[0]},
                  std::string(strict(ops[1]) ? "(" : "[") + (strict(ops[0]) ? ")" : "]"));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Expr> inequality_subject(const Expr& e) {
  if (!inequality_as_interval(e)) return std::nullopt;
  const Expr* side = nullptr;
  if (e.children.size() == 3) {
    side = &e.children[1];
  } else if (is_label(e.children[0]) != is_label(e.children[1])) {
    side = is_label(e.children[0]) ? &e.children[0] : &e.children[1];
  } else {  // a solved linear side: its one symbol
    const bool left = !free_symbols(e.children[0]).empty();
    const auto l = linear_in_one_symbol(e.children[left ? 0 : 1]);
    if (!l) return std::nullopt;
    return leaf(Kind::symbol, l->symbol);
  }
  return is_abs(*side) ? side->children[0] : *side;
}

// A one-variable inequality ("x > 2", "2 < x \le 5", "-x > -1") as the interval of its
// solutions; "x \in [0, 1]" as its interval.
std::optional<Expr> inequality_as_interval(const Expr& e) {
  auto range = label_range(e);
  if (!range) return std::nullopt;
  // |x| < 3 is no interval of x: its solutions are (-3, 3).
  const Expr* bounded = e.children.size() == 2
                            ? (is_label(e.children[0]) ? &e.children[0] : &e.children[1])
                            : &e.children[1];
  if (range->kind == Kind::interval && is_abs(*bounded)) return abs_solutions(*range);
  return range;
}

// a \pm b as the set {a + b, a - b}; \pm b as {b, -b}.
Expr expand_plus_minus(const Expr& e) {
  if (e.children.size() == 1) {
    return node(Kind::set, {e.children[0], node(Kind::neg, {e.children[0]})});
  }
  const Expr& a = e.children[0];
  const Expr& b = e.children[1];
  return node(Kind::set, {node(Kind::add, {a, b}), node(Kind::add, {a, node(Kind::neg, {b})})});
}

// Nothing in the tree but arithmetic on numbers, constants, symbols and functions.
bool is_scalar(const Expr& e) {
  switch (e.kind) {
    case Kind::integer:
    case Kind::decimal:
    case Kind::symbol:
    case Kind::constant:
      return true;
    case Kind::add:
    case Kind::mul:
    case Kind::neg:
    case Kind::div:
    case Kind::pow:
    case Kind::root:
    case Kind::function:
    case Kind::percent:
      return std::all_of(e.children.begin(), e.children.end(), is_scalar);
    default:
      return false;
  }
}

bool contains_kind(const Expr& e, Kind kind) {
  if (e.kind == kind) return true;
  return std::any_of(e.children.begin(), e.children.end(),
                     [kind](const Expr& c) { return contains_kind(c, kind); });
}

std::optional<DecimalLiteral> decimal_literal(const Expr& e) {
  const Expr* lit = e.kind == Kind::neg && e.children.size() == 1 ? &e.children[0] : &e;
  if (lit->kind != Kind::decimal) return std::nullopt;
  const std::string& t = lit->text;
  if (t.find_first_of("eE") != std::string::npos) return std::nullopt;
  const std::size_t dot = t.find('.');
  if (dot == std::string::npos) return std::nullopt;
  DecimalLiteral d;
  d.decimals = static_cast<int>(t.size() - dot - 1);
  bool leading = true;
  for (char c : t) {
    if (!is_digit(c)) continue;
    if (leading && c == '0') continue;
    leading = false;
    ++d.significant;
  }
  return d;
}

// Degrees inside an expression (\sin 30^\circ) in radians; a whole answer in degrees is handled
// by compare_degree, which accepts either reading.
Expr degrees_to_radians(const Expr& e) {
  Expr out = e;
  for (Expr& c : out.children) c = degrees_to_radians(c);
  if (out.kind != Kind::degree || out.children.size() != 1) return out;
  return node(Kind::div,
              {node(Kind::mul, {std::move(out.children[0]), node(Kind::constant, {}, "pi")}),
               node(Kind::integer, {}, "180")});
}

// Arithmetic on number literals only: exact by nature, so never compared with a tolerance.
bool is_literal_arithmetic(const Expr& e) {
  switch (e.kind) {
    case Kind::integer:
    case Kind::decimal:
      return true;
    case Kind::add:
    case Kind::mul:
    case Kind::neg:
    case Kind::div:
    case Kind::pow:
    case Kind::percent:
      return std::all_of(e.children.begin(), e.children.end(), is_literal_arithmetic);
    default:
      return false;
  }
}

// Whether a value may be irrational: constants, roots, functions and fractional powers. A decimal
// is an approximation only against such a value; against rational arithmetic it is exact.
bool has_irrational(const Expr& e) {
  switch (e.kind) {
    case Kind::constant:
    case Kind::root:
    case Kind::function:
      return true;
    case Kind::pow:
      if (e.children.size() == 2) {
        const Expr& x = e.children[1];
        const Expr& n = x.kind == Kind::neg && x.children.size() == 1 ? x.children[0] : x;
        if (n.kind != Kind::integer) return true;
      }
      break;
    default:
      break;
  }
  return std::any_of(e.children.begin(), e.children.end(), has_irrational);
}

// Whether some quotient in `e` has a denominator that evaluates to exactly 0.
bool has_zero_denominator(const Expr& e) {
  if (e.kind == Kind::div && e.children.size() == 2) {
    const auto d = numeric_value(e.children[1]);
    if (d && *d == std::complex<double>(0, 0)) return true;
  }
  return std::any_of(e.children.begin(), e.children.end(), has_zero_denominator);
}

// A sign in front of a degree or percent node moves inside it.
void hoist_sign(Expr& e) {
  if (e.kind != Kind::neg || e.children.size() != 1) return;
  Expr& inner = e.children[0];
  if ((inner.kind != Kind::degree && inner.kind != Kind::percent) || inner.children.size() != 1) {
    return;
  }
  Expr moved = std::move(inner);
  moved.children[0] = node(Kind::neg, {std::move(moved.children[0])});
  e = std::move(moved);
}

namespace {

// Every value of an expression with \pm nodes below its top (at most kMaxPlusMinus of them), as
// a set; nullopt when there are none. A \pm at the top is compare_canonical's.
constexpr int kMaxPlusMinus = 4;
void replace_first_pm(const Expr& e, bool plus, bool& done, Expr& out) {
  if (!done && e.kind == Kind::plus_minus) {
    done = true;
    if (e.children.size() == 1) {
      out = plus ? e.children[0] : node(Kind::neg, {e.children[0]});
    } else {
      out =
          node(Kind::add, {e.children[0], plus ? e.children[1] : node(Kind::neg, {e.children[1]})});
    }
    return;
  }
  out = Expr{e.kind, e.text, {}};
  out.children.resize(e.children.size());
  for (std::size_t i = 0; i < e.children.size(); ++i)
    replace_first_pm(e.children[i], plus, done, out.children[i]);
}

}  // namespace
std::optional<Expr> plus_minus_values(const Expr& e) {
  if (e.kind == Kind::plus_minus || !contains_kind(e, Kind::plus_minus)) return std::nullopt;
  // Only scalar expressions: a \pm inside a tuple or set is compared element by element.
  if (is_collection(e.kind) || e.kind == Kind::relation) return std::nullopt;
  std::vector<Expr> values{e};
  for (int round = 0; round < kMaxPlusMinus; ++round) {
    std::vector<Expr> next;
    bool any = false;
    for (const Expr& v : values) {
      if (!contains_kind(v, Kind::plus_minus)) {
        next.push_back(v);
        continue;
      }
      any = true;
      for (bool plus : {true, false}) {
        bool done = false;
        Expr out;
        replace_first_pm(v, plus, done, out);
        next.push_back(std::move(out));
      }
    }
    values = std::move(next);
    if (!any) break;
  }
  for (const Expr& v : values) {
    if (contains_kind(v, Kind::plus_minus)) return std::nullopt;
  }
  return node(Kind::set, std::move(values));
}

namespace {

using Rows = std::vector<std::vector<Expr>>;

std::optional<Rows> rows_of(const Expr& m) {
  if (m.kind != Kind::matrix || m.children.empty()) return std::nullopt;
  Rows rows;
  for (const Expr& row : m.children) rows.push_back(row.children);
  for (const auto& row : rows) {
    if (row.size() != rows[0].size() || row.empty()) return std::nullopt;
  }
  return rows;
}

Expr matrix_of(Rows rows) {
  std::vector<Expr> out;
  for (auto& row : rows) out.push_back(node(Kind::list, std::move(row)));
  return node(Kind::matrix, std::move(out));
}

// The value of `e` as matrix rows, or as a scalar (nullopt rows) when it holds no matrix.
struct MatrixValue {
  std::optional<Rows> rows;
  bool ok = true;
};

MatrixValue evaluate(const Expr& e);

// Entries of chained products grow geometrically (each product copies every entry n times):
// past this many nodes the arithmetic is not carried out and the answer compares as written.
constexpr std::size_t kMaxMatrixNodes = 20000;

std::size_t rows_nodes(const Rows& rows) {
  std::size_t n = 0;
  for (const auto& row : rows) {
    for (const Expr& x : row) n += node_count(x);
  }
  return n;
}

MatrixValue multiply_values(MatrixValue a, const MatrixValue& b, const Expr& a_expr,
                            const Expr& b_expr) {
  if (!a.rows && !b.rows) return {};
  if (!a.rows || !b.rows) {  // scalar times matrix
    const Expr& scalar = a.rows ? b_expr : a_expr;
    Rows m = a.rows ? *a.rows : *b.rows;
    for (auto& row : m) {
      for (Expr& x : row) x = node(Kind::mul, {scalar, std::move(x)});
    }
    return {std::move(m)};
  }
  const Rows& x = *a.rows;
  const Rows& y = *b.rows;
  if (x[0].size() != y.size()) return {std::nullopt, false};
  Rows m(x.size(), std::vector<Expr>(y[0].size()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = 0; j < y[0].size(); ++j) {
      std::vector<Expr> terms;
      for (std::size_t k = 0; k < y.size(); ++k)
        terms.push_back(node(Kind::mul, {x[i][k], y[k][j]}));
      m[i][j] = terms.size() == 1 ? std::move(terms[0]) : node(Kind::add, std::move(terms));
    }
  }
  return {std::move(m)};
}

MatrixValue evaluate(const Expr& e) {
  if (e.kind == Kind::matrix) {
    auto rows = rows_of(e);
    return rows ? MatrixValue{std::move(rows)} : MatrixValue{std::nullopt, false};
  }
  if (!contains_kind(e, Kind::matrix)) return {};
  if (e.kind == Kind::neg) {
    MatrixValue v = evaluate(e.children[0]);
    if (!v.ok || !v.rows) return v;
    for (auto& row : *v.rows) {
      for (Expr& x : row) x = node(Kind::neg, {std::move(x)});
    }
    return v;
  }
  if (e.kind == Kind::add) {
    std::optional<Rows> sum;
    for (const Expr& term : e.children) {
      MatrixValue v = evaluate(term);
      if (!v.ok || !v.rows) return {std::nullopt, false};  // a matrix plus a scalar: no value
      if (!sum) {
        sum = std::move(v.rows);
        continue;
      }
      if (v.rows->size() != sum->size() || (*v.rows)[0].size() != (*sum)[0].size()) {
        return {std::nullopt, false};
      }
      for (std::size_t i = 0; i < sum->size(); ++i) {
        for (std::size_t j = 0; j < (*sum)[i].size(); ++j) {
          (*sum)[i][j] = node(Kind::add, {std::move((*sum)[i][j]), (*v.rows)[i][j]});
        }
      }
      if (rows_nodes(*sum) > kMaxMatrixNodes) return {std::nullopt, false};
    }
    return {std::move(sum)};
  }
  if (e.kind == Kind::mul) {
    MatrixValue acc = evaluate(e.children[0]);
    Expr acc_expr = e.children[0];
    for (std::size_t k = 1; k < e.children.size() && acc.ok; ++k) {
      const MatrixValue next = evaluate(e.children[k]);
      if (!next.ok) return next;
      acc = multiply_values(std::move(acc), next, acc_expr, e.children[k]);
      if (acc.rows && rows_nodes(*acc.rows) > kMaxMatrixNodes) return {std::nullopt, false};
      acc_expr = node(Kind::mul, {acc_expr, e.children[k]});
    }
    return acc;
  }
  return {std::nullopt, false};
}

}  // namespace

std::optional<Expr> matrix_arithmetic(const Expr& e) {
  if (e.kind != Kind::add && e.kind != Kind::mul && e.kind != Kind::neg) return std::nullopt;
  if (!contains_kind(e, Kind::matrix)) return std::nullopt;
  MatrixValue v = evaluate(e);
  if (!v.ok || !v.rows) return std::nullopt;
  return matrix_of(std::move(*v.rows));
}

// +1 for \infty (or +\infty), -1 for -\infty, 0 for anything else.
int infinity_sign(const Expr& e) {
  if (e.kind == Kind::constant && e.text == "infty") return 1;
  if (e.kind == Kind::neg && e.children.size() == 1) return -infinity_sign(e.children[0]);
  return 0;
}

std::string describe_number(std::complex<double> v) {
  if (v.imag() == 0) return fmt::format("{:.12g}", v.real());
  return fmt::format("{:.12g}{:+.12g}i", v.real(), v.imag());
}

}  // namespace rbench::math::detail
