// The lexer of LaTeX and plain-text math answers (internal to scorers/math): the lexical clean-up
// of an answer (math delimiters, spacing commands, \left/\right, \text-style wrappers, thousands
// separators, unit words, degree signs) into the tokens the parser reads (latex_grammar.h).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::math::detail {

// The first error aborts the whole parse; parse_answer turns it into Parsed::error.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& message) {
  throw ParseError(message);
}

inline bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool all_digits(std::string_view s);  // non-empty, ASCII digits only

enum class Tok {
  end,
  number,     // text: digits without separators ("1000", "1.5", ".5", "1.5e-3")
  letter,     // text: one ASCII letter
  greek,      // text: the name without backslash
  constant,   // text: "pi", "infty"
  word,       // text: a lower-cased plain word (three or more letters, or "no"/"or")
  unit,       // text: a lower-cased unit word
  choice,     // text: the upper-cased letter of "\text{(B)}"
  subscript,  // text: the raw subscript ("1", "n+1", "\alpha"); inner: where it starts
  func,       // text: function name
  frac,
  sqrt,  // text: "" for \sqrt; the degree ("2", "3", "4") for the Unicode √ ∛ ∜
  binom,
  plus,
  minus,
  pm,
  mp,
  cdot,  // \cdot, *, \ast
  times,
  slash,
  divide,
  caret,
  bang,
  percent,
  degree,
  lparen,
  rparen,
  lbrack,
  rbrack,
  lbrace,
  rbrace,
  lset,
  rset,
  bar,
  abs_open,
  abs_close,
  lfloor,
  rfloor,
  lceil,
  rceil,
  comma,
  colon,  // ':' or \colon: a ratio a:b
  semicolon,
  period,
  amp,
  row_end,  // "\\"
  relop,    // text: "=", "<", ">", "<=", ">=", "!=", "in", "approx"
  cup,
  empty_set,
  begin_env,  // text: the environment's name
  end_env,
};

struct Token {
  Tok kind = Tok::end;
  std::string text;
  std::size_t pos = 0;  // byte offset in the answer, for messages
  std::size_t len = 0;
  bool decimal = false;   // number: has a '.' or an exponent
  std::size_t inner = 0;  // subscript: offset of its content in the answer
};

inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// For every '{' of the answer, the offset of its matching '}' (kNone when unbalanced); escaped
// braces (\{ \}) are skipped. One pass, so wrappers and subscripts find their end in O(1).
std::vector<std::size_t> match_braces(std::string_view s);

// The tokens of src[begin, end), the last one Tok::end; `match` is match_braces(src). Throws
// ParseError on what cannot be read.
std::vector<Token> lex(std::string_view src, const std::vector<std::size_t>& match,
                       std::size_t begin, std::size_t end);

}  // namespace rbench::math::detail
