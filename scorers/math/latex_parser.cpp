// LaTeX and plain-text answers into expression trees (see latex_parser.h). The lexer
// (latex_lexer.h) does the lexical clean-up; the recursive-descent parser (latex_grammar.h), one
// function per precedence level, builds the tree. This file holds the entry point and the
// operator levels, from lists and relations down to powers; latex_atoms.cpp the atoms. Both
// passes are linear: every token is looked at a bounded number of times, and nesting is capped by
// ParseLimits::max_depth.
#include "scorers/math/latex_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "scorers/math/latex_grammar.h"
#include "scorers/math/latex_lexer.h"
#include "scorers/math/latex_names.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace detail {

Expr unary(Kind kind, Expr child, std::string text) {
  std::vector<Expr> children;
  children.push_back(std::move(child));
  return node(kind, std::move(children), std::move(text));
}

Expr binary(Kind kind, Expr a, Expr b, std::string text) {
  std::vector<Expr> children;
  children.push_back(std::move(a));
  children.push_back(std::move(b));
  return node(kind, std::move(children), std::move(text));
}

// One item stays itself; more become a node of `kind`.
Expr collapse(std::vector<Expr> items, Kind kind) {
  if (items.size() == 1) return std::move(items.front());
  return node(kind, std::move(items));
}

bool is_infinite(const Expr& e) {
  if (e.kind == Kind::neg) return is_infinite(e.children[0]);
  return e.kind == Kind::constant && e.text == "infty";
}

// The whole answer.
Expr Parser::answer() {
  if (std::optional<Expr> c = leading_choice()) return std::move(*c);
  Expr e = list_level();
  while (at(Tok::period)) advance();  // a sentence's full stop
  if (!at(Tok::end)) unexpected();
  return e;
}

// A sub-expression such as a subscript's content.
Expr Parser::fragment() {
  Expr e = relation_level();
  if (!at(Tok::end)) unexpected();
  return e;
}

const Token& Parser::peek(std::size_t k) const {
  return tokens_[std::min(pos_ + k, tokens_.size() - 1)];
}

