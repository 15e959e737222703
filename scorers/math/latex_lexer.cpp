// The lexer of LaTeX and plain-text math answers (see latex_lexer.h). Linear: every character is
// looked at a bounded number of times (wrappers and subscripts find their closing brace through
// match_braces in O(1)).
//
// Over 500 lines on purpose: one class, whose productions share the cursor, the bracket depth
// and the open wrappers; splitting it would spread that state across files.
#include "scorers/math/latex_lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <tuple>
#include <utility>

#include "scorers/math/latex_names.h"
#include "scorers/math/text_util.h"

namespace rbench::math::detail {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Function names recognised in plain text ("sqrt(2)", "ln 2"); "sec" and "min" are units there.
bool is_plain_function(std::string_view name) {
  return name != "sec" && is_function_command(name);
}

// Unit words are dropped after a quantity (with a following ^2 or ^3).
bool is_unit(std::string_view word) {
  return one_of(lower(word),
                {"dollar",      "dollars",    "cent",        "cents",  "cm",          "centimeter",
                 "centimeters", "centimetre", "centimetres", "mm",     "millimeters", "meter",
                 "meters",      "metre",      "metres",      "km",     "kilometer",   "kilometers",
                 "inch",        "inches",     "ft",          "foot",   "feet",        "yard",
                 "yards",       "mile",       "miles",       "mph",    "degree",      "degrees",
                 "radian",      "radians",    "unit",        "units",  "square",      "sq",
                 "cubic",       "hour",       "hours",       "hr",     "hrs",         "minute",
                 "minutes",     "min",        "mins",        "second", "seconds",     "sec",
                 "kg",          "gram",       "grams",       "pound",  "pounds",      "lb",
                 "lbs",         "ounce",      "ounces",      "liter",  "liters",      "litre",
                 "litres"});
}

// What a command name means to the lexer: one table, so that "is this a command we know" (for
// double-escaped text, "\\\\frac") and lexing it agree.
struct Command {
  enum What {
    token,
    invisible,
    text_wrapper,
    math_wrapper,
    box,
    sized_delimiter,
    operator_name,
    environment,
    unknown
  } what = unknown;
  Tok kind = Tok::end;
  std::string_view text;
};

Command classify_command(std::string_view name) {
  auto token = [](Tok kind, std::string_view text = {}) {
    return Command{Command::token, kind, text};
  };
  if (one_of(name, {"frac", "dfrac", "tfrac", "cfrac"})) return token(Tok::frac);
  if (name == "sqrt") return token(Tok::sqrt);
  if (one_of(name, {"binom", "dbinom", "tbinom"})) return token(Tok::binom);
  if (name == "pi") return token(Tok::constant, "pi");
  if (name == "infty") return token(Tok::constant, "infty");
  if (is_greek(name)) return token(Tok::greek, name);
  if (is_function_command(name)) return token(Tok::func, name);
  if (name == "cdot" || name == "ast") return token(Tok::cdot);
  if (name == "times") return token(Tok::times);
  if (name == "div") return token(Tok::divide);
  if (name == "pm") return token(Tok::pm);
  if (name == "mp") return token(Tok::mp);
  if (name == "cup") return token(Tok::cup);
  if (name == "emptyset" || name == "varnothing") return token(Tok::empty_set);
  if (name == "circ" || name == "degree") return token(Tok::degree);
  if (one_of(name, {"le", "leq", "leqslant"})) return token(Tok::relop, "<=");
  if (one_of(name, {"ge", "geq", "geqslant"})) return token(Tok::relop, ">=");
  if (name == "ne" || name == "neq") return token(Tok::relop, "!=");
  if (name == "lt") return token(Tok::relop, "<");
  if (name == "gt") return token(Tok::relop, ">");
  if (name == "in") return token(Tok::relop, "in");
  if (one_of(name, {"approx", "simeq", "thickapprox"})) return token(Tok::relop, "approx");
  if (name == "colon") return token(Tok::colon);
  if (name == "lfloor") return token(Tok::lfloor);
  if (name == "rfloor") return token(Tok::rfloor);
  if (name == "lceil") return token(Tok::lceil);
  if (name == "rceil") return token(Tok::rceil);
  if (name == "lvert") return token(Tok::abs_open);
  if (name == "rvert") return token(Tok::abs_close);
  if (name == "vert") return token(Tok::bar);
  if (name == "left" || name == "right") return {Command::sized_delimiter};
  if (one_of(name,
             {"big",      "Big",          "bigg",      "Bigg",         "bigl",         "bigr",
              "Bigl",     "Bigr",         "biggl",     "biggr",        "Biggl",        "Biggr",
              "middle",   "displaystyle", "textstyle", "scriptstyle",  "quad",         "qquad",
              "enspace",  "thinspace",    "medspace",  "thickspace",   "negthinspace", "limits",
              "nolimits", "hline",        "angle",     "measuredangle"})) {
    return {Command::invisible};
  }
  if (one_of(name, {"text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal",
                    "textup", "textmd", "mbox", "hbox", "emph"})) {
    return {Command::text_wrapper};
  }
  if (one_of(name, {"mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathbb", "mathcal",
                    "mathfrak", "mathnormal", "boldsymbol", "bm"})) {
    return {Command::math_wrapper};
  }
  if (name == "boxed" || name == "fbox") return {Command::box};
  if (name == "operatorname") return {Command::operator_name};
  if (name == "begin" || name == "end") return {Command::environment};
  return {};
}

class Lexer {
 public:
  Lexer(std::string_view src, const std::vector<std::size_t>& match, std::size_t begin,
        std::size_t end)
      : s_(src), match_(match), begin_(begin), i_(begin), end_(end) {}

