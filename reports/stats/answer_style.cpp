// Style counts as arena-hard-auto's utils/add_markdown_info.py takes them: fenced code blocks
// are removed before the markdown elements are counted (so a "# comment" in code is no header),
// while the length covers the whole answer.
//
// Length: the published figure is tiktoken's token count (the gpt-4o encoding). We estimate it as
// Unicode code points / 4, the "1 token ~ 4 characters" rule alpaca_eval's authors quote. The
// style-control length feature is the ratio (a - b) / (a + b), in which a constant factor cancels;
// only the markdown densities (count / length) feel the approximation.
#include <cctype>
#include <string>

#include "reports/stats/answer_style.h"

namespace rbench::stats {
namespace {

// Removes ```...``` blocks whose body has no backtick, left to right, like re.findall of
// "```([^`]*)```" followed by replacing each match.
std::string strip_code_blocks(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    std::size_t body = open + 3;
    std::size_t close = body;
    while (close < text.size() && text[close] != '`') ++close;
    if (text.substr(close, 3) == "```") {
      out.append(text.substr(pos, open - pos));
      pos = close + 3;
    } else {
      // No match starting here: keep the first backtick and search again after it.
      out.append(text.substr(pos, open + 1 - pos));
      pos = open + 1;
    }
  }
  if (pos < text.size()) out.append(text.substr(pos));
  return out;
}

// Whether the regex "\s" matches at line[k]; the newline ending the line counts as whitespace.
bool space_at(std::string_view line, std::size_t k, bool newline_follows) {
  if (k == line.size()) return newline_follows;
  return k < line.size() && std::isspace(static_cast<unsigned char>(line[k])) != 0;
}

// "^#{n}\s" for n = 1..6: a line that starts with 1 to 6 '#' followed by whitespace.
bool is_header(std::string_view line, bool newline_follows) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == '#') ++n;
  return n >= 1 && n <= 6 && space_at(line, n, newline_follows);
}

// "^\s*\d+\.\s" or "^\s*[-*+]\s" on a line.
bool is_list_item(std::string_view line, bool newline_follows) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i < line.size() && (line[i] == '-' || line[i] == '*' || line[i] == '+')) {
    return space_at(line, i + 1, newline_follows);
  }
  const std::size_t digits = i;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  return i > digits && i < line.size() && line[i] == '.' && space_at(line, i + 1, newline_follows);
}

// Non-overlapping matches of "MM[^M\n]+MM" where M is the marker character.
int count_bold(std::string_view text, char marker) {
  int count = 0;
  std::size_t pos = 0;
  while (pos + 1 < text.size()) {
    if (text[pos] == marker && text[pos + 1] == marker) {
      std::size_t end = pos + 2;
      while (end < text.size() && text[end] != marker && text[end] != '\n') ++end;
      if (end > pos + 2 && end + 1 < text.size() && text[end] == marker &&
          text[end + 1] == marker) {
        ++count;
        pos = end + 2;
        continue;
      }
    }
    ++pos;
  }
  return count;
}

double code_points(std::string_view text) {
  double n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

}  // namespace

AnswerStyle answer_style(std::string_view answer) {
  AnswerStyle style;
  style.length = code_points(answer) / 4.0;
  const std::string text = strip_code_blocks(answer);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    const bool newline_follows = end < text.size();
    if (is_header(line, newline_follows)) style.headers += 1;
    if (is_list_item(line, newline_follows)) style.lists += 1;
    start = end + 1;
  }
  style.bold = count_bold(text, '*') + count_bold(text, '_');
  return style;
}

}  // namespace rbench::stats
