#include "engines/moe/tokenizer/tokenizer_unicode.h"

#include <fmt/format.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <stdexcept>

namespace rbench::moe {

namespace {

bool is_continuation(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

// \s and \S as Oniguruma means them; everything else is copied, escapes kept whole so that "\\s"
// (a backslash, then s) is left alone.
std::string rewrite_for_icu(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    const char next = pattern[++i];
    if (next == 's') {
      out += "\\p{White_Space}";
    } else if (next == 'S') {
      out += "\\P{White_Space}";
    } else {
      out += '\\';
      out += next;
    }
  }
  return out;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = at(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(at(i + k))) return 0;
  }
  return length;
}

char32_t utf8_decode(std::string_view s, std::size_t i, std::size_t length) {
  const auto at = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[k]));
  };
  switch (length) {
    case 1:
      return at(i);
    case 2:
      return ((at(i) & 0x1F) << 6) | (at(i + 1) & 0x3F);
    case 3:
      return ((at(i) & 0x0F) << 12) | ((at(i + 1) & 0x3F) << 6) | (at(i + 2) & 0x3F);
    default:
      return ((at(i) & 0x07) << 18) | ((at(i + 1) & 0x3F) << 12) | ((at(i + 2) & 0x3F) << 6) |
             (at(i + 3) & 0x3F);
  }
}

std::vector<Utf8Run> utf8_runs(std::string_view s) {
  std::vector<Utf8Run> runs;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i);
    const bool valid = n > 0;
    if (runs.empty() || runs.back().valid != valid) runs.push_back({i, i, valid});
    i += valid ? n : 1;
    runs.back().end = i;
  }
  return runs;
}

bool is_whitespace(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool is_word_char(char32_t c) {
  const auto cp = static_cast<UChar32>(c);
  return u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) ||
         (U_GET_GC_MASK(cp) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0 ||
         u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL);
}

bool is_numeric(char32_t c) {
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_N_MASK) != 0;
}

ByteLevelAlphabet::ByteLevelAlphabet() : byte_of_char_(324, -1) {
  // Printable Latin-1 bytes stand for themselves; the other 68 take 256, 257, ... in byte order.
  int next_extra = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const int c = printable ? b : next_extra++;
    byte_of_char_[static_cast<std::size_t>(c)] = b;
    icu::UnicodeString(static_cast<UChar32>(c)).toUTF8String(utf8_of_byte_[b]);
  }
}

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char b : bytes) out += utf8_of_byte_[static_cast<unsigned char>(b)];
  return out;
}

std::optional<std::string> ByteLevelAlphabet::decode(std::string_view token) const {
  std::string out;
  out.reserve(token.size());
  std::size_t i = 0;
  while (i < token.size()) {
    const std::size_t n = utf8_sequence_length(token, i);
    if (n == 0) return std::nullopt;
    const char32_t c = utf8_decode(token, i, n);
    if (c >= byte_of_char_.size() || byte_of_char_[c] < 0) return std::nullopt;
    out += static_cast<char>(byte_of_char_[c]);
    i += n;
  }
  return out;
}

std::string nfc(std::string_view valid_utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFCInstance(status);
  std::string out;
  if (U_SUCCESS(status)) {
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(valid_utf8.size()));
    normalizer->normalizeUTF8(
        0, icu::StringPiece(valid_utf8.data(), static_cast<int32_t>(valid_utf8.size())), sink,
        nullptr, status);
  }
  if (U_FAILURE(status))
    throw std::runtime_error(fmt::format("NFC normalization failed: {}", u_errorName(status)));
  return out;
}

Regex::Regex(std::string_view pattern) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  const std::string rewritten = rewrite_for_icu(pattern);
  pattern_.reset(
      icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(icu::StringPiece(
                                     rewritten.data(), static_cast<int32_t>(rewritten.size()))),
                                 0, where, status));
  if (U_FAILURE(status)) {
    throw std::invalid_argument(
        fmt::format("regex does not compile ({} at offset {})", u_errorName(status), where.offset));
  }
}

Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view utf8) const {
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  if (utf8.empty()) return matches;
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  // ICU reports UTF-16 indices; map each back to its byte offset in the UTF-8 input.
  const int32_t length = text.length();
  std::vector<std::size_t> byte_at(static_cast<std::size_t>(length) + 1);
  std::size_t byte = 0;
  for (int32_t i = 0; i < length;) {
    const UChar32 c = text.char32At(i);
    const int32_t units = U16_LENGTH(c);
    for (int32_t k = 0; k < units; ++k) byte_at[static_cast<std::size_t>(i + k)] = byte;
    byte += U8_LENGTH(c);
    i += units;
  }
  byte_at[static_cast<std::size_t>(length)] = byte;

  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> matcher(pattern_->matcher(text, status));
  // Long whitespace runs backtrack deeply under \s+(?!\S); ICU's default limit would fail them.
  if (U_SUCCESS(status)) matcher->setStackLimit(0, status);
  while (U_SUCCESS(status) && matcher->find(status)) {
    const int32_t begin = matcher->start(status);
    const int32_t end = matcher->end(status);
    if (U_FAILURE(status)) break;
    matches.emplace_back(byte_at[static_cast<std::size_t>(begin)],
                         byte_at[static_cast<std::size_t>(end)]);
  }
  if (U_FAILURE(status))
    throw std::runtime_error(fmt::format("regex matching failed: {}", u_errorName(status)));
  return matches;
}

}  // namespace rbench::moe