  std::vector<Token> run() {
    while (i_ < end_) step();
    emit(Tok::end, end_, 0);
    return std::move(out_);
  }

 private:
  enum class Mode { text, math, transparent };

  char at(std::size_t k) const { return k < end_ ? s_[k] : '\0'; }
  bool starts(std::size_t k, std::string_view w) const {
    return k <= end_ && end_ - k >= w.size() && s_.substr(k, w.size()) == w;
  }
  // "\name" at k, not followed by another letter.
  bool command_at(std::size_t k, std::string_view name) const {
    return at(k) == '\\' && starts(k + 1, name) && !is_alpha(at(k + 1 + name.size()));
  }
  std::size_t skip_spaces(std::size_t k) const {
    while (k < end_ && is_space(s_[k])) ++k;
    return k;
  }
  std::size_t letters(std::size_t k) const {
    std::size_t n = 0;
    while (is_alpha(at(k + n))) ++n;
    return n;
  }
  std::size_t closing_brace(std::size_t open) const {
    const std::size_t close = match_[open];
    if (close == kNone || close >= end_) fail(fmt::format("unbalanced '{{' at {}", open));
    return close;
  }
  void emit(Tok kind, std::size_t pos, std::size_t len, std::string text = {}) {
    Token t;
    t.kind = kind;
    t.pos = pos;
    t.len = len;
    t.text = std::move(text);
    out_.push_back(std::move(t));
  }
  void open_bracket() { ++depth_; }
  void close_bracket() { depth_ = depth_ > 0 ? depth_ - 1 : 0; }

