// Answer extraction: think-block removal, then boxed > "####" > a JSON "answer" field > "the
// answer is" > the last math environment > the last number.
#include "scorers/math/answer_extraction.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "scorers/math/latex_parser.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::size_t npos = std::string_view::npos;

// Position of the last `needle` starting strictly before `end`, or npos.
std::size_t find_last_before(std::string_view text, std::string_view needle, std::size_t end) {
  return end == 0 ? npos : text.rfind(needle, end - 1);
}

// Index of the '}' closing the '{' at `open`, scanning no further than `limit`; npos when the
// group does not close there. Escaped braces (\{ \}) are literal set braces, not grouping.
std::size_t matching_brace(std::string_view text, std::size_t open, std::size_t limit) {
  int depth = 0;
  for (std::size_t i = open; i < limit; ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i;
    }
  }
  return npos;
}

std::string last_number(std::string_view text);
std::string clean_phrase_answer(std::string_view s);
std::string answer_of_sentence(std::string phrase);

bool parses(std::string_view candidate) {
  return parse_answer(candidate).ok;
}

// Parses to a value rather than words: "the answer is correct" after a box is commentary.
bool parses_as_math(std::string_view candidate) {
  const Parsed p = parse_answer(candidate);
  return p.ok && p.expr.kind != Kind::text && p.expr.kind != Kind::choice;
}

// A math environment of the text: its content and where it ends.
struct MathEnvironment {
  std::string content;
  std::size_t start = 0;  // of the opening delimiter
  std::size_t end = 0;    // one past the closing delimiter
};

bool only_separators(std::string_view gap);
// At most this many trailing boxes (or math environments) are joined into one answer.
constexpr int kMaxJoinedBoxes = 16;

// "$5 and $7": a '$' before a digit whose partner follows a space is a price, not math.
bool looks_like_currency(std::string_view content) {
  return !content.empty() && is_digit(content.front()) && is_space(content.back());
}

// The math environments of `text` in order: $$..$$ and \[..\] (may span lines), $..$ and
// \(..\) (one line), and a bare \begin{pmatrix}..\end{pmatrix}-style matrix outside them.
// An escaped \$ is a dollar sign. Linear: each delimiter is searched for once from the cursor.
std::vector<MathEnvironment> math_environments(std::string_view text) {
  std::vector<MathEnvironment> out;
  static constexpr std::string_view kMatrices[] = {"pmatrix", "bmatrix", "Bmatrix", "matrix",
                                                   "array"};
  // A closer searched for once in vain is absent from there to the end: later openers of its
  // kind skip the search, so unclosed "\(" repeated many times stays linear.
  std::vector<std::string> exhausted;
  auto absent = [&](std::string_view closer) {
    return std::find(exhausted.begin(), exhausted.end(), closer) != exhausted.end();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    std::string_view close;
    std::size_t open_len = 0;
    bool one_line = false;
    if (c == '$' && (i == 0 || text[i - 1] != '\\')) {
      if (i + 1 < text.size() && text[i + 1] == '$') {
        close = "$$";
        open_len = 2;
      } else {
        close = "$";
        open_len = 1;
        one_line = true;
      }
    } else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '[' || text[i + 1] == '(')) {
      close = text[i + 1] == '[' ? "\\]" : "\\)";
      open_len = 2;
      one_line = text[i + 1] == '(';
    } else if (c == '\\' && text.substr(i).starts_with("\\begin{")) {
      const std::size_t name_end = text.find('}', i + 7);
      const std::string_view name =
          name_end == npos ? std::string_view() : text.substr(i + 7, name_end - i - 7);
      if (std::find(std::begin(kMatrices), std::end(kMatrices), name) != std::end(kMatrices)) {
        const std::string end_tag = "\\end{" + std::string(name) + "}";
        const std::size_t end = absent(end_tag) ? npos : text.find(end_tag, name_end);
        if (end != npos) {
          const std::size_t stop = end + end_tag.size();
          out.push_back({std::string(text.substr(i, stop - i)), i, stop});
          i = stop;
          continue;
        }
        if (!absent(end_tag)) exhausted.push_back(end_tag);
      }
      ++i;
      continue;
    } else {
      ++i;
      continue;
    }
    const std::size_t start = i + open_len;
    std::size_t end = absent(close) ? npos : text.find(close, start);
    // Inline dollars: skip escaped \$ inside ("\$ = \frac{10}{9}").
    while (end != npos && close == "$" && text[end - 1] == '\\') end = text.find(close, end + 1);
    if (end == npos) {
      if (!absent(close)) exhausted.emplace_back(close);
      i = start;
      continue;
    }
    const std::string_view content = text.substr(start, end - start);
    if (one_line && content.find('\n') != npos) {
      i = start;  // not a pair: the next '$' may open a real one
      continue;
    }
    if (close == "$" && looks_like_currency(content)) {
      i = start;  // "$5 and $x$": the second '$' may open math
      continue;
    }
    out.push_back({std::string(trim(content)), i, end + close.size()});
    i = end + close.size();
  }
  return out;
}

