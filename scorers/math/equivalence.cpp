// The rule sequence of equivalence.h on expression trees. Each step either decides (yes / no,
// with the rule's name and a reason) or passes to the next; the budget is checked between steps.
//
// Over 500 lines on purpose: the rules are the methods of one class (Comparison), which call one
// another recursively for the parts of collections, relations and intervals and share its budget.
// The tree helpers they use are in equivalence_forms.h.
#include "scorers/math/equivalence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "scorers/math/equivalence_forms.h"
#include "scorers/math/latex_parser.h"
#include "scorers/math/numeric_eval.h"
#include "scorers/math/printer.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

using namespace detail;  // the tree helpers of equivalence_forms.h

using Clock = std::chrono::steady_clock;

// Collections are matched pairwise (quadratic); past this many parts only "structural" decides.
constexpr std::size_t kMaxParts = 64;
// Significant digits from which a decimal may stand for a rational it rounds to: 0.0833333333
// is 1/12 written out by a calculator, 0.083333 a different, shorter number.
constexpr int kMinRationalDigits = 10;
// Significant digits from which a decimal is a double printed in full (Python's repr, JSON).
constexpr int kFloatPrintDigits = 15;
// Random points that must evaluate on both sides before a "numeric" verdict with variables.
constexpr int kMinValidPoints = 3;

struct Step {
  Tri equal = Tri::unknown;
  std::string rule;
  std::string reason;
};

Step yes(std::string rule, std::string reason) {
  return {Tri::yes, std::move(rule), std::move(reason)};
}
Step no(std::string rule, std::string reason) {
  return {Tri::no, std::move(rule), std::move(reason)};
}
Step unknown(std::string reason) {
  return {Tri::unknown, "unknown", std::move(reason)};
}

class Comparison {
 public:
  Comparison(const EquivalenceOptions& options, const SymbolicChecker& symbolic)
      : options_(options), symbolic_(symbolic), deadline_(Clock::now() + options.budget) {}

  Step compare(const Expr& a, const Expr& b) {
    if (Clock::now() > deadline_) {
      return unknown(fmt::format("the comparison took longer than its budget of {} ms",
                                 options_.budget.count()));
    }
    // The rounded rule reads the decimal as written: canonical forms drop trailing zeros, and
    // "3.14160" claims more digits of \pi than "3.1416".
    if (options_.accept_rounded_decimals && decimal_literal(a) && is_scalar(b)) {
      const Expr reference = contains_kind(b, Kind::degree) ? degrees_to_radians(b) : b;
      const auto rb = rational_value(reference);
      if (Step s = rounded(a, reference, rb.has_value() && rb->exact()); s.equal == Tri::yes) {
        return s;
      }
    }
    // "A + B" or "A B" of written-out matrices is the matrix they make; carried out before the
    // canonical form, which sorts factors (matrix products do not commute).
    if (auto m = matrix_arithmetic(a)) {
      return relabel(compare(*m, b), "matrix", "the matrix arithmetic carried out");
    }
    if (auto m = matrix_arithmetic(b)) {
      return relabel(compare(a, *m), "matrix", "the matrix arithmetic carried out");
    }
    Expr ca = canonicalize(a);
    Expr cb = canonicalize(b);
    if (ca == cb) return yes("structural", fmt::format("same structure: {}", form(ca)));
    // -45^\circ is (-45)^\circ, -50\% is (-50)\%.
    hoist_sign(ca);
    hoist_sign(cb);
    // \frac{-1\pm\sqrt5}{2}: a \pm inside an expression stands for the set of its values.
    if (auto values = plus_minus_values(ca)) {
      return relabel(compare(*values, cb), "plus_minus", "\\pm as the set of its values");
    }
    if (auto values = plus_minus_values(cb)) {
      return relabel(compare(ca, *values), "plus_minus", "\\pm as the set of its values");
    }
    return compare_canonical(ca, cb);
  }

 private:
  Step compare_canonical(const Expr& a, const Expr& b) {
    // Words and letters.
    if (is_word(a.kind) || is_word(b.kind)) return compare_words(a, b);
    // Two answers in one: x = \pm 2.
    if (a.kind == Kind::plus_minus || b.kind == Kind::plus_minus) {
      const Expr ea = a.kind == Kind::plus_minus ? expand_plus_minus(a) : a;
      const Expr eb = b.kind == Kind::plus_minus ? expand_plus_minus(b) : b;
      Step s = compare(ea, eb);
      return relabel(std::move(s), "plus_minus", "\\pm as two values");
    }
    // Relations.
    if (a.kind == Kind::relation || b.kind == Kind::relation) return compare_relations(a, b);
    // 1112112_3: the subscript names the base; the digits and the value are both the answer.
    if (base_numeral(a) || base_numeral(b)) return compare_base(a, b);
    // Percent and degrees: either reading of the bare side.
    if (a.kind == Kind::percent || b.kind == Kind::percent) return compare_percent(a, b);
    if (a.kind == Kind::degree || b.kind == Kind::degree) return compare_degree(a, b);
    // Collections.
    if (is_collection(a.kind) || is_collection(b.kind)) return compare_collections(a, b);
    return compare_scalars(a, b);
  }