  // One token (or none) from the cursor. Long on purpose: one switch over the characters, a
  // table rather than logic.
  void step() {
    const char c = s_[i_];
    const std::size_t start = i_;
    if (is_space(c) || c == '$' || c == '~') {
      ++i_;
      return;
    }
    if (static_cast<unsigned char>(c) >= 0x80) return lex_unicode();
    if (c == '\\') return lex_command();
    if (is_digit(c) || (c == '.' && is_digit(at(i_ + 1)))) return lex_number();
    if (is_alpha(c)) return lex_letters();
    ++i_;
    switch (c) {
      case '_':
        i_ = start;
        return lex_subscript();
      case '^':
        i_ = start;
        return lex_caret();
      case '+':
        return emit(Tok::plus, start, 1);
      case '-':
        return emit(Tok::minus, start, 1);
      case '*':
        return emit(Tok::cdot, start, 1);
      case '/':
        return emit(Tok::slash, start, 1);
      case '%':
        return emit(Tok::percent, start, 1);
      case '|':
        return emit(Tok::bar, start, 1);
      case ',':
        return emit(Tok::comma, start, 1);
      case ';':
        return emit(Tok::semicolon, start, 1);
      case '.':
        return emit(Tok::period, start, 1);
      case '&':
        return emit(Tok::amp, start, 1);
      case '=':
        return emit(Tok::relop, start, 1, "=");
      case ':':
        return emit(Tok::colon, start, 1);
      case '!':
        if (at(i_) == '=') {
          ++i_;
          return emit(Tok::relop, start, 2, "!=");
        }
        return emit(Tok::bang, start, 1);
      case '<':
      case '>': {
        std::string op(1, c);
        if (at(i_) == '=') {
          ++i_;
          op += '=';
        }
        return emit(Tok::relop, start, i_ - start, op);
      }
      case '(':
        open_bracket();
        return emit(Tok::lparen, start, 1);
      case ')':
        close_bracket();
        return emit(Tok::rparen, start, 1);
      case '[':
        open_bracket();
        return emit(Tok::lbrack, start, 1);
      case ']':
        close_bracket();
        return emit(Tok::rbrack, start, 1);
      case '{':
        if (starts(start, "{,}")) {  // a separator outside a number: just a comma
          i_ = start + 3;
          return emit(Tok::comma, start, 3);
        }
        // Braces are no bracket for the comma rule: \frac{1,000}{3} holds no list.
        wrapper_brace_.push_back(false);
        return emit(Tok::lbrace, start, 1);
      case '}': {
        const bool wrapper = !wrapper_brace_.empty() && wrapper_brace_.back();
        if (!wrapper_brace_.empty()) wrapper_brace_.pop_back();
        if (wrapper) return;  // the end of a \text{...}-style wrapper read as math
        return emit(Tok::rbrace, start, 1);
      }
      default:
        fail(fmt::format("unexpected character '{}' at {}", c, start));
    }
  }