// The last environment whose content reads as math (a few tried, from the end), with the
// environments just before it that only separators part from it ("$x = 2$ or $x = -2$"), joined
// with ", " as one answer in parts.
std::optional<MathEnvironment> last_math_environment(std::string_view text) {
  auto envs = math_environments(text);
  constexpr int kTried = 8;
  auto usable = [&](const MathEnvironment& e) { return !e.content.empty() && parses(e.content); };
  std::size_t last = envs.size();
  for (std::size_t k = envs.size(); k > 0 && envs.size() - k < kTried; --k) {
    if (usable(envs[k - 1])) {
      last = k - 1;
      break;
    }
  }
  if (last == envs.size()) return std::nullopt;
  std::size_t first = last;
  while (
      first > 0 && last - first + 1 < kMaxJoinedBoxes &&
      only_separators(text.substr(envs[first - 1].end, envs[first].start - envs[first - 1].end)) &&
      usable(envs[first - 1])) {
    --first;
  }
  MathEnvironment out = std::move(envs[last]);
  for (std::size_t k = last; k-- > first;) out.content = envs[k].content + ", " + out.content;
  out.start = envs[first].start;
  return out;
}

// Whether the backslash at `i` starts a LaTeX command that a JSON reader would take for an
// escape: \frac, \beta, \times, \right read as form feed, backspace, tab and carriage return,
// which no model means before a letter. "\n" before a letter stays a line break ("\nThe answer").
bool latex_command_at(std::string_view text, std::size_t i) {
  if (i + 2 >= text.size() || std::string_view("bftr").find(text[i + 1]) == npos) return false;
  const char next = text[i + 2];
  return (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z');
}

// {"reasoning": ..., "answer": ...} in a fenced ```json block (the last one), or as the whole
// visible text: the answer field, a string or a number.
std::string json_answer(std::string_view text) {
  std::string_view body;
  if (const std::size_t fence = text.rfind("```json"); fence != npos) {
    const std::size_t start = fence + 7;
    const std::size_t end = text.find("```", start);
    body = text.substr(start, end == npos ? npos : end - start);
  } else {
    body = trim(text);
    if (!body.starts_with('{') || !body.ends_with('}')) return {};
  }
  // Models write raw line breaks inside JSON strings, and LaTeX's backslashes unescaped ("\(",
  // "\frac"); as whitespace and literal backslashes they change nothing but the reasoning text,
  // and the strict reader would refuse the whole object (36 of o1-mini's 1319 ZeroEval GSM8K
  // replies).
  std::string lenient;
  lenient.reserve(body.size() + 16);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (static_cast<unsigned char>(c) < 0x20) {
      lenient.push_back(' ');
    } else if (c == '\\' && i + 1 < body.size() && !latex_command_at(body, i) &&
               std::string_view("\"\\/bfnrtu").find(body[i + 1]) != npos) {
      lenient.append(body.substr(i, 2));  // a valid escape, kept whole
      ++i;
    } else if (c == '\\') {
      lenient.append("\\\\");
    } else {
      lenient.push_back(c);
    }
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseTrailingCommasFlag | rapidjson::kParseCommentsFlag>(lenient.data(),
                                                                                 lenient.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  const auto it = doc.FindMember("answer");
  if (it == doc.MemberEnd()) return {};
  const rapidjson::Value& v = it->value;
  if (v.IsString()) {
    return answer_of_sentence(
        clean_phrase_answer(std::string_view(v.GetString(), v.GetStringLength())));
  }
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsNumber()) return fmt::format("{}", v.GetDouble());
  return {};
}

// What follows "the answer is": a $...$ / \(...\) / \[...\] group when the answer starts with
// one, else the rest of the line up to the end of the sentence.
std::string_view answer_after_phrase(std::string_view rest) {
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '*')) ++i;
  // "Answer:\n\n42": the answer is on the next non-blank line.
  while (i < rest.size() && is_space(rest[i])) ++i;
  rest.remove_prefix(i);
  static constexpr std::pair<std::string_view, std::string_view> kDelimiters[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (const auto& [open, close] : kDelimiters) {
    if (!rest.starts_with(open)) continue;
    const std::size_t end = rest.find(close, open.size());
    if (end != npos) return rest.substr(open.size(), end - open.size());
    break;
  }
  rest = rest.substr(0, rest.find('\n'));
  // End of sentence: a period followed by a space ("is 3.5. I hope" keeps 3.5).
  if (const std::size_t stop = rest.find(". "); stop != npos) rest = rest.substr(0, stop);
  return rest;
}