  static Step relabel(Step s, const char* rule, const char* what) {
    if (s.rule == "unknown") return s;
    s.reason = s.rule.empty() || s.rule == rule
                   ? fmt::format("{}: {}", what, s.reason)
                   : fmt::format("{}: {} ({})", what, s.reason, s.rule);
    s.rule = rule;
    return s;
  }

  Step compare_words(const Expr& a, const Expr& b) {
    const auto la = choice_letter(a);
    const auto lb = choice_letter(b);
    if ((a.kind == Kind::choice || b.kind == Kind::choice) && la && lb) {
      if (*la == *lb) return yes("choice", fmt::format("choice {}", *la));
      return no("choice", fmt::format("choice {} vs choice {}", *la, *lb));
    }
    if (a.kind == Kind::text && b.kind == Kind::text) {
      const std::string wa = lower_words(a.text);
      const std::string wb = lower_words(b.text);
      if (wa == wb) return yes("text", fmt::format("same words '{}'", wa));
      return no("text", fmt::format("words '{}' vs '{}'", wa, wb));
    }
    return no("shape", fmt::format("{} '{}' vs {} '{}'", kind_name(a.kind), form(a),
                                   kind_name(b.kind), form(b)));
  }

  Step compare_relations(const Expr& a, const Expr& b) {
    const bool ra = a.kind == Kind::relation;
    const bool rb = b.kind == Kind::relation;
    if (ra != rb) {
      const Expr& rel = ra ? a : b;
      const Expr& other = ra ? b : a;
      if (const Expr* value = assigned_value(rel)) {
        Step s = ra ? compare(*value, other) : compare(other, *value);
        return relabel(std::move(s), "relation", "the value given to the variable on the left");
      }
      // An answer's chain of equalities counts by its last side; a reference's only when its
      // other sides are labels ("(p,q) = (3,2)"): a reference equation such as x + y = 5 asks
      // for the equation, not for 5.
      if (const Expr* value = chain_value(rel); value && (ra || labelled_value(rel))) {
        Step s = ra ? compare(*value, other) : compare(other, *value);
        return relabel(std::move(s), "relation",
                       ra ? "the last side of the answer's chain of equalities"
                          : "the value the reference's label is given");
      }
      if (auto interval = inequality_as_interval(rel)) {
        Step s = ra ? compare(*interval, other) : compare(other, *interval);
        return relabel(std::move(s), "relation", "the inequality as an interval");
      }
      return no("shape", fmt::format("a relation vs {} '{}'", kind_name(other.kind), form(other)));
    }
    // Both relations. Solution sets of one-variable inequalities compare as intervals (so
    // "2 < x" is "x > 2"), equations side by side in either order.
    auto ia = inequality_as_interval(a);
    auto ib = inequality_as_interval(b);
    if (ia && ib) {
      const auto sa = inequality_subject(a);
      const auto sb = inequality_subject(b);
      if (sa && sb && canonicalize(*sa) != canonicalize(*sb)) {
        return no("relation",
                  fmt::format("inequalities about '{}' and about '{}'", form(*sa), form(*sb)));
      }
      return relabel(compare(*ia, *ib), "relation", "the inequalities as intervals");
    }
    // x = 5 + 5 + 1 = 11 against x = 11: a chain of equalities is its first and last sides.
    if (a.children.size() > 2 || b.children.size() > 2) {
      const Expr ca = shorten_chain(a);
      const Expr cb = shorten_chain(b);
      if (ca.children.size() == 2 && cb.children.size() == 2 && (ca != a || cb != b)) {
        return relabel(compare_relations(ca, cb), "relation",
                       "chains by their first and last sides");
      }
    }
    if (a.text != b.text || a.children.size() != b.children.size()) {
      return no("relation", fmt::format("relations '{}' vs '{}'", form(a), form(b)));
    }
    Step in_order = compare_in_order(a.children, b.children, "sides");
    if (in_order.equal == Tri::yes || (a.text != "=" && a.text != "!=") || a.children.size() != 2) {
      return relabel(std::move(in_order), "relation", "side by side");
    }
    const std::vector<Expr> swapped = {b.children[1], b.children[0]};
    Step s = compare_in_order(a.children, swapped, "sides");
    if (s.equal == Tri::yes) return relabel(std::move(s), "relation", "sides swapped");
    // y = 2x + 1 against 2x - y + 1 = 0: a nonzero multiple of the same equation.
    if (a.text == "=") {
      Expr da = node(Kind::add, {a.children[0], node(Kind::neg, {a.children[1]})});
      Expr db = node(Kind::add, {b.children[0], node(Kind::neg, {b.children[1]})});
      if (auto ratio = constant_ratio(da, db)) {
        return yes("relation", fmt::format("the same equation times {}", describe_number(*ratio)));
      }
    }
    return relabel(std::move(in_order), "relation", "side by side");
  }

