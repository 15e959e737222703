// Finding the final answer in a model's free-form response: the rules every math suite shares
// (boxed, GSM8K's "####", a JSON answer field, "the answer is", the last math environment, the
// last number), applied after reasoning is dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rbench::math {

// Which rule found the answer. The names are stored with every score (Score::method).
enum class ExtractionRule {
  boxed,
  several_boxed,
  hashes,
  json_answer,
  answer_is,
  math_env,
  whole_text,
  last_number,
  none
};

// "boxed", "several boxed", "####", "json answer", "answer is", "math env", "whole text",
// "last number".
std::string_view to_string(ExtractionRule rule);

struct Extraction {
  std::string text;  // the answer as written (trimmed); "" when rule == none
  ExtractionRule rule = ExtractionRule::none;
  std::vector<std::string> parts;  // several_boxed: each box's content, in order
};

// Removes reasoning a server left inline: every <think>...</think> block, an unterminated
// <think>... tail (the model was cut off while thinking), and everything before a </think> that
// has no opening tag (some chat templates put the opening tag in the prompt).
std::string strip_think(std::string_view text);

// The content of the last complete \boxed{...} (or \fbox{...}, or "\boxed 5"), braces nested;
// "" when there is none. A box cut off by truncation is skipped in favour of an earlier one.
std::string last_boxed(std::string_view text);

// The contents of the final answer's boxes: the last box, with the boxes just before it when
// nothing but punctuation, spacing, math delimiters and "and"/"or" separates them ("$\\boxed{2}$
// and $\\boxed{-2}$" gives {"2", "-2"}); one entry when they all say the same; empty when there
// is no box.
std::vector<std::string> final_boxes(std::string_view text);

// The answer in `response`, after strip_think, trying in order:
//   1. the last box (several final boxes joined with ", ": rule several_boxed);
//   2. "#### N";
//   3. the "answer" field of a ```json block {"reasoning": ..., "answer": ...} (or of a response
//      that is that JSON object);
//   4. the last "the answer is X" / "Final Answer: X" / "**Answer:** X"; when X is a sentence
//      rather than math, what follows its last " is ", else its last $..$, else its last number
//      ("Final Answer: The largest $n$ is 34." gives 34);
//   5. the last math environment ($..$, $$..$$, \(..\), \[..\], a bare \begin{pmatrix}..) whose
//      content parses, with those before it that only separators part from it ("$x = 2$ or
//      $x = -2$" gives "x = 2, x = -2"), unless a plain number is written after it ("we get
//      $y = 2$, so there are 12 marbles": then 7). Inline $..$ and
//      \(..\) stay on one line; "$5 and $7" are prices, not math;
//   6. the whole response, when it is nothing but math ("\frac{10}{9}", "11 + 4/9", "(3, 4)",
//      "28%": a command or an operator, bracket or '%' in it, and it parses);
//   7. the last number ("1,234" and "1 234" are one number, "4 4/9" a mixed number).
// A final-answer phrase written after the last box overrides the box ("\boxed{255} ... Final
// Answer: The final answer is $10,455$").
// Never throws on odd input; linear in the response apart from parsing at most a few short
// candidates.
Extraction extract_answer(std::string_view response);

// Only the rules by which a text marks its final answer on purpose: boxes, "#### N", "the answer
// is X". For references that are worked solutions; rule none when the text marks nothing.
Extraction extract_marked_answer(std::string_view text);

}  // namespace rbench::math
