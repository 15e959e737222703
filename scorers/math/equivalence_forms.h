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

// What an answer written as a chain of equalities says: its last side ("x = 5+5+1 = 11" is 11,
// "(p,q) = (3,2)" is (3,2), "|AB| = 1" is 1), or its first when the last is a lone variable
// ("11 = x"). Null when `e` is not a relation of '=' only.
const Expr* chain_value(const Expr& e);

// A name rather than a value: a variable, or variables combined as names are (AB, f(x) read as
// f x, |AB|, S_1:S_2, (p, q)); no numbers, sums or powers.
bool is_label(const Expr& e);

// A chain of equalities whose other sides are all labels ("(p,q) = (3,2)", "|AB| = 1",
// "V_1:V_2 = 11:21"): the value is what the reference asks for, whichever side writes it.
bool labelled_value(const Expr& e);

// A one-variable inequality ("x > 2", "2 < x \le 5", "0 < f(x) < 1": a label stands for the
// variable) as the interval of its solutions; a
// linear side is solved ("-x > -1" is x < 1, "2x + 1 \le 7" is x \le 3); "x \in [0, 1]" is
// its interval.
std::optional<Expr> inequality_as_interval(const Expr& e);

// What such an inequality bounds: its label ("x", "f x"; the x of "|x|"), or the one symbol of
// a solved linear side ("-x > -1": x). "x > 2" and "y > 2" are different answers.
std::optional<Expr> inequality_subject(const Expr& e);

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

// Sums, products, negations and scalar multiples of written-out matrices ("A + B", "A B",
// "2A") carried out entry by entry into one matrix of (unsimplified) entries; nullopt when `e`
// is no such arithmetic or the shapes do not fit.
std::optional<Expr> matrix_arithmetic(const Expr& e);

// +1 for \infty (or +\infty), -1 for -\infty, 0 for anything else.
int infinity_sign(const Expr& e);

std::string describe_number(std::complex<double> v);

}  // namespace rbench::math::detail
