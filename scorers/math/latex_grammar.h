// The recursive-descent parser of math answers (internal to scorers/math): one member function per
// precedence level, from lists down to atoms. The levels are defined in latex_parser.cpp, the
// atoms (numbers, symbols, functions, groups, sets, matrices) in latex_atoms.cpp.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorers/math/expr.h"
#include "scorers/math/latex_lexer.h"
#include "scorers/math/latex_parser.h"

namespace rbench::math::detail {

// Nodes of one and two children.
Expr unary(Kind kind, Expr child, std::string text = {});
Expr binary(Kind kind, Expr a, Expr b, std::string text = {});

// One item stays itself; more become a node of `kind`.
Expr collapse(std::vector<Expr> items, Kind kind);
bool is_infinite(const Expr& e);

class Parser {
 public:
  Parser(std::string_view src, const std::vector<std::size_t>& match, std::vector<Token> tokens,
         const ParseLimits& limits, std::size_t depth)
      : src_(src), match_(match), tokens_(std::move(tokens)), limits_(limits), depth_(depth) {}

  // The whole answer.
  Expr answer();

  // A sub-expression such as a subscript's content.
  Expr fragment();

 private:
  // Counts nesting on every recursive production; past the limit the parse fails.
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.depth_ > p_.limits_.max_depth) {
        --p_.depth_;
        fail(fmt::format("nested deeper than {} at {}", p_.limits_.max_depth, p_.peek().pos));
      }
    }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };

  // Inside |...| a bar closes; inside any other bracket it opens again. Restores on exit.
  class BarScope {
   public:
    BarScope(int& depth, int value) : depth_(depth), saved_(depth) { depth_ = value; }
    ~BarScope() { depth_ = saved_; }
    BarScope(const BarScope&) = delete;
    BarScope& operator=(const BarScope&) = delete;

   private:
    int& depth_;
    int saved_;
  };

  const Token& peek(std::size_t k = 0) const;
  bool at(Tok kind) const { return peek().kind == kind; }
  bool at_word(std::string_view w) const { return at(Tok::word) && peek().text == w; }
  Token advance();
  bool accept(Tok kind);
  std::string describe(const Token& t) const;
  [[noreturn]] void unexpected() const { fail("unexpected " + describe(peek())); }
  void expect(Tok kind, std::string_view what);

  // "(B) 12", "\textbf{(B) }12", "B)": a multiple-choice letter; what follows is commentary
  // unless it continues an expression ("\text{(B)} \cdot x", "(A) + 1", "(A), (C)").
  std::optional<Expr> leading_choice();

  bool at_separator() const;

  Expr list_level();

  Expr relation_level();

  // a:b as the value a/b.
  Expr ratio_level();

  // Operands of \cup; a pair in parentheses there is an open interval.
  Expr union_level();

  static Expr as_interval(Expr e);

  // Sums; a \pm b takes everything before it as a ("1 + 2 \pm 3" is (1+2) \pm 3).
  Expr additive();

  // A product with an optional leading sign: -2x is -(2x).
  Expr signed_term();

  // After an explicit operator a sign is allowed: 2 \cdot -3.
  Expr operand();

  bool starts_factor() const;

  // Unit words (and a ^2 or ^3 after them) say nothing about the value.
  void skip_units();

  // Explicit and implicit products and quotients, left to right: 1/2\pi is (1/2)\pi.
  Expr product();

  // A primary with its postfix operators: powers, n!, \%, ^\circ.
  Expr postfix_factor();

  // After '^': a braced group, a whole number (2^10 is 2^{10}), or one primary; x^-1 is allowed.
  Expr power_exponent();

  Expr primary();

  Expr delimited(Tok close, std::string_view what, std::string name);

  // A number literal, a numeral in a base (204_5), a mixed number (2\frac{1}{2}) or scientific
  // notation written with \times (1.5\times10^{-3}).
  Expr number();

  // \frac of two integer literals right after an integer: the fraction of a mixed number.
  std::optional<Expr> mixed_fraction();

  std::optional<std::string> integer_argument();

  // \frac12 and \sqrt2 take one character, as TeX does: split it off the number token.
  std::string first_digit();

  // "\times 10^{-3}" after a number literal: the exponent ("-3"), consumed; else nullopt.
  std::optional<std::string> times_ten_power();

  // A letter or Greek letter, with its subscript as part of the name: x_1, x_{12}, alpha_n.
  Expr symbol();

  // Consecutive words: lower-cased, single spaces.
  Expr text();

  // \sin x, \sin(x), \sin^2 x (= (\sin x)^2), \sin^{-1} x (= \arcsin x), \log_b x, \gcd(a, b).
  Expr function();

  // A subscript's content read as an expression (the base of \log_{b}).
  Expr subscript_expression(const Token& sub);

  // The argument of \frac, \sqrt, \binom: a braced group, one digit, or one primary.
  Expr macro_argument();

  Expr square_root();

  Expr braced();

  // (x) is x; (a, b) a tuple; [a, b], [a, b), (a, b] and any pair with an infinite end are
  // intervals.
  Expr bracketed();

  Expr set();

  // pmatrix, bmatrix, matrix: rows split by \\, cells by &.
  Expr matrix();

  std::string_view src_;
  const std::vector<std::size_t>& match_;
  std::vector<Token> tokens_;
  const ParseLimits& limits_;
  std::size_t depth_;
  std::size_t pos_ = 0;
  int bar_depth_ = 0;  // open |...| bars around the cursor, since the last bracket
};

}  // namespace rbench::math::detail