// Trailing punctuation and markdown emphasis that ends a sentence, not the answer.
std::string clean_phrase_answer(std::string_view s) {
  s = trim(s);
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    for (std::string_view tail : {".", "**", "*", "$", "\\)", "\\]", "\\\"", "\""}) {
      if (s.ends_with(tail)) {
        s.remove_suffix(tail.size());
        s = trim(s);
        changed = true;
      }
    }
    for (std::string_view head : {"**", "*", "$", "\\\"", "\""}) {
      if (s.starts_with(head)) {
        s.remove_prefix(head.size());
        s = trim(s);
        changed = true;
      }
    }
  }
  return std::string(s);
}

std::string hashes_answer(std::string_view text) {
  const std::size_t pos = text.rfind("####");
  if (pos == npos) return {};
  std::string_view rest = text.substr(pos + 4);
  return clean_phrase_answer(rest.substr(0, rest.find('\n')));
}

// What a stated answer says: itself when it reads as math, else, for a sentence ("The largest
// $n$ is 34.", "John pays $31,800 per year."), what follows its last " is ", else its last $..$,
// else its last number.
std::string answer_of_sentence(std::string phrase) {
  if (phrase.empty() || parses(phrase)) return phrase;
  if (const std::size_t is = phrase.rfind(" is "); is != npos) {
    std::string after = clean_phrase_answer(std::string_view(phrase).substr(is + 4));
    if (!after.empty() && parses(after)) return after;
  }
  if (auto env = last_math_environment(phrase); env && !env->content.empty()) {
    return env->content;
  }
  if (std::string n = last_number(phrase); !n.empty()) return n;
  return phrase;
}

// Where the last final-answer phrase ends ("the answer is", "final answer is", "Final Answer:",
// "**Answer:**", "**Answer**:", "Answer:"); npos if there is none.
std::size_t last_phrase_end(std::string_view text) {
  // Grading is a few microseconds an answer: skip the regex when no "answer" can be there.
  if (text.find("nswer") == npos && text.find("NSWER") == npos) return npos;
  static const RE2 kPhrase(
      R"((?i)\b(?:final\s+)?answer(?:\s*\*\*)?\s*(?:\bis\b\s*:?|:)(?:\s*\*\*)?)");
  re2::StringPiece input(text.data(), text.size());
  std::size_t last_end = npos;
  while (RE2::FindAndConsume(&input, kPhrase)) {
    last_end = static_cast<std::size_t>(input.data() - text.data());
  }
  return last_end;
}

// The answer stated after the phrase that ends at `phrase_end`.
std::string answer_after(std::string_view text, std::size_t phrase_end) {
  return answer_of_sentence(clean_phrase_answer(answer_after_phrase(text.substr(phrase_end))));
}

std::string answer_is_answer(std::string_view text) {
  const std::size_t end = last_phrase_end(text);
  return end == npos ? std::string() : answer_after(text, end);
}

std::string last_number(std::string_view text) {
  // Mixed numbers ("4 4/9"), fractions, numbers with thousands separators (commas, or spaces:
  // "1 000"), "1,22" (a decimal comma to the equivalence, a list otherwise), decimals, integers,
  // ".5"; leftmost-first alternation so "1,234" is one number.
  static const RE2 kNumber(
      R"((\d+ \d+/\d+|\d+/\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,(?:\d{1,2}|\d{4,})\b|\d{1,3}(?: \d{3})+\b(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))");
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  std::size_t start = npos;
  std::size_t length = 0;
  while (RE2::FindAndConsume(&input, kNumber, &match)) {
    start = static_cast<std::size_t>(match.data() - text.data());
    length = match.size();
  }
  if (start == npos) return {};
  // A minus sign makes it negative unless it is a hyphen between words or a range ("3-5").
  if (start > 0 && text[start - 1] == '-' &&
      (start == 1 || !std::isalnum(static_cast<unsigned char>(text[start - 2])))) {
    --start;
    ++length;
  }
  return std::string(text.substr(start, length));
}

}  // namespace

