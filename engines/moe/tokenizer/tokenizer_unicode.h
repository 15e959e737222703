// Unicode pieces of the tokenizer: UTF-8 validity (invalid bytes must survive encode/decode), the
// GPT-2 byte<->character table of byte-level BPE, NFC, character classes, and regexes on ICU with
// offsets in UTF-8 bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class RegexPattern;
U_NAMESPACE_END

namespace rbench::moe {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), or 0 when the bytes there
// do not form one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The code point of a well-formed sequence of `length` bytes at s[i].
char32_t utf8_decode(std::string_view s, std::size_t i, std::size_t length);

// s cut into maximal runs of valid UTF-8 and maximal runs of bytes that are not.
struct Utf8Run {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool valid = true;
};
std::vector<Utf8Run> utf8_runs(std::string_view s);

// Character classes as the Hugging Face tokenizers library (Rust) defines them.
bool is_whitespace(char32_t c);  // White_Space, Rust's char::is_whitespace and regex \s
bool is_word_char(char32_t c);   // Rust regex \w: Alphabetic, marks, Nd, Pc, Join_Control
bool is_numeric(char32_t c);     // Rust's char::is_numeric: Nd, Nl, No

// GPT-2's bytes_to_unicode: every byte stands for one printable character, so a byte-level
// vocabulary can be written as JSON text ("Ġ" is the space byte).
class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();

  const std::string& char_of(unsigned char byte) const { return utf8_of_byte_[byte]; }
  std::string encode(std::string_view bytes) const;
  // The bytes a byte-level token stands for; nullopt if a character is outside the alphabet.
  std::optional<std::string> decode(std::string_view token) const;

 private:
  ByteLevelAlphabet();
  std::string utf8_of_byte_[256];
  std::vector<int> byte_of_char_;  // indexed by code point (< 324), -1 where none
};

// NFC of valid UTF-8 text (ICU's Normalizer2).
std::string nfc(std::string_view valid_utf8);

// A regex compiled once by ICU; const and safe to use from several threads. Patterns are written
// for the Oniguruma engine of the tokenizers library; \s and \S are rewritten to White_Space so
// they match what Oniguruma's Unicode \s matches (ICU's \s leaves out U+000B and U+0085).
class Regex {
 public:
  // std::invalid_argument with ICU's message when the pattern does not compile.
  explicit Regex(std::string_view pattern);
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // Leftmost, non-overlapping matches in valid UTF-8 text as byte ranges [begin, end).
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view utf8) const;

 private:
  std::unique_ptr<icu::RegexPattern> pattern_;
};

}  // namespace rbench::moe
