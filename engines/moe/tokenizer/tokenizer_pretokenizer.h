// The normalizer and the pre-tokenizer of a tokenizer.json, as the Hugging Face tokenizers library
// applies them: the normalizer (none or NFC) rewrites the text, then each pre-tokenizer of the
// Sequence cuts every current piece further (Split with a regex or a string, Digits, ByteLevel).
// Pieces stay raw bytes here; the BPE model maps them to the byte-level alphabet.
//
// Input that is not valid UTF-8 is cut into maximal valid runs and invalid runs first: valid runs
// go through the pipeline, invalid runs pass as pieces of their own, so every byte survives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engines/moe/tokenizer/tokenizer_json.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"

namespace rbench::moe {

class Normalizer {
 public:
  // The root's "normalizer" (absent or null: none); DataError for types other than NFC and
  // Sequence.
  static Normalizer parse(const json::Value& root);

  // Valid UTF-8 runs normalized, invalid bytes kept as they are.
  std::string apply(std::string_view text) const;

 private:
  static void collect(const json::Value& node, bool& nfc);
  bool nfc_ = false;
};

// How a Split keeps what its pattern matched (tokenizers' SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

class PreTokenizer {
 public:
  // The root's "pre_tokenizer". It must end with ByteLevel: this is a byte-level BPE.
  static PreTokenizer parse(const json::Value& root);

  std::vector<std::string> apply(std::string_view text) const;

 private:
  struct Split {
    std::optional<Regex> regex;  // a {"Regex": ...} pattern
    std::string literal;         // a {"String": ...} pattern
    SplitBehavior behavior = SplitBehavior::isolated;
    bool invert = false;
  };
  struct Digits {
    bool individual_digits = false;
  };
  struct ByteLevel {
    bool add_prefix_space = false;
    std::optional<Regex> gpt2_regex;  // set when use_regex
  };
  using Step = std::variant<Split, Digits, ByteLevel>;

  static void collect(const json::Value& node, std::vector<Step>& steps);
  static void apply_step(const Step& step, std::string_view piece, std::vector<std::string>& out);

  std::vector<Step> steps_;
};

}  // namespace rbench::moe
