// AimeScorer: the math extraction, then a strict integer reading of the answer.
#include "scorers/aime_scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "scorers/math/answer_extraction.h"
#include "scorers/math/text_util.h"

namespace rbench {
namespace {

constexpr int kMaxAimeAnswer = 999;
constexpr std::string_view kText = "\\text{";

// Removes `$`, whitespace and \text{ } wrappers (keeping what they wrap: "\text{70}" -> "70").
// Braces are taken as matched; an unmatched closing brace is simply dropped.
std::string strip_decorations(std::string_view text) {
  std::string out;
  int open_text = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with(kText)) {
      ++open_text;
      i += kText.size() - 1;
      continue;
    }
    const char c = text[i];
    if (c == '}' && open_text > 0) {
      --open_text;
      continue;
    }
    if (c == '$' || math::is_space(c)) continue;
    out += c;
  }
  return out;
}

}  // namespace

AimeInteger parse_aime_integer(std::string_view text) {
  AimeInteger result;
  std::string s = strip_decorations(text);
  if (s.ends_with('.')) s.pop_back();  // "The answer is 70." ends the sentence, not the number
  result.cleaned = s;
  if (s.empty()) {
    result.why_not = "nothing left after stripping $, spaces, \\text{} and a trailing period";
    return result;
  }
  const bool digits_only = std::all_of(s.begin(), s.end(), math::is_digit);
  if (digits_only) {
    const std::size_t first = s.find_first_not_of('0');
    const std::string_view significant =
        first == std::string::npos ? std::string_view() : std::string_view(s).substr(first);
    // More than three significant digits is out of range; checking the length first keeps a
    // long digit string from overflowing.
    if (significant.size() <= 3) {
      int value = 0;
      for (const char c : significant) value = value * 10 + (c - '0');
      result.value = value;
      return result;
    }
    result.why_not =
        fmt::format("'{}' is out of range: AIME answers are integers 0..{}", s, kMaxAimeAnswer);
    return result;
  }
  // Why these are refused rather than converted: an AIME answer sheet takes three digits, so the
  // expected form is a plain integer. A model that writes 70.0 or 7e1 has not committed to that
  // form (it may be a rounded real, a float printed by code it ran, or a guess), and accepting
  // numeric equivalents would make this the "math" scorer under another name. Being strict keeps
  // the verdict the same as a human grader of the contest would give.
  const bool numeric_chars = std::all_of(s.begin(), s.end(), [](char c) {
    return math::is_digit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
  });
  const bool has_digit = std::any_of(s.begin(), s.end(), math::is_digit);
  if (has_digit && (s.front() == '-' || s.front() == '+') && numeric_chars) {
    result.why_not = fmt::format(
        "'{}' has a sign: AIME answers are unsigned integers 0..{}, so a negative (or explicitly "
        "signed) answer is wrong",
        s, kMaxAimeAnswer);
  } else if (has_digit && numeric_chars && s.find_first_of("eE") != std::string::npos) {
    result.why_not = fmt::format(
        "'{}' is in scientific notation: AIME answers are written as plain integers 0..{}, and "
        "an exponent form is not taken as one even when its value is whole",
        s, kMaxAimeAnswer);
  } else if (has_digit && numeric_chars && s.find('.') != std::string::npos) {
    result.why_not = fmt::format(
        "'{}' has a decimal point: AIME answers are plain integers 0..{}, and a decimal is not "
        "taken as one even when its fractional part is zero",
        s, kMaxAimeAnswer);
  } else {
    result.why_not = fmt::format("'{}' is not a plain integer 0..{} (only digits are accepted)", s,
                                 kMaxAimeAnswer);
  }
  return result;
}

Score AimeScorer::score(const std::string& answer, const std::string& reference) const {
  Score s;
  try {
    const math::Extraction extraction = math::extract_answer(answer);
    s.method = std::string(math::to_string(extraction.rule));
    s.extracted = extraction.text;
    if (extraction.rule == math::ExtractionRule::none) {
      s.detail = "no answer found";
      return s;
    }
    const AimeInteger want = parse_aime_integer(reference);
    if (!want.value) {
      s.detail = fmt::format("the reference is not an AIME integer: {}", want.why_not);
      return s;
    }
    const AimeInteger got = parse_aime_integer(extraction.text);
    if (!got.value) {
      s.detail = fmt::format("not an integer answer: {}", got.why_not);
      return s;
    }
    s.correct = *got.value == *want.value;
    s.value = s.correct ? 1 : 0;
    s.detail = fmt::format("integer {} vs reference {}: {}", *got.value, *want.value,
                           s.correct ? "equal" : "different");
  } catch (const std::exception& e) {
    // Only resource exhaustion can get here; a score of 0 with the reason beats a dead run.
    s.correct = false;
    s.value = 0;
    s.detail = fmt::format("scoring failed: {}", e.what());
  }
  return s;
}

}  // namespace rbench