  void lex_unicode() {
    struct Symbol {
      std::string_view utf8;
      Tok kind;
      std::string_view text;
    };
    static constexpr Symbol kSymbols[] = {
        {"\xC2\xB0", Tok::degree, ""},
        {"\xE2\x88\x92", Tok::minus, ""},
        {"\xC3\x97", Tok::times, ""},
        {"\xC2\xB7", Tok::cdot, ""},
        {"\xC3\xB7", Tok::divide, ""},
        {"\xCF\x80", Tok::constant, "pi"},
        {"\xE2\x88\x9E", Tok::constant, "infty"},
        {"\xE2\x88\x9A", Tok::sqrt, "2"},  // √; a Unicode root names its degree
        {"\xE2\x89\xA4", Tok::relop, "<="},
        {"\xE2\x89\xA5", Tok::relop, ">="},
        {"\xE2\x89\xA0", Tok::relop, "!="},
        {"\xE2\x88\x88", Tok::relop, "in"},
        {"\xE2\x88\xAA", Tok::cup, ""},
        {"\xC2\xB1", Tok::pm, ""},
        {"\xE2\x88\x85", Tok::empty_set, ""},
        {"\xE2\x81\x84", Tok::slash, ""},        // U+2044 fraction slash: 35⁄6
        {"\xE2\x88\x95", Tok::slash, ""},        // U+2215 division slash
        {"\xE2\x8B\x85", Tok::cdot, ""},         // U+22C5 dot operator
        {"\xE2\x88\x99", Tok::cdot, ""},         // U+2219 bullet operator
        {"\xE2\x88\x97", Tok::cdot, ""},         // U+2217 asterisk operator
        {"\xE2\x88\x93", Tok::mp, ""},           // U+2213 minus-or-plus
        {"\xE2\x89\x88", Tok::relop, "approx"},  // U+2248 almost equal
        {"\xE2\x88\x9B", Tok::sqrt, "3"},        // U+221B cube root
        {"\xE2\x88\x9C", Tok::sqrt, "4"},        // U+221C fourth root
        {"\xC2\xA0", Tok::end, ""},              // no-break space
        {"\xE2\x80\x89", Tok::end, ""},          // thin space
        {"\xE2\x80\xAF", Tok::end, ""},          // narrow no-break space
        {"\xE2\x80\x8B", Tok::end, ""},          // zero-width space
        {"\xE2\x82\xAC", Tok::end, ""},          // a currency sign, like $, says nothing: €
        {"\xC2\xA3", Tok::end, ""},              // £
        {"\xC2\xA5", Tok::end, ""},              // ¥
    };
    for (const Symbol& sym : kSymbols) {
      if (!starts(i_, sym.utf8)) continue;
      const std::size_t start = i_;
      i_ += sym.utf8.size();
      if (sym.kind != Tok::end) emit(sym.kind, start, sym.utf8.size(), std::string(sym.text));
      return;
    }
    if (lex_superscript() || lex_vulgar_fraction()) return;
    fail(fmt::format("unsupported character at {}", i_));
  }

  // The digit (0-9), '-' or '+' a Unicode superscript character stands for; '\0' if none.
  char superscript_at(std::size_t k, std::size_t& len) const {
    static constexpr std::pair<std::string_view, char> kSuper[] = {
        {"\xE2\x81\xB0", '0'}, {"\xC2\xB9", '1'},     {"\xC2\xB2", '2'},     {"\xC2\xB3", '3'},
        {"\xE2\x81\xB4", '4'}, {"\xE2\x81\xB5", '5'}, {"\xE2\x81\xB6", '6'}, {"\xE2\x81\xB7", '7'},
        {"\xE2\x81\xB8", '8'}, {"\xE2\x81\xB9", '9'}, {"\xE2\x81\xBB", '-'}, {"\xE2\x81\xBA", '+'}};
    for (const auto& [utf8, ch] : kSuper) {
      if (starts(k, utf8)) {
        len = utf8.size();
        return ch;
      }
    }
    return '\0';
  }

  // x² and 10⁻³: a run of superscript characters is '^' and its (signed) whole number.
  bool lex_superscript() {
    std::size_t len = 0;
    std::size_t k = i_;
    std::string digits;
    char sign = '\0';
    for (char ch; (ch = superscript_at(k, len)) != '\0'; k += len) {
      if (ch == '-' || ch == '+') {
        if (!digits.empty() || sign != '\0') break;
        sign = ch;
      } else {
        digits += ch;
      }
    }
    if (digits.empty()) return false;
    const std::size_t start = i_;
    emit(Tok::caret, start, 0);
    if (sign == '-') emit(Tok::minus, start, 0);
    emit(Tok::number, start, k - start, std::move(digits));
    i_ = k;
    return true;
  }

  // ½ ⅓ ¼ ...: \frac of two digits, so that 2½ is the mixed number 5/2.
  bool lex_vulgar_fraction() {
    static constexpr std::tuple<std::string_view, char, char> kFractions[] = {
        {"\xC2\xBD", '1', '2'},     {"\xC2\xBC", '1', '4'},     {"\xC2\xBE", '3', '4'},
        {"\xE2\x85\x93", '1', '3'}, {"\xE2\x85\x94", '2', '3'}, {"\xE2\x85\x95", '1', '5'},
        {"\xE2\x85\x99", '1', '6'}, {"\xE2\x85\x9B", '1', '8'}};
    for (const auto& [utf8, num, den] : kFractions) {
      if (!starts(i_, utf8)) continue;
      const std::size_t start = i_;
      emit(Tok::frac, start, utf8.size());
      emit(Tok::number, start, 0, std::string(1, num));
      emit(Tok::number, start, 0, std::string(1, den));
      i_ += utf8.size();
      return true;
    }
    return false;
  }

