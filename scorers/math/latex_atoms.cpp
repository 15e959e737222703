// The atoms of the math-answer parser (see latex_grammar.h): number literals (with bases, mixed
// numbers and \times 10^n), symbols with subscripts, words, functions and their arguments,
// \sqrt, \frac-style arguments, and the bracketed forms: groups, tuples, intervals, sets and
// matrices.
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "scorers/math/latex_grammar.h"
#include "scorers/math/latex_names.h"
#include "scorers/math/text_util.h"

namespace rbench::math::detail {

Expr Parser::primary() {
  Nest nest(*this);
  switch (peek().kind) {
    case Tok::number:
      return number();
    case Tok::letter:
    case Tok::greek:
      return symbol();
    case Tok::constant:
      return leaf(Kind::constant, advance().text);
    case Tok::word:
    case Tok::unit:
      return text();
    case Tok::choice:
      return leaf(Kind::choice, advance().text);
    case Tok::empty_set:
      advance();
      return leaf(Kind::empty_set, {});
    case Tok::func:
      return function();
    case Tok::frac: {
      advance();
      Expr num = macro_argument();
      Expr den = macro_argument();
      return binary(Kind::div, std::move(num), std::move(den));
    }
    case Tok::binom: {
      advance();
      Expr n = macro_argument();
      Expr k = macro_argument();
      return binary(Kind::function, std::move(n), std::move(k), "binom");
    }
    case Tok::sqrt:
      return square_root();
    case Tok::lparen:
    case Tok::lbrack:
      return bracketed();
    case Tok::lbrace:
      return braced();
    case Tok::lset:
      return set();
    case Tok::bar: {
      advance();
      BarScope scope(bar_depth_, bar_depth_ + 1);
      Expr e = relation_level();
      expect(Tok::bar, "'|'");
      return unary(Kind::function, std::move(e), "abs");
    }
    case Tok::abs_open:
      return delimited(Tok::abs_close, "'\\right|'", "abs");
    case Tok::lfloor:
      return delimited(Tok::rfloor, "'\\rfloor'", "floor");
    case Tok::lceil:
      return delimited(Tok::rceil, "'\\rceil'", "ceil");
    case Tok::begin_env:
      return matrix();
    default:
      unexpected();
  }
}

Expr Parser::delimited(Tok close, std::string_view what, std::string name) {
  advance();
  BarScope scope(bar_depth_, 0);
  Expr e = relation_level();
  expect(close, what);
  return unary(Kind::function, std::move(e), std::move(name));
}

// A number literal, a numeral in a base (204_5), a mixed number (2\frac{1}{2}) or scientific
// notation written with \times (1.5\times10^{-3}).
Expr Parser::number() {
  const Token t = advance();
  if (at(Tok::subscript)) {
    const Token sub = advance();
    // 100100_b: a base named by a letter is notation; the digits are the answer.
    if (!t.decimal && sub.text.size() == 1 && is_alpha(sub.text[0])) {
      return leaf(Kind::integer, t.text);
    }
    if (t.decimal || !all_digits(sub.text)) {
      fail(fmt::format("unsupported subscript '{}' at {}", sub.text, sub.pos));
    }
    return binary(Kind::function, leaf(Kind::integer, t.text), leaf(Kind::integer, sub.text),
                  "base");
  }
  Expr value = leaf(t.decimal ? Kind::decimal : Kind::integer, t.text);
  if (!t.decimal) {
    if (std::optional<Expr> part = mixed_fraction()) {
      return binary(Kind::add, std::move(value), std::move(*part));
    }
    // "4 4/9" in plain text: a whole number, then a proper fraction.
    if (at(Tok::number) && peek(1).kind == Tok::slash && peek(2).kind == Tok::number &&
        !peek().decimal && !peek(2).decimal && peek().text.size() <= 9 &&
        peek(2).text.size() <= 9 && std::stoll(peek().text) < std::stoll(peek(2).text)) {
      Expr num = leaf(Kind::integer, advance().text);
      advance();
      Expr den = leaf(Kind::integer, advance().text);
      return binary(Kind::add, std::move(value), binary(Kind::div, std::move(num), std::move(den)));
    }
  }
  if (t.text.find('e') == std::string::npos) {
    if (std::optional<std::string> exponent = times_ten_power()) {
      return leaf(Kind::decimal, t.text + "e" + *exponent);
    }
  }
  return value;
}

// \frac of two integer literals right after an integer: the fraction of a mixed number.
std::optional<Expr> Parser::mixed_fraction() {
  if (!at(Tok::frac)) return std::nullopt;
  // integer_argument() may split a number token; keep what it can touch to undo that.
  const std::size_t saved_pos = pos_;
  const std::size_t saved_end = std::min(pos_ + 6, tokens_.size());
  const std::vector<Token> saved(tokens_.begin() + pos_, tokens_.begin() + saved_end);
  advance();
  std::optional<std::string> num = integer_argument();
  std::optional<std::string> den = num ? integer_argument() : std::nullopt;
  if (num && den) return binary(Kind::div, leaf(Kind::integer, *num), leaf(Kind::integer, *den));
  std::copy(saved.begin(), saved.end(), tokens_.begin() + saved_pos);
  pos_ = saved_pos;
  return std::nullopt;
}

std::optional<std::string> Parser::integer_argument() {
  if (at(Tok::lbrace) && peek(1).kind == Tok::number && !peek(1).decimal &&
      peek(2).kind == Tok::rbrace) {
    advance();
    std::string digits = advance().text;
    advance();
    return digits;
  }
  if (at(Tok::number) && is_digit(peek().text[0])) return first_digit();
  return std::nullopt;
}

// \frac12 and \sqrt2 take one character, as TeX does: split it off the number token.
std::string Parser::first_digit() {
  Token& t = tokens_[pos_];
  std::string digit(1, t.text[0]);
  if (t.text.size() == 1) {
    advance();
  } else {
    t.text.erase(0, 1);
    ++t.pos;
    t.len = t.len > 1 ? t.len - 1 : 1;
    t.decimal = !all_digits(t.text);
  }
  return digit;
}

// "\times 10^{-3}" after a number literal: the exponent ("-3"), consumed; else nullopt.
std::optional<std::string> Parser::times_ten_power() {
  if (!at(Tok::times) || peek(1).kind != Tok::number || peek(1).text != "10" ||
      peek(2).kind != Tok::caret) {
    return std::nullopt;
  }
  std::size_t k = 3;
  const bool braced = peek(k).kind == Tok::lbrace;
  if (braced) ++k;
  std::string sign;
  if (peek(k).kind == Tok::minus) {
    sign = "-";
    ++k;
  } else if (peek(k).kind == Tok::plus) {
    ++k;
  }
  if (peek(k).kind != Tok::number || peek(k).decimal) return std::nullopt;
  const std::string digits = peek(k).text;
  ++k;
  if (braced) {
    if (peek(k).kind != Tok::rbrace) return std::nullopt;
    ++k;
  }
  for (std::size_t j = 0; j < k; ++j) advance();
  return sign + digits;
}

// A letter or Greek letter, with its subscript as part of the name: x_1, x_{12}, alpha_n.
Expr Parser::symbol() {
  const Token t = advance();
  if (at(Tok::subscript)) {
    const Token sub = advance();
    std::string name = t.text + "_";
    const std::string_view text = sub.text;
    for (std::size_t k = 0; k < text.size(); ++k) {
      const char c = text[k];
      if (is_space(c)) continue;
      // "\ " is LaTeX's space: dropped whole, or its backslash alone would end the name and
      // escape the brace the printer closes it with (x_{a\}).
      if (c == '\\' && (k + 1 == text.size() || is_space(text[k + 1]))) continue;
      if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != ',' && c != '\\') {
        fail(fmt::format("unsupported subscript '{}' at {}", sub.text, sub.pos));
      }
      name += c;
    }
    return leaf(Kind::symbol, std::move(name));
  }
  if (t.kind == Tok::letter && (t.text == "e" || t.text == "i")) {
    return leaf(Kind::constant, t.text);
  }
  return leaf(Kind::symbol, t.text);
}