  static Expr shorten_chain(const Expr& e) {
    if (e.children.size() <= 2 || !chain_value(e)) return e;
    return node(Kind::relation, {e.children.front(), e.children.back()}, "=");
  }

  // The constant c with f = c g at every random point (both sides with free variables), if any.
  std::optional<std::complex<double>> constant_ratio(const Expr& f, const Expr& g) {
    std::set<std::string> vars = free_symbols(f);
    const std::set<std::string> more = free_symbols(g);
    vars.insert(more.begin(), more.end());
    if (vars.empty()) return std::nullopt;
    std::optional<std::complex<double>> ratio;
    int valid = 0;
    for (const auto& point : random_points(vars, form(f) + "|" + form(g))) {
      const auto x = numeric_value(f, point);
      const auto y = numeric_value(g, point);
      if (!x || !y || std::abs(*y) < 1e-12) continue;
      const std::complex<double> r = *x / *y;
      if (std::abs(r) < 1e-12) return std::nullopt;
      if (ratio && !close(r, *ratio)) return std::nullopt;
      ratio = ratio ? ratio : r;
      ++valid;
    }
    if (valid < kMinValidPoints) return std::nullopt;
    return ratio;
  }

  // A quantity with two readings (percent: the number or its fraction; degrees: the number or
  // radians) against the other side: equal when either reading is.
  struct Reading {
    Expr value;
    const char* name;
  };
  Step compare_readings(const Expr& a, const Expr& b, Kind kind, const char* rule, const char* both,
                        const std::vector<Reading>& readings) {
    if (a.kind == kind && b.kind == kind) {
      return relabel(compare(a.children[0], b.children[0]), rule, both);
    }
    const Expr& other = a.kind == kind ? b : a;
    std::optional<Step> undecided;
    std::string tried;
    for (const Reading& r : readings) {
      Step s = a.kind == kind ? compare(r.value, other) : compare(other, r.value);
      if (s.equal == Tri::yes) return relabel(std::move(s), rule, r.name);
      if (s.equal == Tri::unknown) undecided = std::move(s);
      tried += fmt::format("{}{} '{}'", tried.empty() ? "" : " nor ", r.name, form(r.value));
    }
    if (undecided) return *undecided;
    return no(rule, fmt::format("'{}' is neither {}", form(other), tried));
  }

  static bool base_numeral(const Expr& e) {
    return e.kind == Kind::function && e.text == "base" && e.children.size() == 2 &&
           e.children[0].kind == Kind::integer;
  }

  // A numeral in a base against a plain number: equal when its digits are that number as
  // written (1112112_3 and 1112112) or its value is (204_5 and 54).
  Step compare_base(const Expr& a, const Expr& b) {
    if (base_numeral(a) && base_numeral(b)) {
      const auto va = numeral_value(a);
      const auto vb = numeral_value(b);
      if (!va || !vb)
        return no("base", fmt::format("'{}' is not a numeral in its base", form(!va ? a : b)));
      return relabel(compare(*va, *vb), "base", "the numerals' values");
    }
    const bool in_a = base_numeral(a);
    const Expr& digits = (in_a ? a : b).children[0];
    const Expr& other = in_a ? b : a;
    if (other.kind == Kind::integer) {
      Step s = in_a ? compare(digits, other) : compare(other, digits);
      if (s.equal == Tri::yes) return relabel(std::move(s), "base", "the numeral's digits");
    }
    const std::optional<Expr> value = numeral_value(in_a ? a : b);
    if (!value) {
      return no("base", fmt::format("'{}' is not a numeral in its base", form(in_a ? a : b)));
    }
    Step s = in_a ? compare(*value, other) : compare(other, *value);
    return relabel(std::move(s), "base", "the numeral's value");
  }