  // A backslash and one non-letter: \\, \{, \}, \%, or spacing and math delimiters.
  void lex_escaped(std::size_t start, char d) {
    i_ += 2;
    switch (d) {
      case '\\':
        // Text escaped twice ("\\\\frac{1}{2}" after two rounds of JSON): a double backslash
        // right before a command we know is that command; elsewhere it is a row break.
        if (const std::size_t n = letters(start + 2);
            n > 0 && classify_command(s_.substr(start + 2, n)).what != Command::unknown) {
          i_ = start + 1;
          return lex_command();
        }
        return emit(Tok::row_end, start, 2);
      case '{':
        open_bracket();
        return emit(Tok::lset, start, 2);
      case '}':
        close_bracket();
        return emit(Tok::rset, start, 2);
      case '%':
        return emit(Tok::percent, start, 2);
      // Spacing, math delimiters and an escaped dollar sign are invisible.
      case ',':
      case ';':
      case ':':
      case '!':
      case ' ':
      case '\t':
      case '\n':
      case '>':
      case '$':
      case '(':
      case ')':
      case '[':
      case ']':
        return;
      default:
        fail(fmt::format("unknown command '\\{}' at {}", d, start));
    }
  }

  void lex_command() {
    const std::size_t start = i_;
    const char d = at(i_ + 1);
    if (d == '\0') fail(fmt::format("stray '\\' at {}", start));
    if (!is_alpha(d)) return lex_escaped(start, d);
    const std::size_t n = letters(i_ + 1);
    const std::string_view name = s_.substr(i_ + 1, n);
    i_ += 1 + n;
    const std::size_t len = i_ - start;
    const Command c = classify_command(name);
    switch (c.what) {
      case Command::token:
        return emit(c.kind, start, len, std::string(c.text));
      case Command::invisible:
        return;
      case Command::text_wrapper:
        return lex_wrapper(Mode::text);
      case Command::math_wrapper:
        return lex_wrapper(Mode::math);
      case Command::box:
        return lex_wrapper(Mode::transparent);
      case Command::sized_delimiter:
        return lex_sized_delimiter(name == "left");
      case Command::operator_name:
        return lex_operatorname(start);
      case Command::environment:
        return lex_environment(name, start);
      case Command::unknown:
        break;
    }
    fail(fmt::format("unsupported command '\\{}' at {}", name, start));
  }

  // \begin{name} or \end{name}.
  void lex_environment(std::string_view name, std::size_t start) {
    const std::size_t open = skip_spaces(i_);
    if (at(open) != '{') fail(fmt::format("expected '{{' after \\{} at {}", name, start));
    const std::size_t close = closing_brace(open);
    i_ = close + 1;
    emit(name == "begin" ? Tok::begin_env : Tok::end_env, start, i_ - start,
         std::string(trim(s_.substr(open + 1, close - open - 1))));
  }

  // After \left or \right: a bar is an absolute value's side, '.' is an invisible delimiter;
  // anything else is lexed as itself next.
  void lex_sized_delimiter(bool left) {
    const std::size_t k = skip_spaces(i_);
    const Tok side = left ? Tok::abs_open : Tok::abs_close;
    if (at(k) == '|') {
      i_ = k + 1;
      return emit(side, k, 1);
    }
    if (command_at(k, "vert") || command_at(k, "lvert") || command_at(k, "rvert")) {
      i_ = k + 1 + letters(k + 1);
      return emit(side, k, i_ - k);
    }
    if (at(k) == '.') i_ = k + 1;
  }

