// LaTeX and plain-text math answers into an expression tree (expr.h). The parser reads the
// answer as written (after extraction): it does its own lexical clean-up (math delimiters,
// \left/\right, spacing commands, \dfrac/\tfrac, \text{} wrappers, thousands separators, unit
// words, ^\circ, \%) instead of comparing strings. It never executes anything, runs in time
// linear in the input, and refuses input past fixed size and depth limits rather than recursing
// without bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scorers/math/expr.h"

namespace rbench::math {

struct ParseLimits {
  std::size_t max_length = 4000;  // characters of input
  std::size_t max_depth = 200;    // nesting of groups and operators
};

struct Parsed {
  bool ok = false;
  Expr expr;          // valid when ok
  std::string error;  // when !ok: what could not be read and where ("unexpected '}' at 7")
};

// Documented readings (the tests pin each one):
// - numbers: "1,000" and "1{,}000" are one thousand (3-digit groups only; "1,2" is a list),
//   "1.5e-3" and "1.5\times10^{-3}" are scientific notation, a leading "." is allowed;
// - 2\frac{1}{2} (an integer followed by a \frac of integers) is the mixed number 5/2;
// - "2^10" is 2^{10}; "1/2\pi" is (1/2)\pi; implicit products bind like explicit ones;
// - letters: one letter is one symbol ("xy" is x*y); e is Euler's number and i the imaginary
//   unit; a multi-letter answer of plain words is Kind::text;
// - \sin^2 x is (\sin x)^2; \sin 2x is \sin(2x) and \sin x y is \sin(xy) (letters and
//   constants after the first factor join the argument); \sin x\cos x is \sin(x)\cos(x);
//   \log_b x has base b;
// - "x = 5", "x \in [0,1]", "y = 2x+1" are relations (the equivalence decides what a lone
//   variable on the left means);
// - (a, b) is a tuple, [a, b], [a, b), (a, b] and any end at \infty are intervals;
// - "\text{(B)}", "(B)", "\textbf{(B) }12", "B)" are Kind::choice "B"; a bare capital letter
//   is a symbol (the equivalence matches it against a choice);
// - unit words (cm, dollars, degrees, ...) are dropped; "^\circ" and "\%" become degree and
//   percent nodes.
// Further readings the tests pin:
// - "2e+1" (no spaces) is scientific notation; only \times marks it in "1.5\times10^3";
// - \sin^{-1} x is \arcsin x; "f(x)" is f\cdot x;
// - a \mp b is a \pm (-b);
// - after \in and around \cup a pair in parentheses is an open interval;
// - "204_5" is a numeral in base 5 (function "base");
// - words after a quantity are dropped ("18 eggs" is 18); "and", "or" and ';' separate answers
//   like commas; "50 percent" is 50\%;
// - after a leading choice letter the rest is commentary unless it continues an expression
//   ("(B) 12" is B, "(A) + 1" is A + 1).
// Readings for what reasoning models write (tests/scorers/math/recall_cases.tsv pins them):
// - "A \approx B" is A, the value rounded being B; "x \approx 3.2" is x = 3.2;
// - "a:b" (or a \colon b) is the ratio a/b; "a:b:c" the tuple of its parts;
// - "{1, 3}" with unescaped braces and a comma is a set; "\text{e}" is e (a lone letter in a
//   text wrapper stays math);
// - "1 000" (plain, thin, narrow or no-break space before a 3-digit group) and "14 {, }916" are
//   one number; "4 4/9" (a whole number, a space, a proper fraction) is the mixed number 40/9;
// - \begin{array}{cc} (the column layout skipped), Bmatrix and smallmatrix are matrices;
// - Unicode: √ and ∛ take the whole number after them (√34 is \sqrt{34}, unlike TeX's \sqrt34),
//   ⁄ is '/', ⋅ ∙ ∗ are \cdot, ≈ is \approx, ∓ is \mp, superscript digits and minus are a power
//   (x², 10⁻³), ½ ⅓ ¼ ¾ ... are \frac of digits (2½ is 5/2), thin and zero-width spaces vanish;
// - "100100_b": a base named by a letter is notation, the numeral is its digits;
// - "\\frac": a doubled backslash right before a command name the lexer knows is that command
//   (text escaped twice through JSON); elsewhere "\\" is a row break;
// - "p=5, q=2; p=7, q=2": groups parted by ';' with items parted by ',' are tuples, one per
//   solution; otherwise ';' parts answers like ','; "(0; -2; 6)": inside brackets semicolons part
//   coordinates as commas do; "19, 46, and 82" is a list of three;
//   "(11,7)or(7,11)" has the word "or" between the pairs; "E[X]" is E times X; "\angle ABC" is
//   the product ABC (the angle sign is dropped); "NO" in capitals is N times O.
Parsed parse_answer(std::string_view text, const ParseLimits& limits = {});

}  // namespace rbench::math
