// Deciding whether an answer and a reference are the same mathematical object, on their
// expression trees (latex_parser.h), by a fixed sequence of rules; the first rule that can
// decide does, and its name is stored with the score so a report can say why.
//
// Rules, in order (Verdict::rule):
//   "exact"       the two texts are identical after trimming
//   "structural"  canonicalize(a) == canonicalize(b) (printer.h)
//   "text"        word answers, equal ignoring case and spacing
//   "choice"      multiple-choice letters ("(B)" vs "B")
//   "rational"    both sides exact rationals: equal exactly (0.333 is not 1/3)
//   "rounded"     a decimal answer with at least 3 significant digits equal to the irrational
//                 reference rounded or truncated to as many decimals
//                 (0.866 for \frac{\sqrt{3}}{2}, 3.14 for \pi); for a rational reference only
//                 from 10 significant digits (0.0833333333333333 for \frac{1}{12}; 0.333 and
//                 1/3 are decided by "rational"), and from 15 within a relative 1e-15 (a double
//                 printed in full: 2.6666666666666665 for \frac83)
//   "symbolic"    GiNaC simplifies a - b to 0, or to a nonzero number when neither side has a
//                 decimal (a decimal is for the tolerance to judge: 3.1415927 vs \pi)
//   "numeric"     values at kRelativeTolerance; with free variables, at seeded random points
//                 (never for two sides of literal arithmetic: integers too large for the exact
//                 steps give "unknown", not a tolerance)
//   "set", "list", "tuple", "interval", "union", "matrix", "plus_minus", "relation",
//   "percent", "degree", "base"
//                 collections element by element (sets, lists and unions in any order,
//                 tuples and matrices in order); the element rules appear in the reason
//   "decimal comma" the answer "1,22" read as 1.22: only against a reference that is one number,
//                 with no space after the comma and not exactly three digits after it
//   "shape"       different kinds of object (a set vs a number, a 2- vs a 3-tuple)
//   "unparsed"    a side could not be parsed: only "exact" could have matched it
//   "unknown"     no rule could decide within the time and size bounds (scored as wrong and
//                 counted apart)
// Conventions: "x = 5" equals 5 when the left side is a lone variable; x = \pm 2 is the set
// {2, -2}; 50\% equals 50 and 0.5; 30^\circ equals 30 and \frac{\pi}{6}; a bare capital letter
// equals the choice of that letter; (a, b) equals the open interval (a, b); degrees inside an
// expression are radians (\sin 30^\circ is \frac12).
// Relations ("relation"): an answer that is a chain of equalities is its last side ("x = 5+5+1 =
// 11" is 11, "(p,q) = (3,2)" is (3,2), "|AB| = 1" is 1); a reference's only when its other sides
// are labels (equivalence_forms.h: is_label), so "x + y = 5" stays an equation. "x \in [a, b]"
// and solved linear one-variable inequalities ("-x > -1" is x < 1) compare as intervals.
// A numeral in a base ("base") equals its digits without the base and its value (1112112_3 is
// 1112112 and 1121). A set, or a list of points, counts a repeated element once; a list of numbers
// keeps the count.
// Sums, products and scalar multiples of written-out matrices are carried out before anything
// else ("matrix"), products in their written order.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "scorers/math/expr.h"
#include "scorers/math/symbolic.h"

namespace rbench::math {

// |a - b| <= kRelativeTolerance * |b| (absolute when b is 0), for values that are not both exact
// rationals.
inline constexpr double kRelativeTolerance = 1e-6;

struct Verdict {
  Tri equal = Tri::unknown;
  std::string rule;            // see above
  std::string reason;          // one line: what was compared and how it came out
  std::string answer_form;     // canonical LaTeX of the answer ("" when unparsed)
  std::string reference_form;  // canonical LaTeX of the reference ("" when unparsed)
};

struct EquivalenceOptions {
  double relative_tolerance = kRelativeTolerance;
  bool accept_rounded_decimals = true;     // the "rounded" rule
  int random_points = 5;                   // for expressions with free variables
  std::chrono::milliseconds budget{2000};  // for one comparison, symbolic steps included
  SymbolicBounds symbolic;
};

class Equivalence {
 public:
  explicit Equivalence(EquivalenceOptions options = {});

  // Parses both texts (extracted answer, reference answer) and compares. Thread-safe; never
  // throws for any input; returns within the budget (plus parsing, which is linear).
  Verdict compare(std::string_view answer, std::string_view reference) const;
  Verdict compare(const Expr& answer, const Expr& reference) const;

  const EquivalenceOptions& options() const { return options_; }

 private:
  EquivalenceOptions options_;
  SymbolicChecker symbolic_;
};

}  // namespace rbench::math