  void lex_operatorname(std::size_t start) {
    std::size_t open = skip_spaces(i_);
    if (at(open) == '*') open = skip_spaces(open + 1);
    if (at(open) != '{') fail(fmt::format("expected '{{' after \\operatorname at {}", start));
    const std::size_t close = closing_brace(open);
    std::string name;
    for (std::size_t k = open + 1; k < close; ++k) {
      if (!is_space(s_[k])) name += s_[k];
    }
    if (name.empty()) fail(fmt::format("empty \\operatorname at {}", start));
    i_ = close + 1;
    emit(Tok::func, start, i_ - start, std::move(name));
  }

  // \text{...} and friends. Plain words become word/unit tokens, "(B)" a choice; any other
  // content is read as math, as if the wrapper were not there.
  void lex_wrapper(Mode mode) {
    const std::size_t open = skip_spaces(i_);
    if (at(open) != '{') return;  // "\mathbf v": the wrapper applies to the next token
    const std::size_t close = closing_brace(open);
    if (mode != Mode::transparent) {
      std::size_t first = skip_spaces(open + 1);
      std::size_t last = close;
      while (last > first && is_space(s_[last - 1])) --last;
      const std::string_view content = s_.substr(first, last - first);
      if (content.empty()) {
        i_ = close + 1;
        return;
      }
      if (const std::size_t n = choice_prefix(content, mode); n > 0) {
        const char letter = content[content[0] == '(' ? 1 : 0];
        emit(Tok::choice, first, n, std::string(1, static_cast<char>(std::toupper(letter))));
        wrapper_brace_.push_back(true);
        i_ = first + n;
        return;
      }
      if (lex_words(content, first, mode)) {
        i_ = close + 1;
        return;
      }
    }
    wrapper_brace_.push_back(true);
    i_ = open + 1;
  }

  // Length of a choice letter at the start of wrapper content: "(B)", "B)", or a lone capital
  // ("\text{B}"); lower-case letters count inside \text only. 0 when there is none.
  static std::size_t choice_prefix(std::string_view c, Mode mode) {
    auto letter_ok = [&](char ch) {
      return is_upper(ch) || (mode == Mode::text && ch >= 'a' && ch <= 'z');
    };
    if (c.size() >= 3 && c[0] == '(' && letter_ok(c[1]) && c[2] == ')') return 3;
    if (c.size() >= 2 && letter_ok(c[0]) && c[1] == ')') return 2;
    if (c.size() == 1 && is_upper(c[0])) return 1;
    return 0;
  }

  // Wrapper content made only of words (letters, '-', '\''; a final '.' dropped): emits them and
  // returns true. A lone letter stays math (\mathrm{e}, \text{e}).
  bool lex_words(std::string_view content, std::size_t offset, Mode mode) {
    if (content.back() == '.') content.remove_suffix(1);
    std::vector<std::pair<std::size_t, std::size_t>> words;  // offset in content, length
    std::size_t longest = 0;
    for (std::size_t k = 0; k < content.size();) {
      if (is_space(content[k])) {
        ++k;
        continue;
      }
      const std::size_t w = k;
      bool has_letter = false;
      while (k < content.size() && !is_space(content[k])) {
        const char ch = content[k];
        if (!is_alpha(ch) && ch != '-' && ch != '\'') return false;
        has_letter = has_letter || is_alpha(ch);
        ++k;
      }
      if (!has_letter) return false;
      words.emplace_back(w, k - w);
      longest = std::max(longest, k - w);
    }
    // A lone letter is math in \mathrm{e} and in \text{e} alike: Euler's e, not a word.
    if (words.empty() || (longest < 2 && (mode == Mode::math || words.size() == 1))) return false;
    if (words.size() == 1) {
      const std::string name = lower(content.substr(words[0].first, words[0].second));
      if (is_function_command(name) && !is_unit(name)) {
        emit(Tok::func, offset, content.size(), name);
        return true;
      }
    }
    for (const auto& [w, n] : words) emit_word(content.substr(w, n), offset + w);
    return true;
  }

