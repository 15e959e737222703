// Answer normalisation: a fixed pipeline of small, linear-time passes (see normalize.h).
#include "scorers/math/normalize.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <vector>

#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos).append(to);
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), word) != names.end();
}

// Separators that are thousands markers whatever follows: "1{,}000", "10,\!080", "11,\! 111".
std::string explicit_thousands(std::string s) {
  replace_all(s, "{,}", "");
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, ",\\!") == 0 && !out.empty() && is_digit(out.back())) {
      std::size_t j = i + 3;
      while (j < s.size() && is_space(s[j])) ++j;
      if (j < s.size() && is_digit(s[j])) {
        i = j - 1;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// One pass over LaTeX tokens: unwraps \text{..}-style wrappers, drops math delimiters, sizing
// commands, '$' and '%', turns spacing commands into spaces, \dfrac and \tfrac into \frac.
std::string lexical_pass(std::string_view s) {
  std::string out;
  std::vector<bool> brace_is_wrapper;  // for each open '{': drop its '}'?
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      const std::size_t n = letters_at(s, i + 1);
      if (n == 0) {
        if (i + 1 >= s.size()) break;
        const char d = s[++i];
        if (d == ',' || d == ';' || d == ':' || d == ' ') {
          out += ' ';
        } else if (d != '!' && d != '(' && d != ')' && d != '[' && d != ']' && d != '%' &&
                   d != '$') {
          out += c;
          out += d;
        }
        continue;
      }
      const std::string_view name = s.substr(i + 1, n);
      i += n;
      if (is_one_of(name,
                    {"text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal",
                     "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mbox", "boxed", "fbox"})) {
        std::size_t j = i + 1;
        while (j < s.size() && is_space(s[j])) ++j;
        if (j < s.size() && s[j] == '{') {
          brace_is_wrapper.push_back(true);
          i = j;
        }
      } else if (name == "dfrac" || name == "tfrac") {
        out += "\\frac";
      } else if (is_one_of(name, {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr",
                                  "displaystyle", "textstyle"})) {
        if (i + 1 < s.size() && s[i + 1] == '.') ++i;  // \left. and \right. are invisible
      } else if (name == "quad" || name == "qquad") {
        out += ' ';
      } else {
        out.append(s.substr(i - n, n + 1));
      }
    } else if (c == '{') {
      brace_is_wrapper.push_back(false);
      out += c;
    } else if (c == '}') {
      const bool drop = !brace_is_wrapper.empty() && brace_is_wrapper.back();
      if (!brace_is_wrapper.empty()) brace_is_wrapper.pop_back();
      if (!drop) out += c;
    } else if (c == '~') {
      out += ' ';
    } else if (c != '$' && c != '%') {
      out += c;
    }
  }
  return out;
}

bool is_unit_word(std::string_view word) {
  static constexpr std::array<std::string_view, 62> kUnits = {
      "dollar",      "dollars",    "cent",        "cents",  "cm",          "centimeter",
      "centimeters", "centimetre", "centimetres", "mm",     "millimeters", "meter",
      "meters",      "metre",      "metres",      "km",     "kilometer",   "kilometers",
      "inch",        "inches",     "ft",          "foot",   "feet",        "yard",
      "yards",       "mile",       "miles",       "mph",    "degree",      "degrees",
      "radian",      "radians",    "unit",        "units",  "square",      "sq",
      "cubic",       "hour",       "hours",       "hr",     "hrs",         "minute",
      "minutes",     "min",        "mins",        "second", "seconds",     "sec",
      "kg",          "gram",       "grams",       "pound",  "pounds",      "lb",
      "lbs",         "ounce",      "ounces",      "liter",  "liters",      "litre",
      "litres",      "percent"};
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  });
  return std::find(kUnits.begin(), kUnits.end(), lower) != kUnits.end();
}