  // 204_5 as 54; nullopt for a digit not below the base or a base outside 2..36.
  static std::optional<Expr> numeral_value(const Expr& numeral) {
    const std::string& digits = numeral.children[0].text;
    const Expr& base_expr = numeral.children[1];
    if (base_expr.kind != Kind::integer || base_expr.text.size() > 2) return std::nullopt;
    const int base = std::stoi(base_expr.text);
    if (base < 2 || base > 36 || digits.size() > 40) return std::nullopt;
    unsigned __int128 value = 0;
    for (char c : digits) {
      const int d = c - '0';
      if (d >= base) return std::nullopt;
      value = value * base + d;
      if (value > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    }
    return leaf(Kind::integer, std::to_string(static_cast<std::uint64_t>(value)));
  }

  Step compare_percent(const Expr& a, const Expr& b) {
    const Expr& number = (a.kind == Kind::percent ? a : b).children[0];
    // 50\% against 50 (the number asked for was the percentage) or against 0.5 (its value).
    return compare_readings(
        a, b, Kind::percent, "percent", "both percentages",
        {{number, "the percentage as a number"},
         {node(Kind::div, {number, leaf(Kind::integer, "100")}), "the percentage as a fraction"}});
  }

  Step compare_degree(const Expr& a, const Expr& b) {
    const Expr& number = (a.kind == Kind::degree ? a : b).children[0];
    return compare_readings(
        a, b, Kind::degree, "degree", "both in degrees",
        {{number, "degrees as a number"},
         {node(Kind::div,
               {node(Kind::mul, {number, leaf(Kind::constant, "pi")}), leaf(Kind::integer, "180")}),
          "degrees in radians"}});
  }

  Step compare_collections(const Expr& a, const Expr& b) {
    // A one-element set or list against its element ("\{5\}" and "5").
    if (!is_collection(a.kind) || !is_collection(b.kind)) {
      const Expr& coll = is_collection(a.kind) ? a : b;
      const Expr& single = is_collection(a.kind) ? b : a;
      if ((coll.kind == Kind::set || coll.kind == Kind::list) && coll.children.size() == 1) {
        Step s =
            &coll == &a ? compare(coll.children[0], single) : compare(single, coll.children[0]);
        return relabel(std::move(s), "set", "a one-element set against its element");
      }
      return no("shape", fmt::format("{} '{}' vs {} '{}'", kind_name(a.kind), form(a),
                                     kind_name(b.kind), form(b)));
    }
    const bool empty_a = a.kind == Kind::empty_set || (a.kind == Kind::set && a.children.empty());
    const bool empty_b = b.kind == Kind::empty_set || (b.kind == Kind::set && b.children.empty());
    if (empty_a || empty_b) {
      if (empty_a && empty_b) return yes("set", "both empty");
      return no("set", fmt::format("'{}' vs '{}': one is empty", form(a), form(b)));
    }
    // (a, b) is a point or an open interval: a tuple of two against an interval compares ends.
    auto as_interval = [](const Expr& e) -> std::optional<Expr> {
      if (e.kind == Kind::interval) return e;
      if (e.kind == Kind::tuple && e.children.size() == 2) {
        return node(Kind::interval, e.children, "()");
      }
      return std::nullopt;
    };
    if (a.kind == Kind::interval || b.kind == Kind::interval) {
      const auto ia = as_interval(a);
      const auto ib = as_interval(b);
      if (ia && ib) return compare_intervals(*ia, *ib);
      // A single interval against a union of one.
    }
    if (a.kind == Kind::union_of || b.kind == Kind::union_of) {
      auto pieces = [](const Expr& e) {
        return e.kind == Kind::union_of ? e.children : std::vector<Expr>{e};
      };
      return relabel(compare_unordered(pieces(a), pieces(b)), "union", "pieces in any order");
    }
    if (a.kind == Kind::matrix || b.kind == Kind::matrix) {
      if (a.kind != b.kind) {
        return no("shape", fmt::format("{} vs {}", kind_name(a.kind), kind_name(b.kind)));
      }
      if (a.children.size() != b.children.size()) {
        return no("matrix", fmt::format("{} rows vs {}", a.children.size(), b.children.size()));
      }
      for (std::size_t r = 0; r < a.children.size(); ++r) {
        if (a.children[r].children.size() != b.children[r].children.size()) {
          return no("matrix",
                    fmt::format("row {} has {} entries vs {}", r + 1, a.children[r].children.size(),
                                b.children[r].children.size()));
        }
      }
      std::vector<Expr> ea, eb;
      for (const Expr& row : a.children)
        ea.insert(ea.end(), row.children.begin(), row.children.end());
      for (const Expr& row : b.children)
        eb.insert(eb.end(), row.children.begin(), row.children.end());
      return relabel(compare_in_order(ea, eb, "entries"), "matrix", "entry by entry");
    }
    // Sets and lists (MATH's "enter all solutions, separated by commas") in any order. A tuple
    // is not a list: "(1, 2)" asks for an ordered pair, "1, 2" gives two solutions.
    if (is_unordered(a.kind) && is_unordered(b.kind)) {
      const char* rule = a.kind == Kind::set || b.kind == Kind::set ? "set" : "list";
      // In a set an element written twice is one element, and so is a point in a list of
      // points (solutions (x, y) have no multiplicity); a list of numbers keeps its count
      // ("1, 1, 2" lists a double root).
      auto elements = [](const Expr& e) {
        const bool points = e.kind == Kind::list &&
                            std::all_of(e.children.begin(), e.children.end(),
                                        [](const Expr& c) { return c.kind == Kind::tuple; });
        return points ? distinct(e.children) : e.children;  // sets print without repeats
      };
      return relabel(compare_unordered(elements(a), elements(b)), rule, "elements in any order");
    }
    if (a.kind == Kind::tuple && b.kind == Kind::tuple) {
      return relabel(compare_in_order(a.children, b.children, "items"), "tuple", "items in order");
    }
    return no("shape", fmt::format("{} '{}' vs {} '{}'", kind_name(a.kind), form(a),
                                   kind_name(b.kind), form(b)));
  }

  // The elements without repeats, in first-seen order; they are canonical already (compare
  // canonicalizes before it gets here), so equal forms are equal trees.
  static std::vector<Expr> distinct(const std::vector<Expr>& items) {
    std::vector<Expr> out;
    for (const Expr& e : items) {
      if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    }
    return out;
  }

  Step compare_intervals(const Expr& a, const Expr& b) {
    if (a.text != b.text) {
      return no("interval",
                fmt::format("ends {} vs {} ('{}' vs '{}')", a.text, b.text, form(a), form(b)));
    }
    return relabel(compare_in_order(a.children, b.children, "ends"), "interval", "ends in order");
  }

  Step compare_in_order(const std::vector<Expr>& a, const std::vector<Expr>& b, const char* what) {
    if (a.size() != b.size()) {
      return no("shape", fmt::format("{} {} vs {}", a.size(), what, b.size()));
    }
    if (a.size() > kMaxParts) return unknown(fmt::format("more than {} {}", kMaxParts, what));
    std::vector<std::string> rules;
    for (std::size_t i = 0; i < a.size(); ++i) {
      Step s = compare(a[i], b[i]);
      if (s.equal != Tri::yes) {
        s.reason = fmt::format("{} {} of {} ('{}' vs '{}'): {}", what, i + 1, a.size(), form(a[i]),
                               form(b[i]), s.reason);
        return s;
      }
      rules.push_back(s.rule);
    }
    return yes("", fmt::format("all {} {} equal by {}", a.size(), what, summarize_rules(rules)));
  }

  Step compare_unordered(const std::vector<Expr>& a, const std::vector<Expr>& b) {
    if (a.size() != b.size()) {
      return no("shape", fmt::format("{} elements vs {}", a.size(), b.size()));
    }
    if (a.size() > kMaxParts) return unknown(fmt::format("more than {} elements", kMaxParts));
    std::vector<bool> used(b.size(), false);
    std::vector<std::string> rules;
    bool undecided = false;
    for (const Expr& x : a) {
      bool found = false;
      for (std::size_t j = 0; j < b.size() && !found; ++j) {
        if (used[j]) continue;
        Step s = compare(x, b[j]);
        if (s.equal == Tri::yes) {
          used[j] = found = true;
          rules.push_back(s.rule);
        } else if (s.equal == Tri::unknown) {
          undecided = true;
        }
      }
      if (!found) {
        if (undecided) return unknown(fmt::format("could not decide a match for '{}'", form(x)));
        return no("", fmt::format("'{}' has no equal on the other side", form(x)));
      }
    }
    return yes("", fmt::format("all {} elements matched by {}", a.size(), summarize_rules(rules)));
  }

  static std::string summarize_rules(std::vector<std::string> rules) {
    std::sort(rules.begin(), rules.end());
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
    std::string out;
    for (const auto& r : rules) out += (out.empty() ? "" : ", ") + r;
    return out;
  }

  Step compare_scalars(const Expr& a_in, const Expr& b_in) {
    const Expr a = contains_kind(a_in, Kind::degree) ? degrees_to_radians(a_in) : a_in;
    const Expr b = contains_kind(b_in, Kind::degree) ? degrees_to_radians(b_in) : b_in;
    if (!is_scalar(a) || !is_scalar(b)) {
      return no("shape", fmt::format("{} '{}' vs {} '{}'", kind_name(a.kind), form(a),
                                     kind_name(b.kind), form(b)));
    }
    const auto ra = rational_value(a);
    const auto rb = rational_value(b);
    if (ra && rb && ra->exact() && rb->exact()) {
      if (ra->num() == rb->num() && ra->den() == rb->den()) {
        return yes("rational", fmt::format("{} = {}", ra->to_string(), rb->to_string()));
      }
      return no("rational", fmt::format("{} != {}", ra->to_string(), rb->to_string()));
    }
    if (Step s = compare_infinities(a, b); s.equal != Tri::unknown) return s;
    if (Clock::now() > deadline_) return unknown("the budget ran out before the symbolic step");
    const SymbolicResult sym = symbolic_.difference_is_zero(a, b);
    if (sym.zero == Tri::yes) return yes("symbolic", "the difference simplifies to 0");
    // A decimal is a measurement, not an exact value: 3.1415927 against \pi is for the
    // tolerance to judge, while 355/113 against \pi is exactly different.
    const bool inexact = (contains_kind(a, Kind::decimal) || contains_kind(b, Kind::decimal)) &&
                         (has_irrational(a) || has_irrational(b));
    if (sym.zero == Tri::no && !inexact) {
      return no("symbolic", fmt::format("the difference simplifies to {}", sym.simplified));
    }
    if (is_literal_arithmetic(a) && is_literal_arithmetic(b)) {
      const bool va = numeric_value(a).has_value();
      const bool vb = numeric_value(b).has_value();
      if (va != vb && has_zero_denominator(va ? b : a)) {
        return no("numeric",
                  fmt::format("{} divides by zero", va ? "the reference" : "the answer"));
      }
      if (sym.zero == Tri::no) {
        return no("symbolic", fmt::format("the difference simplifies to {}", sym.simplified));
      }
      return unknown(fmt::format("exact values too large to compare exactly ({})", sym.why));
    }
    Step num = numeric(a, b);
    if (num.equal != Tri::unknown) return num;
    if (!sym.why.empty()) num.reason += fmt::format("; symbolic step: {}", sym.why);
    return num;
  }

  // A decimal answer with at least 3 significant digits against an irrational reference that
  // it rounds or truncates to. Only the answer is forgiven its rounding: a reference written as
  // a decimal is taken at its word.
  Step rounded(const Expr& answer, const Expr& reference, bool reference_rational) {
    const auto lit = decimal_literal(answer);
    if (!lit || lit->significant < 3 || !free_symbols(reference).empty()) return unknown("");
    if (reference_rational) {
      if (lit->significant < kMinRationalDigits) return unknown("");
      return rounded_rational(answer, reference, *lit);
    }
    const auto x = numeric_value(answer);
    const auto y = numeric_value(reference);
    if (!x || !y || y->imag() != 0) return unknown("");
    const double scale = std::pow(10.0, lit->decimals);
    const double want = x->real();
    const double v = y->real();
    const double round_v = std::round(v * scale) / scale;
    const double trunc_v = std::trunc(v * scale) / scale;
    const double eps = 0.5 / scale * 1e-6 + std::fabs(want) * 1e-15;
    if (std::fabs(round_v - want) <= eps || std::fabs(trunc_v - want) <= eps) {
      return yes("rounded", fmt::format("{:.12g} rounded to {} decimals is {}", v, lit->decimals,
                                        form(answer)));
    }
    return unknown("");
  }

  // A long decimal (0.0833333333333333) against a rational (\frac{1}{12}) it rounds or
  // truncates to, exactly: p/q scaled by 10^decimals against the literal's digits.
  Step rounded_rational(const Expr& answer, const Expr& reference, const DecimalLiteral& lit) {
    const auto r = rational_value(reference);
    const bool negative = answer.kind == Kind::neg;
    const std::string_view text = (negative ? answer.children[0] : answer).text;
    const std::size_t dot = text.find('.');  // decimal_literal found one
    const std::string_view whole = text.substr(0, dot);
    // 10^36 fits __int128 with room for the products below: up to 18 digits before the point
    // and the first 18 after it are read; a literal that long agrees with the rational there.
    constexpr std::size_t kDigits = 18;
    const int decimals = std::min(lit.decimals, static_cast<int>(kDigits));
    if (!r || !r->exact() || whole.size() > kDigits) return unknown("");
    __int128 digits = 0;
    for (char c : text.substr(0, dot + 1 + decimals)) {
      if (is_digit(c)) digits = digits * 10 + (c - '0');
    }
    __int128 p = r->num();
    const __int128 q = r->den();
    if (digits != 0 && (p < 0) != negative) return unknown("");
    if (p < 0) p = -p;
    __int128 scale = 1;
    for (int k = 0; k < decimals; ++k) scale *= 10;
    const __int128 scaled = p * scale;
    const __int128 truncated = scaled / q;
    const __int128 nearest = (2 * scaled + q) / (2 * q);
    // 15+ significant digits are a binary double printed in full (8/3 prints as
    // 2.6666666666666665): its last digits are rounding noise, so a relative 1e-15 is allowed.
    const bool float_print =
        lit.significant >= kFloatPrintDigits && p != 0 &&
        std::fabs(static_cast<long double>(digits) * q - static_cast<long double>(scaled)) <=
            1e-15L * static_cast<long double>(scaled);
    if (digits != truncated && digits != nearest && !float_print) return unknown("");
    return yes("rounded", fmt::format("{} rounded to {} decimals is {}", r->to_string(),
                                      lit.decimals, form(answer)));
  }

  // \infty against -\infty or a finite value; unknown (undecided) when neither side is a bare
  // infinity or a side mixes infinity into arithmetic.
  Step compare_infinities(const Expr& a, const Expr& b) {
    const int sa = infinity_sign(a);
    const int sb = infinity_sign(b);
    if (sa == 0 && sb == 0) return unknown("");
    if (sa != 0 && sb != 0) {
      if (sa == sb) return yes("structural", "the same infinity");
      return no("numeric", "infinities of opposite signs");
    }
    const Expr& other = sa != 0 ? b : a;
    if (contains_infinity(other)) return unknown("");
    return no("numeric", fmt::format("an infinity vs the finite '{}'", form(other)));
  }

  static bool contains_infinity(const Expr& e) {
    if (e.kind == Kind::constant && e.text == "infty") return true;
    return std::any_of(e.children.begin(), e.children.end(), contains_infinity);
  }

  bool close(std::complex<double> x, std::complex<double> y) const {
    const double scale = std::abs(y);
    const double diff = std::abs(x - y);
    return scale == 0 ? diff <= options_.relative_tolerance
                      : diff <= options_.relative_tolerance * scale;
  }

  // Deterministic points for a pair of expressions: the seed comes from their printed forms,
  // so the same comparison always samples the same values.
  std::vector<std::map<std::string, std::complex<double>>> random_points(
      const std::set<std::string>& vars, const std::string& seed_text) const {
    std::uint64_t seed = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : seed_text) seed = (seed ^ c) * 1099511628211ULL;
    std::mt19937_64 rng(seed);
    // Positive non-integers away from 0 and 1 keep logs, roots and quotients defined.
    std::uniform_real_distribution<double> dist(0.3, 2.7);
    std::vector<std::map<std::string, std::complex<double>>> points;
    for (int i = 0; i < options_.random_points + 2; ++i) {
      std::map<std::string, std::complex<double>> p;
      for (const auto& v : vars) p[v] = dist(rng);
      points.push_back(std::move(p));
    }
    return points;
  }