  void emit_word(std::string_view word, std::size_t pos) {
    std::string text = lower(word);
    if (text == "percent") return emit(Tok::percent, pos, word.size());
    const Tok kind = is_unit(text) ? Tok::unit : Tok::word;
    emit(kind, pos, word.size(), std::move(text));
  }

  // A run of letters outside commands: a known name, a unit, a word, or single-letter symbols.
  void lex_letters() {
    const std::size_t start = i_;
    const std::size_t n = letters(i_);
    const std::string_view run = s_.substr(start, n);
    i_ += n;
    if (is_plain_function(run)) return emit(Tok::func, start, n, std::string(run));
    if (run == "sqrt") return emit(Tok::sqrt, start, n);
    if (run == "pi") return emit(Tok::constant, start, n, "pi");
    if (run == "infty" || run == "infinity") return emit(Tok::constant, start, n, "infty");
    if (run == "percent" || is_unit(run)) return emit_word(run, start);
    // "6th", "21st": an ordinal suffix on a number says nothing about its value.
    if (start > begin_ && is_digit(s_[start - 1]) && one_of(run, {"st", "nd", "rd", "th"})) return;
    // A run written against a number or bracket ("2abc", "abc^2") is a product of letters;
    // a free-standing one ("18 eggs", "Evelyn") is a word.
    auto in = [](char ch, std::string_view set) { return ch != '\0' && set.find(ch) != set.npos; };
    const bool attached =
        (start > begin_ && in(s_[start - 1], "0123456789)]}|!")) || in(at(i_), "0123456789^_(");
    const std::string folded = lower(run);
    // "(11,7)or(7,11)": "or" and "and" between brackets are words, not products of letters.
    const bool connective = (folded == "or" || folded == "and") &&
                            ((start > begin_ && in(s_[start - 1], ")]}")) || in(at(i_), "([{"));
    // "NO" in capitals is two points (\frac{NO}{BO}), not the word.
    const bool word_no = folded == "no" && run != "NO";
    if ((!attached || connective) && (n >= 3 || word_no || folded == "or")) {
      return emit(Tok::word, start, n, lower(run));
    }
    for (std::size_t k = 0; k < n; ++k) emit(Tok::letter, start + k, 1, std::string(1, run[k]));
  }

  // Position after a thousands separator at k ("{,}", ",\!", "\,", or a bare ',' outside
  // brackets and not followed by a space), or kNone.
  std::size_t thousands_separator(std::size_t k) const {
    if (starts(k, "{,}")) return k + 3;
    // "14 {, }916": the braced comma written with spaces around it.
    if (const std::size_t b = skip_spaces(k); at(b) == '{') {
      const std::size_t comma = skip_spaces(b + 1);
      const std::size_t close = at(comma) == ',' ? skip_spaces(comma + 1) : kNone;
      if (close != kNone && at(close) == '}') return skip_spaces(close + 1);
    }
    if (starts(k, ",\\!")) return skip_spaces(k + 3);
    if (starts(k, "\\,")) return k + 2;
    if (at(k) == ',' && depth_ == 0 && is_digit(at(k + 1))) return k + 1;
    // "1 000" and its typeset forms: a plain, thin, narrow no-break or no-break space.
    if (at(k) == ' ') return k + 1;
    for (std::string_view space : {"\xE2\x80\x89", "\xE2\x80\xAF", "\xC2\xA0"}) {
      if (starts(k, space)) return k + space.size();
    }
    return kNone;
  }

