// Tokenizer: decode(encode(s)) == s for any byte string, and DeepSeek-V3's pre-tokenizer cutting
// tricky text where its regexes say it should.
#include <gtest/gtest.h>

#include <random>

#include "engines/moe/tokenizer/tokenizer.h"
#include "engines/tokenizer_test_util.h"

namespace rbench::moe {
namespace {

using Pieces = std::vector<std::string>;

const std::vector<std::string>& tricky_texts() {
  static const std::vector<std::string> texts = {
      "",
      "Hello, world!",
      "👩‍👩‍👧‍👦 family, 👍🏽 thumbs, 🏳️‍🌈 flag, 🇯🇵 regional "
      "indicators",
      "数学很有趣。我喜欢解方程：x² + 2x + 1 = 0",
      "ひらがなとカタカナ、漢字",
      "مرحبا بالعالم، ١٢٣٤٥",
      "e\u0301 a\u0308 n\u0303 \u0915\u094d\u0937 Z\u0351\u036b\u0343\u036a",
      "line one\r\nline two\r\n\r\n\tindented\ttabs\v\f",
      "12345678901234567890 3.14159 1,000,000 -42 ½ ⅔ Ⅻ",
      "\u00a0\u2028\u3000\u0085 odd spaces  \n\n  trailing   ",
      "\\boxed{\\frac{1}{2}} $x^2$ <think>\nreasoning\n</think>",
      "don't I'LL we've 'quoted' \"double\"",
      std::string("nul\0byte", 8),
      "한국어 텍스트 Ελληνικά русский",
  };
  return texts;
}

void expect_round_trip(const Tokenizer& tok, const std::string& text, std::string_view name) {
  const auto ids = tok.encode(text);
  ASSERT_EQ(tok.decode(ids), text) << name << " on " << testing::PrintToString(text);
}

TEST(TokenizerRoundTrip, TrickyUtf8) {
  for (const std::string& text : tricky_texts()) {
    expect_round_trip(test::trained_tokenizer(), text, "trained");
    expect_round_trip(test::gpt2_style_tokenizer(), text, "gpt2-style");
  }
}

TEST(TokenizerRoundTrip, InvalidUtf8Bytes) {
  const std::vector<std::string> texts = {
      "\xff",
      "abc\x80",
      "\xc3",
      "\xc3(",
      "\xe2\x82",
      "\xed\xa0\x80 surrogate",
      "\xf4\x90\x80\x80 beyond",
      "\xc0\xaf overlong",
      "ok \xfe\xfe\xfe then 123\xf0\x9f\x98 cut emoji",
      "\xe4\xb8\xad\xff\xe6\x96\x87",
  };
  for (const std::string& text : texts) {
    expect_round_trip(test::trained_tokenizer(), text, "trained");
    expect_round_trip(test::gpt2_style_tokenizer(), text, "gpt2-style");
  }
}

// Random strings over pieces that stress the regexes (letters, digits, CJK, marks, emoji,
// whitespace of every kind, punctuation) and random bytes, seeded.
TEST(TokenizerRoundTrip, SeededFuzz) {
  const std::vector<std::string> atoms = {
      "a",  "Z",  "é",  "ß",    "0",       "7",        "٣",          "½",      " ",      "  ",
      "\t", "\n", "\r", "\r\n", "\v",      "\u0085",   "\u00a0",     "\u3000", "中",     "文",
      "か", "カ", "한", "́",     "̈",        "😀",        "👍",          "🏽",   "\u200d", "️",
      "'",  "'s", ".",  ",",    "!",       "\\",       "{",          "}",      "$",      "^",
      "<",  ">",  "-",  "_",    "<think>", "</think>", "<｜User｜>", "x",
  };
  std::mt19937 rng(12345);
  const auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const std::size_t length = below(40);
    for (std::size_t k = 0; k < length; ++k) {
      if (i % 3 == 0) {
        text += static_cast<char>(below(256));  // arbitrary bytes, mostly invalid UTF-8
      } else if (below(10) == 0) {
        text += static_cast<char>(0x80 + below(128));  // a stray byte in otherwise valid text
      } else {
        text += atoms[below(atoms.size())];
      }
    }
    const std::string name = fmt::format("fuzz case {}", i);
    expect_round_trip(test::trained_tokenizer(), text, name);
    expect_round_trip(test::gpt2_style_tokenizer(), text, name);
    if (HasFatalFailure()) return;
  }
}

// Expected pieces worked out by hand from the three Split regexes of DeepSeek-V3: digits in
// groups of up to three, runs of CJK ideographs and kana, then the main pattern (a punctuation
// mark glued to the ASCII letters after it, letter runs with one leading non-letter, punctuation
// runs with trailing newlines, whitespace ending in newlines, whitespace not before text).
TEST(DeepSeekPreTokenizer, SplitsWhereTheRegexesSay) {
  const Tokenizer& tok = test::trained_tokenizer();
  const std::vector<std::pair<std::string, Pieces>> cases = {
      {"1234567", {"123", "456", "7"}},
      {"abc12345def", {"abc", "123", "45", "def"}},
      {"3.14159", {"3", ".", "141", "59"}},
      {"我喜欢数学ABC", {"我喜欢数学", "ABC"}},
      {"ひらがなカタカナ漢字です", {"ひらがなカタカナ漢字です"}},
      {"Hello world", {"Hello", " world"}},
      {"Hello, world!\n", {"Hello", ",", " world", "!\n"}},
      {"(x+y)", {"(x", "+y", ")"}},
      {"don't", {"don", "'t"}},
      {"\\boxed{42}", {"\\boxed", "{", "42", "}"}},
      {"$x^2$", {"$x", "^", "2", "$"}},
      {"x  \n\n  y", {"x", "  \n\n", " ", " y"}},
      {"a\r\nb", {"a", "\r\n", "b"}},
      {" 한국어", {" 한국어"}},
      {"a😀b1", {"a", "😀", "b", "1"}},        // astral code points: UTF-16 pairs inside ICU
      {"x 👍🏽!", {"x", " 👍🏽!"}},  // So, Sk and Po form one symbol run
      {"end.   ", {"end", ".", "   "}},
      {"<｜User｜>12<think>", {"12"}},  // added tokens are split out before
  };
  for (const auto& [text, pieces] : cases) EXPECT_EQ(tok.pre_tokenize(text), pieces) << text;
}

TEST(DeepSeekPreTokenizer, InvalidBytesArePiecesOfTheirOwn) {
  EXPECT_EQ(test::trained_tokenizer().pre_tokenize("ab\xff\xfe"
                                                   "12\x80"),
            (Pieces{"ab", "\xff\xfe", "12", "\x80"}));
}

TEST(Gpt2PreTokenizer, ByteLevelRegex) {
  EXPECT_EQ(test::gpt2_style_tokenizer().pre_tokenize("I'm 42 years  old!\n"),
            (Pieces{"I", "'m", " 42", " years", " ", " old", "!", "\n"}));
}

}  // namespace
}  // namespace rbench::moe