Token Parser::advance() {
  Token t = tokens_[pos_];
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool Parser::accept(Tok kind) {
  if (!at(kind)) return false;
  advance();
  return true;
}

std::string Parser::describe(const Token& t) const {
  if (t.kind == Tok::end) return "end of input";
  return fmt::format("'{}' at {}", src_.substr(t.pos, std::max<std::size_t>(t.len, 1)), t.pos);
}

void Parser::expect(Tok kind, std::string_view what) {
  if (!accept(kind)) fail(fmt::format("expected {} but found {}", what, describe(peek())));
}

// "(B) 12", "\textbf{(B) }12", "B)": a multiple-choice letter; what follows is commentary
// unless it continues an expression ("\text{(B)} \cdot x", "(A) + 1", "(A), (C)").
std::optional<Expr> Parser::leading_choice() {
  auto capital = [&](std::size_t k) {
    return peek(k).kind == Tok::letter && is_upper(peek(k).text[0]);
  };
  std::size_t length = 0;
  std::string letter;
  if (at(Tok::choice)) {
    length = 1;
    letter = peek().text;
  } else if (at(Tok::lparen) && capital(1) && peek(2).kind == Tok::rparen) {
    length = 3;
    letter = peek(1).text;
  } else if (capital(0) && peek(1).kind == Tok::rparen) {
    length = 2;
    letter = peek().text;
  } else {
    return std::nullopt;
  }
  switch (peek(length).kind) {
    case Tok::cdot:
    case Tok::times:
    case Tok::slash:
    case Tok::divide:
    case Tok::plus:
    case Tok::minus:
    case Tok::pm:
    case Tok::mp:
    case Tok::relop:
    case Tok::cup:
    case Tok::comma:
    case Tok::semicolon:
    case Tok::caret:
    case Tok::bang:
    case Tok::percent:
    case Tok::degree:
    case Tok::subscript:
      return std::nullopt;
    case Tok::word:
      if (peek(length).text == "and" || peek(length).text == "or") return std::nullopt;
      break;
    default:
      break;
  }
  return leaf(Kind::choice, letter);
}

bool Parser::at_separator() const {
  return at(Tok::comma) || at(Tok::semicolon) || at_word("and") || at_word("or");
}

Expr Parser::list_level() {
  std::vector<Expr> items;
  items.push_back(relation_level());
  // Where each ';' group starts: groups whose items are parted by ',' ("p=5, q=2; p=7, q=2")
  // are one solution each, a tuple of its items.
  std::vector<std::size_t> group_starts;
  bool commas = false;
  while (at_separator()) {
    const bool semicolon = at(Tok::semicolon);
    commas = commas || at(Tok::comma);
    advance();
    if (at_word("and") || at_word("or")) advance();                            // "19, 46, and 82"
    if (at(Tok::end) || (at(Tok::period) && peek(1).kind == Tok::end)) break;  // "1, 2,"
    if (semicolon) group_starts.push_back(items.size());
    items.push_back(relation_level());
  }
  if (!group_starts.empty() && commas) {
    std::vector<Expr> tuples;
    group_starts.push_back(items.size());
    std::size_t from = 0;
    for (const std::size_t to : group_starts) {
      std::vector<Expr> group(std::make_move_iterator(items.begin() + from),
                              std::make_move_iterator(items.begin() + to));
      tuples.push_back(collapse(std::move(group), Kind::tuple));
      from = to;
    }
    items = std::move(tuples);
  }
  return collapse(std::move(items), Kind::list);
}

Expr Parser::relation_level() {
  Expr first = ratio_level();
  if (!at(Tok::relop)) return first;  // most answers: no relation, no allocation
  std::vector<Expr> sides;
  sides.push_back(std::move(first));
  std::vector<std::string> ops;
  while (at(Tok::relop)) {
    const std::string op = advance().text;
    ops.push_back(op);
    // x \in (a, b): after \in a pair in parentheses is an open interval.
    sides.push_back(op == "in" ? as_interval(ratio_level()) : ratio_level());
  }
  // A \approx B: A is the answer, B its rounding; x \approx 3.2 gives x the value 3.2.
  if (const auto k = std::find(ops.begin(), ops.end(), "approx"); k != ops.end()) {
    const std::size_t first_approx = static_cast<std::size_t>(k - ops.begin());
    const bool lone_variable = first_approx == 0 && sides[0].kind == Kind::symbol;
    const std::size_t keep = lone_variable ? 2 : first_approx + 1;
    sides.resize(keep);
    ops.resize(keep - 1);
    if (lone_variable) ops[0] = "=";
  }
  if (sides.size() == 1) return std::move(sides.front());
  std::string text;
  for (const std::string& op : ops) text += (text.empty() ? "" : ",") + op;
  return node(Kind::relation, std::move(sides), std::move(text));
}

// a:b is the ratio a/b; a:b:c (three or more parts) the tuple of its parts.
Expr Parser::ratio_level() {
  Expr first = union_level();
  if (!at(Tok::colon)) return first;
  std::vector<Expr> parts;
  parts.push_back(std::move(first));
  while (accept(Tok::colon)) parts.push_back(union_level());
  if (parts.size() == 2) return binary(Kind::div, std::move(parts[0]), std::move(parts[1]));
  return node(Kind::tuple, std::move(parts));
}

// Operands of \cup; a pair in parentheses there is an open interval.
Expr Parser::union_level() {
  Expr first = additive();
  if (!at(Tok::cup)) return first;
  std::vector<Expr> parts;
  parts.push_back(as_interval(std::move(first)));
  while (accept(Tok::cup)) parts.push_back(as_interval(additive()));
  return node(Kind::union_of, std::move(parts));
}

Expr Parser::as_interval(Expr e) {
  if (e.kind == Kind::tuple && e.children.size() == 2) {
    e.kind = Kind::interval;
    e.text = "()";
  }
  return e;
}

// Sums; a \pm b takes everything before it as a ("1 + 2 \pm 3" is (1+2) \pm 3).
Expr Parser::additive() {
  std::vector<Expr> terms;
  if (at(Tok::pm) || at(Tok::mp)) {
    const bool minus = advance().kind == Tok::mp;
    Expr b = signed_term();
    terms.push_back(unary(Kind::plus_minus, minus ? unary(Kind::neg, std::move(b)) : std::move(b)));
  } else {
    terms.push_back(signed_term());
  }
  for (;;) {
    if (accept(Tok::plus)) {
      terms.push_back(signed_term());
    } else if (accept(Tok::minus)) {
      terms.push_back(unary(Kind::neg, signed_term()));
    } else if (at(Tok::pm) || at(Tok::mp)) {
      const bool minus = advance().kind == Tok::mp;
      Expr a = collapse(std::move(terms), Kind::add);
      Expr b = signed_term();
      terms.clear();
      terms.push_back(binary(Kind::plus_minus, std::move(a),
                             minus ? unary(Kind::neg, std::move(b)) : std::move(b)));
    } else {
      break;
    }
  }
  return collapse(std::move(terms), Kind::add);
}

// A product with an optional leading sign: -2x is -(2x).
Expr Parser::signed_term() {
  Nest nest(*this);
  if (accept(Tok::minus)) return unary(Kind::neg, signed_term());
  if (accept(Tok::plus)) return signed_term();
  return product();
}

// After an explicit operator a sign is allowed: 2 \cdot -3.
Expr Parser::operand() {
  Nest nest(*this);
  if (accept(Tok::minus)) return unary(Kind::neg, operand());
  if (accept(Tok::plus)) return operand();
  return postfix_factor();
}

bool Parser::starts_factor() const {
  switch (peek().kind) {
    case Tok::letter:
    case Tok::greek:
    case Tok::constant:
    case Tok::func:
    case Tok::frac:
    case Tok::sqrt:
    case Tok::binom:
    case Tok::lparen:
    case Tok::abs_open:
    case Tok::lfloor:
    case Tok::lceil:
    case Tok::lbrace:
    case Tok::begin_env:  // "2\begin{pmatrix}..", or two matrices side by side: a product
      return true;
    case Tok::bar:
      return bar_depth_ == 0;
    default:
      return false;
  }
}

// Unit words (and a ^2 or ^3 after them) say nothing about the value.
void Parser::skip_units() {
  while (at(Tok::unit)) {
    advance();
    if (!at(Tok::caret)) continue;
    if (peek(1).kind == Tok::number) {
      advance();
      advance();
    } else if (peek(1).kind == Tok::lbrace && peek(2).kind == Tok::number &&
               peek(3).kind == Tok::rbrace) {
      for (int k = 0; k < 4; ++k) advance();
    }
  }
}

// Explicit and implicit products and quotients, left to right: 1/2\pi is (1/2)\pi.
Expr Parser::product() {
  std::vector<Expr> factors;
  factors.push_back(postfix_factor());
  for (;;) {
    if (accept(Tok::cdot) || accept(Tok::times)) {
      factors.push_back(operand());
    } else if (accept(Tok::slash) || accept(Tok::divide)) {
      Expr lhs = collapse(std::move(factors), Kind::mul);
      Expr rhs = operand();
      factors.clear();
      factors.push_back(binary(Kind::div, std::move(lhs), std::move(rhs)));
    } else if (at(Tok::unit)) {
      skip_units();
    } else if (at(Tok::word)) {
      // Words after a quantity ("18 eggs") are commentary; "and"/"or" separate answers.
      if (at_word("and") || at_word("or")) break;
      while ((at(Tok::word) && !at_word("and") && !at_word("or")) || at(Tok::unit)) {
        if (at(Tok::unit)) {
          skip_units();
        } else {
          advance();
        }
      }
      break;
    } else if (factors.back().kind != Kind::text && factors.back().kind != Kind::choice &&
               (starts_factor() ||
                (at(Tok::number) && pos_ > 0 && tokens_[pos_ - 1].kind == Tok::rparen) ||
                (at(Tok::lbrack) && pos_ > 0 && tokens_[pos_ - 1].kind == Tok::letter))) {
      // "(x+1)2" is a product too: a number right after a closing parenthesis; so is "E[X]".
      factors.push_back(postfix_factor());
    } else {
      break;
    }
  }
  return collapse(std::move(factors), Kind::mul);
}

// A primary with its postfix operators: powers, n!, \%, ^\circ.
Expr Parser::postfix_factor() {
  Expr e = primary();
  for (;;) {
    if (accept(Tok::caret)) {
      Expr exponent = power_exponent();
      e = binary(Kind::pow, std::move(e), std::move(exponent));
    } else if (accept(Tok::bang)) {
      e = unary(Kind::function, std::move(e), "factorial");
    } else if (accept(Tok::percent)) {
      e = unary(Kind::percent, std::move(e));
    } else if (accept(Tok::degree)) {
      e = unary(Kind::degree, std::move(e));
    } else {
      return e;
    }
  }
}

// After '^': a braced group, a whole number (2^10 is 2^{10}), or one primary; x^-1 is allowed.
Expr Parser::power_exponent() {
  Nest nest(*this);
  if (accept(Tok::minus)) return unary(Kind::neg, power_exponent());
  if (accept(Tok::plus)) return power_exponent();
  if (at(Tok::number)) {
    const Token t = advance();
    return leaf(t.decimal ? Kind::decimal : Kind::integer, t.text);
  }
  return primary();
}

}  // namespace detail

Parsed parse_answer(std::string_view text, const ParseLimits& limits) {
  Parsed result;
  if (text.size() > limits.max_length) {
    result.error = fmt::format("answer is {} characters, over the limit of {}", text.size(),
                               limits.max_length);
    return result;
  }
  if (trim(text).empty()) {
    result.error = "empty answer";
    return result;
  }
  try {
    const std::vector<std::size_t> match = detail::match_braces(text);
    detail::Parser parser(text, match, detail::lex(text, match, 0, text.size()), limits, 0);
    result.expr = parser.answer();
    result.ok = true;
  } catch (const detail::ParseError& e) {
    result.error = e.what();
  } catch (const std::exception& e) {  // never expected; an answer must not take the run down
    result.error = std::string("internal error: ") + e.what();
  }
  return result;
}

}  // namespace rbench::math