std::string_view to_string(ExtractionRule rule) {
  switch (rule) {
    case ExtractionRule::boxed:
      return "boxed";
    case ExtractionRule::several_boxed:
      return "several boxed";
    case ExtractionRule::hashes:
      return "####";
    case ExtractionRule::json_answer:
      return "json answer";
    case ExtractionRule::answer_is:
      return "answer is";
    case ExtractionRule::math_env:
      return "math env";
    case ExtractionRule::whole_text:
      return "whole text";
    case ExtractionRule::last_number:
      return "last number";
    case ExtractionRule::none:
      break;
  }
  return "none";
}

std::string strip_think(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  // Next tag positions are cached so that a text with thousands of tags stays linear.
  std::size_t next_open = text.find(kThinkOpen);
  std::size_t next_close = text.find(kThinkClose);
  auto refresh = [&] {
    if (next_open != npos && next_open < pos) next_open = text.find(kThinkOpen, pos);
    if (next_close != npos && next_close < pos) next_close = text.find(kThinkClose, pos);
  };
  while (pos < text.size()) {
    refresh();
    if (next_close != npos && (next_open == npos || next_close < next_open)) {
      out.clear();  // a lone </think>: everything before it was reasoning
      pos = next_close + kThinkClose.size();
      continue;
    }
    if (next_open == npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, next_open - pos));
    pos = next_open + kThinkOpen.size();
    refresh();
    if (next_close == npos) break;  // unterminated: the model was cut off while thinking
    pos = next_close + kThinkClose.size();
  }
  return out;
}

namespace {

struct Box {
  std::string content;
  std::size_t start = 0;  // of the command
  std::size_t end = 0;    // one past the box
};

// The last complete box of `text` (see last_boxed).
std::optional<Box> last_box(std::string_view text) {
  static constexpr std::string_view kCommands[] = {"\\boxed", "\\fbox"};
  std::size_t candidate[2] = {find_last_before(text, kCommands[0], text.size()),
                              find_last_before(text, kCommands[1], text.size())};
  // A box that does not close before `limit` means every earlier box containing it cannot
  // close either, so later scans stop there: the search stays linear in the text length.
  std::size_t limit = text.size();
  while (candidate[0] != npos || candidate[1] != npos) {
    const int k =
        (candidate[1] != npos && (candidate[0] == npos || candidate[1] > candidate[0])) ? 1 : 0;
    const std::size_t start = candidate[k];
    candidate[k] = find_last_before(text, kCommands[k], start);
    std::size_t i = start + kCommands[k].size();
    const std::size_t after_command = i;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i < text.size() && text[i] == '{') {
      const std::size_t close = matching_brace(text, i, limit);
      if (close == npos) {
        limit = start;
        continue;
      }
      const std::string_view content = trim(text.substr(i + 1, close - i - 1));
      if (!content.empty()) return Box{std::string(content), start, close + 1};
    } else if (i > after_command) {  // "\boxed 5$": the token up to a space or '$'
      std::size_t end = i;
      while (end < text.size() && text[end] != '$' && !is_space(text[end])) ++end;
      if (end > i) return Box{std::string(text.substr(i, end - i)), start, end};
    }
    // "\boxedsomething" is another command; an empty box is no answer: look further back.
  }
  return std::nullopt;
}

// Boxes of one final answer given in parts ("$\boxed{2}$ and $\boxed{-2}$"): nothing but
// math delimiters, punctuation, spacing and "and"/"or" between them.
bool only_separators(std::string_view gap) {
  // Connectives of a multi-part answer ("\boxed{(3,3)} \text{ for part (a) and } \boxed{(1,1)}"),
  // never a sentence: "\boxed{1} is wrong, so \boxed{2}" is one answer, the last.
  static const RE2 kSeparators(
      R"((?:\s|[$,;]|\\[(),;\[\]]|\\quad|\\qquad|\\text\{(?:\s|[,;.:]|\band\b|\bor\b|\bfor\b|\bparts?\b|\brespectively\b|\([a-z0-9]\))*\}|\band\b|\bor\b|\bfor\b|\bparts?\b|\([a-z0-9]\))*)");
  return RE2::FullMatch(re2::StringPiece(gap.data(), gap.size()), kSeparators);
}

}  // namespace

