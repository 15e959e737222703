#include "harness/serve/mock_reply.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace rbench::mock {
namespace {

// Numbers as a reader would see them: "1,250" is one number, "3, 5" two, "-4" negative.
std::vector<std::string> numbers_in(std::string_view text) {
  static const std::regex number(R"((^|[^\d.,])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?))");
  std::vector<std::string> found;
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), number); it != std::sregex_iterator();
       ++it) {
    found.push_back((*it)[2].str());
  }
  return found;
}

double value_of(std::string number) {
  std::erase(number, ',');
  // strtod, not stod: a number of 300 digits is +inf here, not an uncaught out_of_range
  // (found by fuzz_serve_request).
  return std::strtod(number.c_str(), nullptr);
}

std::string format_number(double x) {
  if (std::abs(x - std::round(x)) < 1e-9 && std::abs(x) < 1e15) {
    return fmt::format("{}", static_cast<long long>(std::llround(x)));
  }
  return fmt::format("{:.10g}", x);
}

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// The header starting at `s` ("def" or "async def" at the start of a line), as far as its
// closing ':'; brackets are balanced so that defaults and annotations may hold ( [ { and ':'.
std::optional<std::string_view> header_at(std::string_view s) {
  const std::string_view start = s;
  if (s.starts_with("async ")) s = skip_blanks(s.substr(6));
  if (!s.starts_with("def ")) return std::nullopt;
  s = skip_blanks(s.substr(4));
  std::size_t n = 0;
  while (n < s.size() && is_identifier_char(s[n])) ++n;
  if (n == 0 || std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  s = skip_blanks(s.substr(n));
  if (!s.starts_with('(')) return std::nullopt;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth < 0) return std::nullopt;
    if (c == ':' && depth == 0) {
      return start.substr(0, static_cast<std::size_t>(s.data() - start.data()) + i + 1);
    }
    if (c == '\n' && depth == 0) return std::nullopt;  // "def f(x)" and no ':' on its line
  }
  return std::nullopt;
}

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  const auto it = std::search(
      text.begin(), text.end(), needle.begin(), needle.end(),
      [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  return it != text.end();
}

// The "import x" and "from x import y" lines of `text`, so that the baseline's function runs
// (and fails on its tests) rather than stopping at a NameError for `List`.
std::string import_lines(std::string_view text) {
  std::string out;
  for (std::size_t line = 0; line < text.size();) {
    std::size_t eol = text.find('\n', line);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view l = text.substr(line, eol - line);
    if (l.starts_with("import ") || (l.starts_with("from ") && l.find(" import ") != l.npos)) {
      out.append(l).push_back('\n');
    }
    line = eol + 1;
  }
  return out;
}

}  // namespace

std::optional<PythonHeader> last_python_header(std::string_view text) {
  std::optional<PythonHeader> found;
  for (std::size_t line = 0; line < text.size();) {
    std::size_t eol = text.find('\n', line);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view rest = skip_blanks(text.substr(line));
    if (const auto header = header_at(rest)) {
      const std::size_t def = static_cast<std::size_t>(rest.data() - text.data());
      std::string_view name = skip_blanks(header->substr(header->find("def ") + 4));
      name = name.substr(0, name.find_first_of(" \t("));
      found = PythonHeader{std::string(name), std::string(*header),
                           std::string(text.substr(line, def - line))};
    }
    line = eol + 1;
  }
  return found;
}

bool asks_for_python(std::string_view question) {
  return contains_ignoring_case(question, "```python") ||
         contains_ignoring_case(question, "python function");
}

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  const auto space = [&](std::size_t k) {
    return std::isspace(static_cast<unsigned char>(text[k]));
  };
  while (i < text.size() && space(i)) ++i;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && !space(i)) ++i;
    while (i < text.size() && space(i)) ++i;
    tokens.emplace_back(text.substr(start, i - start));
  }
  return tokens;
}

std::string reasoning_text(std::string_view question) {
  if (asks_for_python(question)) {
    const auto header = last_python_header(question);
    return header ? fmt::format(
                        "The question asks for the Python function {}. I will return "
                        "None and hope the tests accept it.",
                        header->name)
                  : "The question asks for Python code but gives no function header, so I "
                    "will write nothing.";
  }
  const auto numbers = numbers_in(question);
  if (numbers.empty()) return "There are no numbers in the question, so I will guess 0.";
  if (numbers.size() == 1) {
    return fmt::format("The numbers in the question are {}. That is the answer.", numbers[0]);
  }
  double sum = 0;
  for (const auto& n : numbers) sum += value_of(n);
  const std::string last = numbers.back();
  const std::vector<std::string> head(numbers.begin(), numbers.end() - 1);
  return fmt::format("The numbers in the question are {} and {}. Adding them: {} = {}.",
                     fmt::join(head, ", "), last, fmt::join(numbers, " + "), format_number(sum));
}

