// A small recursive-descent parser for the numeric expressions that make up most math answers:
// numbers, + - * /, \cdot, \times, \div, powers (^2, ^{...}), \frac, \sqrt, \sqrt[n], \pi,
// parentheses, unary minus and implicit multiplication (2\sqrt{3}, 3\pi, 2(1+1)).
#pragma once

#include <optional>
#include <string_view>

#include "scorers/math/number.h"

namespace rbench::math {

// The value of a normalised answer, or nullopt when it is not a closed numeric expression
// (variables, \infty, \pm, intervals, text) or it is not finite (division by zero).
// Documented readings:
// - an integer literal directly followed by \frac{p}{q} of integer literals is a mixed number:
//   2\frac{1}{2} = 5/2 (the MATH convention), while 2\frac{\pi}{3} is a product;
// - "2^10" is 2^{10} (what a plain-text writer means), not LaTeX's 2^1 followed by 0;
// - "1/2\pi" is (1/2)\pi: * / and implicit products associate left to right.
std::optional<Number> evaluate_expression(std::string_view text);

}  // namespace rbench::math
