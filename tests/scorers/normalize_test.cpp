// Normalisation table: input answer -> normalised string, one documented rule per row.
#include "scorers/math/normalize.h"

#include <gtest/gtest.h>

namespace rbench::math {
namespace {

struct Row {
  const char* input;
  const char* expected;
};

constexpr Row kRows[] = {
    {"$42$", "42"},
    {"\\(42\\)", "42"},
    {"\\$18.00", "18"},
    {"1,000", "1000"},
    {"1{,}000", "1000"},
    {"1\\,000", "1000"},
    {"12,345,678.90", "12345678.9"},
    {"(1,000)", "(1,000)"},  // inside brackets: a pair, not a thousand
    {"(1, 2)", "(1,2)"},
    {"100, 200", "100,200"},  // followed by a space: a list (the string keeps the comma)
    {"1,0000", "1,0000"},
    {"1234,567", "1234,567"},
    {"10\\%", "10"},
    {"10%", "10"},
    {"5 \\text{ cm}", "5"},
    {"15\\mbox{ cm}^2", "15"},
    {"3 dollars", "3"},
    {"90^\\circ", "90"},
    {"90^{\\circ}", "90"},
    {"18 eggs per day", "18"},
    {"\\text{east}", "east"},
    {"\\textbf{7}", "7"},
    {"\\mathrm{B}", "B"},
    {"\\dfrac{1}{2}", "\\frac{1}{2}"},
    {"\\tfrac12", "\\frac12"},
    {"\\left( 1, 2 \\right]", "(1,2]"},
    {"\\left\\{ 1 \\right.", "\\{1"},
    {"\\displaystyle x", "x"},
    {"1\\!2", "12"},
    {"2.50", "2.5"},
    {"3.0", "3"},
    {"3.", "3"},
    {"0.0", "0"},
    {"1.5e3", "1.5e3"},
    {"x = 5", "5"},
    {"y=2x+3", "2x+3"},
    {"\\theta = \\frac{\\pi}{2}", "\\frac{\\pi}{2}"},
    {"a_1 = 3", "3"},
    {"x = y = 3", "x=y=3"},  // two '=': not a plain assignment
    {"5x-7y+11z+4=0", "5x-7y+11z+4=0"},
    {"x \\in [-2, 7]", "[-2,7]"},
    {"\\pi r^2", "\\pi r^2"},  // the space keeps \pi and r apart
    {"\\cot x", "\\cot x"},
    {"(B)", "B"},
    {"\xE2\x88\x92"
     "5",
     "-5"},  // U+2212 minus sign
    {"  7 .", "7"},
    {"", ""},
};

TEST(NormalizeAnswer, Table) {
  for (const Row& row : kRows) {
    EXPECT_EQ(normalize_answer(row.input), row.expected) << "input: [" << row.input << "]";
  }
}

// Except where a list separator ", " lost its space: "100, 200" -> "100,200" -> "100200" is the
// documented price of the 3-digit-group rule, so such rows are left out.
TEST(NormalizeAnswer, IsIdempotent) {
  for (const Row& row : kRows) {
    if (std::string_view(row.input).find(", ") != std::string_view::npos) continue;
    const std::string once = normalize_answer(row.input);
    EXPECT_EQ(normalize_answer(once), once) << "input: [" << row.input << "]";
  }
}

}  // namespace
}  // namespace rbench::math