// Consecutive words: lower-cased, single spaces.
Expr Parser::text() {
  std::string words;
  while (at(Tok::word) || at(Tok::unit)) {
    if (!words.empty()) words += ' ';
    words += advance().text;
  }
  return leaf(Kind::text, std::move(words));
}

// \sin x, \sin(x), \sin^2 x (= (\sin x)^2), \sin^{-1} x (= \arcsin x), \log_b x, \gcd(a, b).
Expr Parser::function() {
  std::string name = advance().text;
  std::optional<Expr> power;
  std::optional<Expr> base;
  for (int round = 0; round < 2; ++round) {
    if (!power && accept(Tok::caret)) {
      power = power_exponent();
    } else if (!base && name == "log" && at(Tok::subscript)) {
      base = subscript_expression(advance());
    }
  }
  std::vector<Expr> args;
  if (at(Tok::lparen)) {
    advance();
    BarScope scope(bar_depth_, 0);
    args.push_back(relation_level());
    while (accept(Tok::comma)) args.push_back(relation_level());
    expect(Tok::rparen, "')'");
  } else {
    // \sin 2x and \sin 2\pi are \sin(2x) and \sin(2\pi): letters and constants right after
    // the first factor join the argument; another function (\sin x \cos x), a bracket or an
    // operator ends it.
    const bool negative = accept(Tok::minus);
    std::vector<Expr> factors;
    factors.push_back(postfix_factor());
    while (at(Tok::letter) || at(Tok::greek) || at(Tok::constant)) {
      factors.push_back(postfix_factor());
    }
    Expr arg = factors.size() == 1 ? std::move(factors[0]) : node(Kind::mul, std::move(factors));
    args.push_back(negative ? unary(Kind::neg, std::move(arg)) : std::move(arg));
  }
  if (base) {
    if (args.size() != 1) fail(fmt::format("\\log_b takes one argument, at {}", peek().pos));
    args.insert(args.begin(), std::move(*base));
  }
  const bool inverse =
      power && power->kind == Kind::neg && power->children[0] == leaf(Kind::integer, "1");
  if (inverse && one_of(name, {"sin", "cos", "tan"})) {
    name = "arc" + name;
    power.reset();
  }
  Expr f = node(Kind::function, std::move(args), std::move(name));
  if (power) return binary(Kind::pow, std::move(f), std::move(*power));
  return f;
}

