// Added tokens of a tokenizer.json ("<｜User｜>", "<think>", ...): found in the text before the
// normalizer and the pre-tokenizer run, as tokenizers' AddedVocabulary finds them. Tokens with
// normalized=false are matched in the raw text first, the others in the normalized rest; at each
// position the longest token wins; lstrip/rstrip take the neighbouring whitespace into the token
// and single_word refuses a match inside a word.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engines/moe/tokenizer/tokenizer_json.h"
#include "engines/moe/tokenizer/tokenizer_pretokenizer.h"

namespace rbench::moe {

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool single_word = false;
};

// A part of the input: normalized text for the model, or one added token.
struct Segment {
  std::string text;
  std::int32_t token = -1;  // >= 0 for an added token
};

class AddedVocabulary {
 public:
  // The root's "added_tokens" (absent or null: none).
  static AddedVocabulary parse(const json::Value& root, const Normalizer& normalizer);

  // parse_special=false leaves special tokens as text, as tokenizers' encode_special_tokens does;
  // added tokens that are not special (DeepSeek's <think>) are still found.
  std::vector<Segment> split(std::string_view text, const Normalizer& normalizer,
                             bool parse_special) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // The tokens one pass looks for, by first byte, longest first.
  struct Matcher {
    std::vector<std::string> patterns;  // indexed like tokens_
    std::array<std::vector<std::size_t>, 256> by_first_byte;
    bool empty = true;
  };
  void build(Matcher& matcher, bool normalized, const Normalizer& normalizer) const;
  void find(std::string_view text, const Matcher& matcher, bool parse_special,
            std::vector<Segment>& out) const;

  std::vector<AddedToken> tokens_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace rbench::moe