namespace {

std::string sum_answer(std::string_view question) {
  double sum = 0;
  for (const auto& n : numbers_in(question)) sum += value_of(n);
  return fmt::format("The answer is \\boxed{{{}}}.", format_number(sum));
}

}  // namespace

std::string answer_text(std::string_view question) {
  if (!asks_for_python(question)) return sum_answer(question);
  const auto header = last_python_header(question);
  if (!header) return "```python\npass\n```";
  const auto before = question.substr(0, question.rfind(header->text));
  return fmt::format("```python\n{}{}{}\n{}    return None\n```", import_lines(before),
                     header->indent, header->text, header->indent);
}

namespace {

// A chat reply of `reasoning` then `answer`, sent as `style` sends reasoning, cut at max_tokens.
Reply assemble(const std::string& reasoning, const std::string& answer, MockReasoningStyle style,
               std::optional<long> max_tokens) {
  Reply reply;
  const auto add = [&](std::string_view text, bool is_reasoning) {
    for (auto& t : split_tokens(text)) reply.tokens.push_back({std::move(t), is_reasoning});
  };
  switch (style) {
    case MockReasoningStyle::reasoning_content:
    case MockReasoningStyle::reasoning:
      add(reasoning, true);
      add(answer, false);
      reply.reasoning_tokens = static_cast<long>(split_tokens(reasoning).size());
      break;
    case MockReasoningStyle::think_tags:
      // Tags and working travel in the content; the client has to split them out.
      add("<think>\n" + reasoning + "\n</think>\n\n", false);
      add(answer, false);
      reply.reasoning_tokens = static_cast<long>(split_tokens(reasoning).size()) + 2;
      break;
    case MockReasoningStyle::none:
      add(reasoning + " " + answer, false);
      break;
  }
  reply.finish_reason = "stop";
  if (max_tokens && static_cast<long>(reply.tokens.size()) > *max_tokens) {
    reply.tokens.resize(static_cast<std::size_t>(std::max(0L, *max_tokens)));
    reply.finish_reason = "length";
    long reasoning_sent = 0;
    for (const auto& t : reply.tokens) reasoning_sent += t.reasoning ? 1 : 0;
    if (style != MockReasoningStyle::think_tags) reply.reasoning_tokens = reasoning_sent;
    reply.reasoning_tokens = std::min(reply.reasoning_tokens, *max_tokens);
  }
  return reply;
}

}  // namespace

Reply make_reply(std::string_view question, MockReasoningStyle style,
                 std::optional<long> max_tokens) {
  return assemble(reasoning_text(question), answer_text(question), style, max_tokens);
}

std::string_view length_verdict(std::size_t length_a, std::size_t length_b) {
  const bool a_longer = length_a > length_b;
  const std::size_t longer = std::max(length_a, length_b);
  const std::size_t shorter = std::min(length_a, length_b);
  // Whole numbers only, so that a ratio of exactly 2 or 1.2 is never lost to rounding.
  if (longer >= 2 * shorter && longer > 0) return a_longer ? "A>>B" : "B>>A";
  if (5 * longer >= 6 * shorter && longer > shorter) return a_longer ? "A>B" : "B>A";
  return "A=B";
}

std::string judge_reasoning_text(const judge::JudgePromptParts& game) {
  return fmt::format(
      "Assistant A's answer is {} bytes long and assistant B's {}. I prefer the longer one.",
      game.answer_a.size(), game.answer_b.size());
}