// A subscript's content read as an expression (the base of \log_{b}).
Expr Parser::subscript_expression(const Token& sub) {
  Parser inner(src_, match_, lex(src_, match_, sub.inner, sub.inner + sub.text.size()), limits_,
               depth_ + 1);
  return inner.fragment();
}

// The argument of \frac, \sqrt, \binom: a braced group, one digit, or one primary.
Expr Parser::macro_argument() {
  if (at(Tok::lbrace)) return braced();
  if (at(Tok::number)) {
    if (!is_digit(peek().text[0])) unexpected();
    return leaf(Kind::integer, first_digit());
  }
  return primary();
}

Expr Parser::square_root() {
  const Token t = advance();
  if (!t.text.empty()) {  // √34, ∛8: Unicode roots take the whole number after them
    Expr degree = leaf(Kind::integer, t.text);
    if (at(Tok::number)) {
      const Token n = advance();
      return binary(Kind::root, leaf(n.decimal ? Kind::decimal : Kind::integer, n.text),
                    std::move(degree));
    }
    return binary(Kind::root, macro_argument(), std::move(degree));
  }
  Expr degree = leaf(Kind::integer, "2");
  if (accept(Tok::lbrack)) {
    BarScope scope(bar_depth_, 0);
    degree = relation_level();
    expect(Tok::rbrack, "']'");
  }
  Expr radicand = macro_argument();
  return binary(Kind::root, std::move(radicand), std::move(degree));
}