  void lex_number() {
    const std::size_t start = i_;
    std::string text;
    std::size_t k = i_;
    while (is_digit(at(k))) text += s_[k++];
    // Thousands groups: the first group has 1-3 digits, every later one exactly 3.
    if (!text.empty() && text.size() <= 3) {
      for (;;) {
        const std::size_t g = thousands_separator(k);
        if (g == kNone || !is_digit(at(g)) || !is_digit(at(g + 1)) || !is_digit(at(g + 2)) ||
            is_digit(at(g + 3))) {
          break;
        }
        text.append(s_.substr(g, 3));
        k = g + 3;
      }
    }
    bool decimal = false;
    if (at(k) == '.' && is_digit(at(k + 1))) {
      decimal = true;
      text += s_[k++];
      while (is_digit(at(k))) text += s_[k++];
    }
    // Scientific notation: e or E, an optional sign and digits, with no space in between.
    if (at(k) == 'e' || at(k) == 'E') {
      std::size_t m = k + 1;
      if (at(m) == '+' || at(m) == '-') ++m;
      if (is_digit(at(m))) {
        decimal = true;
        text += 'e';
        if (at(k + 1) == '-') text += '-';
        k = m;
        while (is_digit(at(k))) text += s_[k++];
      }
    }
    i_ = k;
    emit(Tok::number, start, k - start, std::move(text));
    out_.back().decimal = decimal;
  }

  void lex_subscript() {
    const std::size_t start = i_;
    std::size_t k = skip_spaces(i_ + 1);
    std::size_t inner = k;
    std::string raw;
    if (at(k) == '{') {
      const std::size_t close = closing_brace(k);
      inner = skip_spaces(k + 1);
      raw = std::string(trim(s_.substr(k + 1, close - k - 1)));
      i_ = close + 1;
    } else if (is_alpha(at(k)) || is_digit(at(k))) {
      raw = std::string(1, s_[k]);
      i_ = k + 1;
    } else if (at(k) == '\\' && is_alpha(at(k + 1))) {
      const std::size_t n = letters(k + 1);
      raw = std::string(s_.substr(k, n + 1));
      i_ = k + 1 + n;
    } else {
      fail(fmt::format("expected a subscript after '_' at {}", start));
    }
    if (raw.empty()) fail(fmt::format("empty subscript at {}", start));
    emit(Tok::subscript, start, i_ - start, std::move(raw));
    out_.back().inner = inner;
  }

  // '^', or a degree sign when it is ^\circ or ^{\circ}.
  void lex_caret() {
    const std::size_t start = i_;
    std::size_t k = skip_spaces(i_ + 1);
    if (at(k) == '\\' && command_at(k + 1, "circ")) ++k;  // ^\\circ, escaped twice
    if (command_at(k, "circ")) {
      i_ = k + 5;
      return emit(Tok::degree, start, i_ - start);
    }
    if (at(k) == '{') {
      const std::size_t m = skip_spaces(k + 1);
      if (command_at(m, "circ")) {
        const std::size_t close = skip_spaces(m + 5);
        if (at(close) == '}') {
          i_ = close + 1;
          return emit(Tok::degree, start, i_ - start);
        }
      }
    }
    i_ = start + 1;
    emit(Tok::caret, start, 1);
  }

  std::string_view s_;
  const std::vector<std::size_t>& match_;
  std::size_t begin_;
  std::size_t i_;
  std::size_t end_;
  std::vector<Token> out_;
  std::vector<bool> wrapper_brace_;  // per open '{': does its '}' close a wrapper?
  int depth_ = 0;                    // bracket nesting, for the bare-comma thousands rule
};

}  // namespace

std::vector<std::size_t> match_braces(std::string_view s) {
  std::vector<std::size_t> match(s.size(), kNone);
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '{') {
      open.push_back(i);
    } else if (s[i] == '}' && !open.empty()) {
      match[open.back()] = i;
      open.pop_back();
    }
  }
  return match;
}

std::vector<Token> lex(std::string_view src, const std::vector<std::size_t>& match,
                       std::size_t begin, std::size_t end) {
  return Lexer(src, match, begin, end).run();
}

}  // namespace rbench::math::detail
