// Hand-built expression trees for the tests of the math evaluators, without the parser:
// add({n(1), mul({n(2), sym("x")})}) is 1 + 2x.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scorers/math/expr.h"

namespace rbench::math::build {

// An integer literal; a negative value is a neg node, as the parser makes it.
inline Expr n(long long v) {
  Expr literal = leaf(Kind::integer, std::to_string(v < 0 ? -v : v));
  return v < 0 ? node(Kind::neg, {std::move(literal)}) : literal;
}
inline Expr integer(std::string digits) {
  return leaf(Kind::integer, std::move(digits));
}
inline Expr dec(std::string text) {
  return leaf(Kind::decimal, std::move(text));
}
inline Expr sym(std::string name) {
  return leaf(Kind::symbol, std::move(name));
}
inline Expr pi() {
  return leaf(Kind::constant, "pi");
}
inline Expr e_const() {
  return leaf(Kind::constant, "e");
}
inline Expr i_unit() {
  return leaf(Kind::constant, "i");
}
inline Expr infty() {
  return leaf(Kind::constant, "infty");
}

inline Expr add(std::vector<Expr> terms) {
  return node(Kind::add, std::move(terms));
}
inline Expr mul(std::vector<Expr> factors) {
  return node(Kind::mul, std::move(factors));
}
inline Expr neg(Expr x) {
  return node(Kind::neg, {std::move(x)});
}
inline Expr sub(Expr a, Expr b) {
  return add({std::move(a), neg(std::move(b))});
}
inline Expr frac(Expr a, Expr b) {
  return node(Kind::div, {std::move(a), std::move(b)});
}
inline Expr pow(Expr base, Expr exponent) {
  return node(Kind::pow, {std::move(base), std::move(exponent)});
}
inline Expr root(Expr radicand, long long degree) {
  return node(Kind::root, {std::move(radicand), n(degree)});
}
inline Expr sqrt(Expr radicand) {
  return root(std::move(radicand), 2);
}
inline Expr fn(std::string name, std::vector<Expr> args) {
  return node(Kind::function, std::move(args), std::move(name));
}
inline Expr percent(Expr x) {
  return node(Kind::percent, {std::move(x)});
}
inline Expr degree(Expr x) {
  return node(Kind::degree, {std::move(x)});
}
inline Expr text(std::string words) {
  return leaf(Kind::text, std::move(words));
}
inline Expr tuple(std::vector<Expr> items) {
  return node(Kind::tuple, std::move(items));
}

}  // namespace rbench::math::build