Expr Parser::braced() {
  advance();
  BarScope scope(bar_depth_, 0);
  if (at(Tok::rbrace)) fail(fmt::format("empty group at {}", peek().pos));
  Expr e = relation_level();
  if (!at(Tok::comma)) {
    expect(Tok::rbrace, "'}'");
    return e;
  }
  // {1, 3} with unescaped braces: a set, as \{1, 3\} would be.
  std::vector<Expr> items;
  items.push_back(std::move(e));
  while (accept(Tok::comma)) items.push_back(relation_level());
  expect(Tok::rbrace, "'}'");
  return node(Kind::set, std::move(items));
}

// (x) is x; (a, b) a tuple; [a, b], [a, b), (a, b] and any pair with an infinite end are
// intervals.
Expr Parser::bracketed() {
  const Token open = advance();
  BarScope scope(bar_depth_, 0);
  std::vector<Expr> items;
  items.push_back(relation_level());
  // (0; -2; 6): semicolons separate coordinates where the comma is the decimal sign.
  while (accept(Tok::comma) || accept(Tok::semicolon)) items.push_back(relation_level());
  if (!at(Tok::rparen) && !at(Tok::rbrack)) {
    fail(fmt::format("expected ')' or ']' but found {}", describe(peek())));
  }
  const Token close = advance();
  const bool round = open.kind == Tok::lparen && close.kind == Tok::rparen;
  const bool square = open.kind == Tok::lbrack && close.kind == Tok::rbrack;
  if (items.size() == 1) {
    if (!round && !square) fail("mismatched brackets at " + std::to_string(open.pos));
    return std::move(items.front());
  }
  if (items.size() == 2 && (!round || is_infinite(items[0]) || is_infinite(items[1]))) {
    std::string ends;
    ends += open.kind == Tok::lparen ? '(' : '[';
    ends += close.kind == Tok::rparen ? ')' : ']';
    return node(Kind::interval, std::move(items), std::move(ends));
  }
  if (!round && !square) fail("mismatched brackets at " + std::to_string(open.pos));
  return node(Kind::tuple, std::move(items));
}

Expr Parser::set() {
  advance();
  BarScope scope(bar_depth_, 0);
  if (accept(Tok::rset)) return leaf(Kind::empty_set, {});
  std::vector<Expr> items;
  items.push_back(relation_level());
  while (accept(Tok::comma)) items.push_back(relation_level());
  expect(Tok::rset, "'\\}'");
  return node(Kind::set, std::move(items));
}

// pmatrix, bmatrix, matrix, array: rows split by \\, cells by &.
Expr Parser::matrix() {
  const Token begin = advance();
  if (!one_of(begin.text, {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "array"})) {
    fail(fmt::format("unsupported environment '{}' at {}", begin.text, begin.pos));
  }
  BarScope scope(bar_depth_, 0);
  // \begin{array}{cc}: the column layout says nothing about the entries.
  if (begin.text == "array" && at(Tok::lbrace)) {
    while (!at(Tok::rbrace) && !at(Tok::end)) advance();
    expect(Tok::rbrace, "'}' after the array's columns");
  }
  std::vector<Expr> rows;
  std::vector<Expr> row;
  while (!at(Tok::end_env)) {
    row.push_back(relation_level());
    if (accept(Tok::amp)) continue;
    if (accept(Tok::row_end)) {
      rows.push_back(node(Kind::list, std::move(row)));
      row.clear();
      continue;
    }
    if (!at(Tok::end_env)) unexpected();
  }
  if (!row.empty()) rows.push_back(node(Kind::list, std::move(row)));
  const Token end = advance();
  if (end.text != begin.text) {
    fail(fmt::format("\\begin{{{}}} at {} ends with \\end{{{}}}", begin.text, begin.pos, end.text));
  }
  if (rows.empty()) fail(fmt::format("empty matrix at {}", begin.pos));
  return node(Kind::matrix, std::move(rows));
}

}  // namespace rbench::math::detail
