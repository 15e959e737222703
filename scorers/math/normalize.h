// Normalisation of a math answer before comparison: strips presentation (math delimiters,
// \text wrappers, units, thousands separators, spacing) so that equal answers written
// differently become the same string, or at least strings the expression parser can read.
#pragma once

#include <string>
#include <string_view>

namespace rbench::math {

// Normalises one answer (the extracted text or the reference). Documented choices:
// - percent signs are dropped: "10\%" becomes "10" (so 10% equals 10, not 0.1);
// - a comma is a thousands separator only by the 3-digit-group rule ("1,000", "12,345.5"), never
//   when followed by a space ("100, 200" is a list) nor inside brackets ("(1,000)" is a pair);
//   "{,}", ",\!" and "\," between digits always are;
// - unit words (dollars, cm, degrees, ...) and a trailing "^\circ" are dropped, as is a
//   number's trailing run of plain words ("18 eggs" becomes "18");
// - a leading single-variable assignment or membership is dropped ("x = 5" becomes "5",
//   "x \in [0,1]" becomes "[0,1]") when the answer has no other '=';
// - decimals lose trailing zeros ("2.50" -> "2.5", "3.0" -> "3"); a trailing '.' is dropped.
// Spaces are removed except one between a command name and a letter ("\pi r").
std::string normalize_answer(std::string_view answer);

}  // namespace rbench::math
