// Finding the final answer in a model's free-form response: the rules every math suite shares
// (boxed, GSM8K's "####", "the answer is", last number), applied after reasoning is dropped.
#pragma once

#include <string>
#include <string_view>

namespace rbench::math {

// Which rule found the answer. The names are stored with every score (Score::method).
enum class ExtractionRule { boxed, hashes, answer_is, last_number, none };

std::string_view to_string(ExtractionRule rule);  // "boxed", "####", "answer is", ...

struct Extraction {
  std::string text;  // the answer as written (trimmed); "" when rule == none
  ExtractionRule rule = ExtractionRule::none;
};

// Removes reasoning a server left inline: every <think>...</think> block, an unterminated
// <think>... tail (the model was cut off while thinking), and everything before a </think> that
// has no opening tag (some chat templates put the opening tag in the prompt).
std::string strip_think(std::string_view text);

// The content of the last complete \boxed{...} (or \fbox{...}, or "\boxed 5"), braces nested;
// "" when there is none. A box cut off by truncation is skipped in favour of an earlier one.
std::string last_boxed(std::string_view text);

// The answer in `response`, trying in order: last boxed, "#### N", the last "the answer is X" /
// "Final Answer: X" / "**Answer:** X", the last number. Never throws on odd input and runs in
// linear time (RE2 and hand-written scans only).
Extraction extract_answer(std::string_view response);

}  // namespace rbench::math
