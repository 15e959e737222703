// Tree helpers of the equivalence rules (internal to scorers/math): printed forms, kinds of node,
// choice letters and words, assignments and inequalities read as intervals, decimal literals,
// degrees, plus-minus expansion, infinities. None of them decides anything; equivalence.cpp does.
#pragma once

#include <complex>
#include <optional>
#include <string>

#include "scorers/math/expr.h"

namespace rbench::math::detail {

std::string form(const Expr& e);  // to_latex(e): a tree as the verdicts' reasons show it

bool is_collection(Kind k);

bool is_unordered(Kind k);

bool is_word(Kind k);

// A single capital letter written bare ("B") may be a multiple-choice answer.
std::optional<char> choice_letter(const Expr& e);

std::string lower_words(const std::string& s);

// "x = 5" -> 5 and "x \in [0, 1]" -> [0, 1] when the left side is a lone variable (what a
// reader means by giving the value of the unknown). Returns null when `e` is not such a relation.
const Expr* assigned_value(const Expr& e);

// A one-variable inequality ("x > 2", "2 < x \le 5") as the interval of its solutions.
std::optional<Expr> inequality_as_interval(const Expr& e);

// a \pm b as the set {a + b, a - b}; \pm b as {b, -b}.
Expr expand_plus_minus(const Expr& e);

// Nothing in the tree but arithmetic on numbers, constants, symbols and functions.
bool is_scalar(const Expr& e);

bool contains_kind(const Expr& e, Kind kind);

// A decimal literal (optionally negated) and its count of decimals and significant digits.
struct DecimalLiteral {
  int decimals = 0;
  int significant = 0;
};

std::optional<DecimalLiteral> decimal_literal(const Expr& e);

// Degrees inside an expression (\sin 30^\circ) in radians; a whole answer in degrees is handled
// by compare_degree, which accepts either reading.
Expr degrees_to_radians(const Expr& e);

// Arithmetic on number literals only: exact by nature, so never compared with a tolerance.
bool is_literal_arithmetic(const Expr& e);

// Whether a value may be irrational: constants, roots, functions and fractional powers. A decimal
// is an approximation only against such a value; against rational arithmetic it is exact.
bool has_irrational(const Expr& e);

// Whether some quotient in `e` has a denominator that evaluates to exactly 0.
bool has_zero_denominator(const Expr& e);

// A sign in front of a degree or percent node moves inside it.
void hoist_sign(Expr& e);

// Every value of an expression with \pm nodes below its top (at most 4 of them), as a set;
// nullopt when there are none. A \pm at the top is compare_canonical's.
std::optional<Expr> plus_minus_values(const Expr& e);

// +1 for \infty (or +\infty), -1 for -\infty, 0 for anything else.
int infinity_sign(const Expr& e);

std::string describe_number(std::complex<double> v);

}  // namespace rbench::math::detail