  Step numeric(const Expr& a, const Expr& b) {
    std::set<std::string> vars = free_symbols(a);
    const std::set<std::string> vb = free_symbols(b);
    vars.insert(vb.begin(), vb.end());
    if (vars.empty()) {
      const auto x = numeric_value(a);
      const auto y = numeric_value(b);
      if (!x || !y) {
        return unknown(fmt::format("{} has no finite value", !x ? "the answer" : "the reference"));
      }
      const double rel = std::abs(*y) == 0 ? std::abs(*x - *y) : std::abs(*x - *y) / std::abs(*y);
      if (close(*x, *y)) {
        return yes("numeric",
                   fmt::format("{} vs {}: relative difference {:.2g} <= {:g}", describe_number(*x),
                               describe_number(*y), rel, options_.relative_tolerance));
      }
      return no("numeric",
                fmt::format("{} vs {}: relative difference {:.2g} > {:g}", describe_number(*x),
                            describe_number(*y), rel, options_.relative_tolerance));
    }
    int valid = 0;
    for (const auto& point : random_points(vars, form(a) + "|" + form(b))) {
      if (valid >= options_.random_points) break;
      const auto x = numeric_value(a, point);
      const auto y = numeric_value(b, point);
      if (!x || !y) continue;
      ++valid;
      if (!close(*x, *y)) {
        std::string at;
        for (const auto& [name, value] : point) {
          at += fmt::format("{}{}={:.4g}", at.empty() ? "" : ", ", name, value.real());
        }
        return no("numeric",
                  fmt::format("at {}: {} vs {}", at, describe_number(*x), describe_number(*y)));
      }
    }
    if (valid < kMinValidPoints) {
      return unknown(fmt::format("only {} random points gave values on both sides", valid));
    }
    std::string names;
    for (const auto& v : vars) names += (names.empty() ? "" : ", ") + v;
    return yes("numeric", fmt::format("equal at {} random values of {} (relative tolerance {:g})",
                                      valid, names, options_.relative_tolerance));
  }