std::string judge_answer_text(const judge::JudgePromptParts& game, bool asked_again) {
  const bool refuse = game.question.find(kJudgeRefuseMarker) != std::string::npos;
  const bool garbage = game.question.find(kJudgeGarbageMarker) != std::string::npos;
  if (refuse) return "I would rather not judge these two answers.";
  const std::string_view label = length_verdict(game.answer_a.size(), game.answer_b.size());
  // Asked again, the judge does as the follow-up asks: the label alone.
  if (asked_again) return fmt::format("[[{}]]", label);
  const std::string mine = fmt::format("My own answer: {}", answer_text(game.question));
  const std::string lengths =
      fmt::format("Evaluation: assistant A's answer is {} bytes long and assistant B's {}.",
                  game.answer_a.size(), game.answer_b.size());
  if (garbage) {
    return fmt::format("{}\n\n{} Both have their merits, and I cannot decide between them.", mine,
                       lengths);
  }
  std::string judgment;
  if (label == "A=B") {
    judgment = "They are about as long, so neither is more thorough: a tie.";
  } else {
    const char winner = label.front();
    judgment =
        fmt::format("The longer answer, {}'s, is {} more thorough: assistant {} is {} better.",
                    winner, label.size() == 4 ? "much" : "somewhat", winner,
                    label.size() == 4 ? "significantly" : "slightly");
  }
  return fmt::format("{}\n\n{} {}\n\nMy final verdict: [[{}]]", mine, lengths, judgment, label);
}

Reply make_judge_reply(const judge::JudgePromptParts& game, bool asked_again,
                       MockReasoningStyle style, std::optional<long> max_tokens) {
  return assemble(judge_reasoning_text(game), judge_answer_text(game, asked_again), style,
                  max_tokens);
}

std::string continuation_text(std::string_view prompt) {
  if (const auto header = last_python_header(prompt)) {
    const std::string_view newline = prompt.ends_with('\n') ? "" : "\n";
    return fmt::format(
        "{}{}    return None\n\n\n{}if __name__ == \"__main__\":\n{}    print({}())\n", newline,
        header->indent, header->indent, header->indent, header->name);
  }
  const bool spaced = !prompt.empty() && std::isspace(static_cast<unsigned char>(prompt.back()));
  return fmt::format("{}{}\n", spaced ? "" : " ", sum_answer(prompt));
}

Reply make_text_reply(std::string_view prompt, const std::vector<std::string>& stop,
                      std::optional<long> max_tokens) {
  Reply reply;
  reply.finish_reason = "stop";
  std::string text = continuation_text(prompt);
  std::size_t cut = std::string::npos;
  for (const auto& s : stop) {
    if (!s.empty()) cut = std::min(cut, text.find(s));
  }
  if (cut != std::string::npos) text.resize(cut);
  // split_tokens drops leading whitespace; a continuation's indentation is part of its text.
  std::size_t lead = 0;
  while (lead < text.size() && std::isspace(static_cast<unsigned char>(text[lead]))) ++lead;
  for (auto& t : split_tokens(text)) reply.tokens.push_back({std::move(t), false});
  if (lead > 0) {
    if (reply.tokens.empty()) reply.tokens.push_back({{}, false});
    reply.tokens.front().text.insert(0, text.substr(0, lead));
  }
  if (max_tokens && static_cast<long>(reply.tokens.size()) > *max_tokens) {
    reply.tokens.resize(static_cast<std::size_t>(std::max(0L, *max_tokens)));
    reply.finish_reason = "length";
  }
  return reply;
}

const char* reasoning_field(MockReasoningStyle style) {
  return style == MockReasoningStyle::reasoning ? "reasoning" : "reasoning_content";
}

std::string joined_text(const Reply& reply, bool reasoning) {
  std::string text;
  for (const auto& t : reply.tokens) {
    if (t.reasoning == reasoning) text += t.text;
  }
  return text;
}

wire::Usage usage_of(const Reply& reply, long prompt_tokens, bool details) {
  wire::Usage u{prompt_tokens, static_cast<std::int64_t>(reply.tokens.size()), std::nullopt};
  if (details) u.reasoning_tokens = reply.reasoning_tokens;
  return u;
}

void extend_reply(Reply& reply, long min_tokens, std::optional<long> max_tokens, bool ignore_eos) {
  long target = min_tokens;
  if (ignore_eos && max_tokens) target = std::max(target, *max_tokens);
  if (max_tokens) target = std::min(target, *max_tokens);
  static constexpr std::string_view kFiller[] = {"and ", "the ", "next ", "word ", "is ", "here "};
  std::size_t k = 0;
  while (static_cast<long>(reply.tokens.size()) < target) {
    reply.tokens.push_back({std::string(kFiller[k++ % std::size(kFiller)]), false});
  }
  if (ignore_eos && max_tokens && static_cast<long>(reply.tokens.size()) >= *max_tokens) {
    reply.finish_reason = "length";
  }
}

}  // namespace rbench::mock