std::string last_boxed(std::string_view text) {
  auto box = last_box(text);
  return box ? std::move(box->content) : std::string();
}

namespace {

// final_boxes, with where the last box ends (npos when there is none).
std::vector<std::string> final_boxes(std::string_view text, std::size_t& last_end) {
  std::vector<std::string> out;
  auto box = last_box(text);
  last_end = box ? box->end : npos;
  if (!box) return out;
  out.push_back(box->content);
  for (std::size_t start = box->start; static_cast<int>(out.size()) < kMaxJoinedBoxes;) {
    auto previous = last_box(text.substr(0, start));
    if (!previous || !only_separators(text.substr(previous->end, start - previous->end))) break;
    out.insert(out.begin(), previous->content);
    start = previous->start;
  }
  // The same answer boxed twice is one answer.
  if (std::all_of(out.begin(), out.end(), [&](const std::string& c) { return c == out[0]; })) {
    out.resize(1);
  }
  return out;
}

Extraction boxed_answer(std::string_view visible, std::size_t& last_end) {
  using Rule = ExtractionRule;
  auto boxes = final_boxes(visible, last_end);
  if (boxes.size() == 1) return {std::move(boxes[0]), Rule::boxed};
  if (boxes.empty()) return {};
  std::string joined;
  for (const auto& b : boxes) joined += (joined.empty() ? "" : ", ") + b;
  return {std::move(joined), Rule::several_boxed, std::move(boxes)};
}

}  // namespace

std::vector<std::string> final_boxes(std::string_view text) {
  std::size_t last_end = npos;
  return final_boxes(text, last_end);
}

// Longest response read as a whole answer: past that it is prose, not one expression.
constexpr std::size_t kMaxWholeAnswer = 400;

Extraction extract_marked_answer(std::string_view text) {
  using Rule = ExtractionRule;
  std::size_t box_end = npos;
  if (Extraction e = boxed_answer(text, box_end); e.rule != Rule::none) return e;
  if (std::string s = hashes_answer(text); !s.empty()) return {std::move(s), Rule::hashes};
  if (std::string s = answer_is_answer(text); !s.empty()) return {std::move(s), Rule::answer_is};
  return {};
}

Extraction extract_answer(std::string_view response) {
  const std::string visible = strip_think(response);
  using Rule = ExtractionRule;
  std::size_t box_end = npos;
  if (Extraction e = boxed_answer(visible, box_end); e.rule != Rule::none) {
    // "... = \boxed{255}. ... Final Answer: The final answer is $10,455$.": a final-answer
    // phrase after the last box is the later, final word. Only the text after the box is
    // searched: the usual "The answer is $\boxed{5}$." leaves "$." to look at.
    const std::size_t tail_end = last_phrase_end(std::string_view(visible).substr(box_end));
    if (tail_end == npos) return e;
    std::string phrase = answer_after(visible, box_end + tail_end);
    if (!phrase.empty() && parses_as_math(phrase)) return {std::move(phrase), Rule::answer_is};
    return e;
  }
  if (std::string s = hashes_answer(visible); !s.empty()) return {std::move(s), Rule::hashes};
  if (std::string s = json_answer(visible); !s.empty()) return {std::move(s), Rule::json_answer};
  if (std::string s = answer_is_answer(visible); !s.empty()) return {std::move(s), Rule::answer_is};
  // The last math environment, unless a plain number is written after it ("we get $y = 2$,
  // so there are 12 marbles in all"): whichever comes last is the final answer.
  std::string number = last_number(visible);
  if (auto env = last_math_environment(visible)) {
    const std::size_t number_at = number.empty() ? npos : visible.rfind(number);
    if (number_at == npos || number_at < env->end) {
      return {std::move(env->content), Rule::math_env};
    }
  }
  // A response that is nothing but math ("\frac{10}{9}", "x^2 + 1") is its own answer; a plain
  // number or a sentence is left to the last-number rule.
  if (const std::string_view whole = trim(visible);
      whole.find_first_of("\\^_{+*/=()[]<>%") != npos && whole.size() <= kMaxWholeAnswer &&
      parses(whole)) {
    return {std::string(whole), Rule::whole_text};
  }
  if (!number.empty()) return {std::move(number), Rule::last_number};
  return {};
}

}  // namespace rbench::math