  const EquivalenceOptions& options_;
  const SymbolicChecker& symbolic_;
  Clock::time_point deadline_;
};

// Collection steps leave their rule empty for the caller to name; a bare top-level result
// (a whole comparison that is a collection) gets the name of its kind.
Verdict finish(Step s, const Expr* a, const Expr* b) {
  Verdict v;
  v.equal = s.equal;
  v.rule = s.rule.empty() ? "collection" : s.rule;
  v.reason = std::move(s.reason);
  if (a) v.answer_form = to_latex(canonicalize(*a));
  if (b) v.reference_form = to_latex(canonicalize(*b));
  return v;
}

// "1,22" as 1.22, for a reference that is one number: digits, one comma with no space after
// it, and not exactly three digits after it (1,222 is one thousand two hundred twenty-two).
std::optional<std::string> decimal_comma(std::string_view answer, const Expr& reference) {
  if (!is_scalar(reference) || !free_symbols(reference).empty()) return std::nullopt;
  std::size_t k = answer.starts_with('-') ? 1 : 0;
  const std::size_t whole = k;
  while (k < answer.size() && is_digit(answer[k])) ++k;
  if (k == whole || k >= answer.size() || answer[k] != ',') return std::nullopt;
  const std::size_t comma = k++;
  while (k < answer.size() && is_digit(answer[k])) ++k;
  const std::size_t fraction = k - comma - 1;
  if (k != answer.size() || fraction == 0 || fraction == 3) return std::nullopt;
  std::string dotted(answer);
  dotted[comma] = '.';
  return dotted;
}

}  // namespace