// Drops unit words (not command names) with an optional ^2 / ^{3}; keeps the text when
// nothing but units would remain.
std::string remove_units(const std::string& s) {
  std::string out;
  bool removed = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = letters_at(s, i);
    if (n == 0) {
      out += s[i++];
      continue;
    }
    const bool command = i > 0 && s[i - 1] == '\\';
    if (command || !is_unit_word(std::string_view(s).substr(i, n))) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    i += n;
    removed = true;
    for (std::string_view power : {"^{2}", "^{3}", "^2", "^3"}) {
      if (s.compare(i, power.size(), power) == 0) {
        i += power.size();
        break;
      }
    }
  }
  if (!removed) return s;
  const bool has_content =
      std::any_of(out.begin(), out.end(), [](char ch) { return is_digit(ch) || is_alpha(ch); });
  return has_content ? out : s;
}

// "18 eggs" -> "18": a number followed only by plain words.
std::string drop_words_after_number(std::string s) {
  static const RE2 kNumberThenWords(R"(\s*(-?[0-9][0-9.,]*)\s+(?:[A-Za-z]{2,}\s*)+)");
  std::string number;
  if (RE2::FullMatch(s, kNumberThenWords, &number)) return number;
  return s;
}

// Bare commas by the 3-digit-group rule, outside brackets and not followed by a space.
std::string bare_thousands(const std::string& s) {
  std::string out;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    const bool starts_number = is_digit(c) && (i == 0 || (!is_digit(s[i - 1]) && s[i - 1] != '.'));
    if (depth > 0 || !starts_number) {
      out += c;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j - i > 3) {
      out.append(s, i, j - i);
      i = j - 1;
      continue;
    }
    std::size_t end = j;
    int groups = 0;
    while (end + 4 <= s.size() && s[end] == ',' && is_digit(s[end + 1]) && is_digit(s[end + 2]) &&
           is_digit(s[end + 3]) && (end + 4 == s.size() || !is_digit(s[end + 4]))) {
      end += 4;
      ++groups;
    }
    for (std::size_t k = i; k < end; ++k) {
      if (groups == 0 || s[k] != ',') out += s[k];
    }
    i = end - 1;
  }
  return out;
}

// Removes whitespace, keeping one space where a command name meets a letter ("\pi r").
std::string remove_spaces(const std::string& s) {
  std::string out;
  bool after_command = false;
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && after_command && is_alpha(c)) out += ' ';
    pending_space = false;
    if (c == '\\' && letters_at(s, i + 1) > 0) {
      const std::size_t n = letters_at(s, i + 1);
      out.append(s, i, n + 1);
      i += n;
      after_command = true;
      continue;
    }
    after_command = false;
    out += c;
  }
  return out;
}

std::string drop_assignment(std::string s) {
  // "x=5", "\theta=5", "a_1=5", and "x\in[-2,7]" (membership reads the same way).
  static const RE2 kAssignment(
      R"((?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?(?:=|\\in\b)([^=]+))");
  std::string rhs;
  if (RE2::FullMatch(s, kAssignment, &rhs)) return rhs;
  return s;
}

// "2.50" -> "2.5", "3.0" -> "3", "3." -> "3".
std::string drop_trailing_zeros(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (!is_digit(s[i]) || i + 1 >= s.size() || s[i + 1] != '.') continue;
    std::size_t j = i + 2;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j < s.size() && (s[j] == '.' || is_alpha(s[j]))) continue;  // "1.2.3", "1.5e3"
    std::size_t last = j;
    while (last > i + 2 && s[last - 1] == '0') --last;
    if (last > i + 2) out.append(s, i + 1, last - i - 1);
    i = j - 1;
  }
  return out;
}

}  // namespace

std::string normalize_answer(std::string_view answer) {
  std::string s = explicit_thousands(std::string(trim(answer)));
  for (std::string_view degree : {"^{\\circ}", "^\\circ", "\xC2\xB0"}) replace_all(s, degree, "");
  replace_all(s, "\xE2\x88\x92", "-");  // U+2212 MINUS SIGN, common in model output
  s = lexical_pass(s);
  s = drop_words_after_number(remove_units(s));
  s = remove_spaces(bare_thousands(s));
  while (!s.empty() && s.back() == '.') s.pop_back();
  s = drop_trailing_zeros(drop_assignment(std::move(s)));
  // "(B)" -> "B": a multiple-choice letter with or without parentheses.
  if (s.size() == 3 && s[0] == '(' && s[2] == ')' && s[1] >= 'A' && s[1] <= 'Z') s = s.substr(1, 1);
  return s;
}

}  // namespace rbench::math