Equivalence::Equivalence(EquivalenceOptions options)
    : options_(std::move(options)), symbolic_(options_.symbolic) {}

Verdict Equivalence::compare(const Expr& answer, const Expr& reference) const {
  Comparison comparison(options_, symbolic_);
  return finish(comparison.compare(answer, reference), &answer, &reference);
}

Verdict Equivalence::compare(std::string_view answer, std::string_view reference) const {
  const std::string_view ta = trim(answer);
  const std::string_view tb = trim(reference);
  const Parsed pa = parse_answer(ta);
  const Parsed pb = parse_answer(tb);
  if (ta == tb && !ta.empty()) {
    Verdict v;
    v.equal = Tri::yes;
    v.rule = "exact";
    v.reason = "the same text";
    if (pa.ok) v.answer_form = v.reference_form = to_latex(canonicalize(pa.expr));
    return v;
  }
  if (!pa.ok || !pb.ok) {
    Verdict v;
    v.equal = Tri::no;
    v.rule = "unparsed";
    v.reason = fmt::format("{} could not be parsed ({}), and the texts differ",
                           !pa.ok ? "the answer" : "the reference", !pa.ok ? pa.error : pb.error);
    if (pa.ok) v.answer_form = to_latex(canonicalize(pa.expr));
    if (pb.ok) v.reference_form = to_latex(canonicalize(pb.expr));
    return v;
  }
  Verdict v = compare(pa.expr, pb.expr);
  if (v.equal != Tri::yes) {
    if (auto dotted = decimal_comma(ta, pb.expr)) {
      if (Verdict d = compare(*dotted, tb); d.equal == Tri::yes) {
        d.rule = "decimal comma";
        d.reason = fmt::format("'{}' read with a decimal comma as {}: {}", ta, *dotted, d.reason);
        d.answer_form = to_latex(canonicalize(pa.expr));
        return d;
      }
    }
  }
  return v;
}

}  // namespace rbench::math
