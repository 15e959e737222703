// Tokenizers shared by the tokenizer, trainer and chat template tests: the one trained on the
// built-in corpus (DeepSeek-V3's pre-tokenizer and special tokens), and a plain GPT-2 style one
// (ByteLevel with its regex, the 256 byte symbols, no merges). Built once per test binary.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "engines/moe/tokenizer/bpe_trainer.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"
#include "harness/core/error.h"

namespace rbench::test {

inline std::filesystem::path tokenizer_data_dir() {
  return std::filesystem::path(RBENCH_SOURCE_DIR) / "tests" / "engines" / "data";
}

inline const std::string& trained_tokenizer_json() {
  static const std::string json = moe::train_bpe_tokenizer_json(moe::builtin_bpe_corpus());
  return json;
}

inline const moe::Tokenizer& trained_tokenizer() {
  static const moe::Tokenizer tokenizer =
      moe::Tokenizer::from_json(trained_tokenizer_json(), "<trained>");
  return tokenizer;
}

// A tokenizer.json around `pre_tokenizer` with the 256 byte symbols as vocab and no merges.
inline std::string bytes_only_tokenizer_json(std::string_view pre_tokenizer) {
  const auto& alphabet = moe::ByteLevelAlphabet::get();
  std::string vocab;
  for (int b = 0; b < 256; ++b) {
    std::string symbol = alphabet.char_of(static_cast<unsigned char>(b));
    if (symbol == "\"" || symbol == "\\") symbol = "\\" + symbol;
    vocab += fmt::format("{}\"{}\": {}", b == 0 ? "" : ", ", symbol, b);
  }
  return fmt::format(R"({{"version": "1.0", "added_tokens": [], "normalizer": null,
    "pre_tokenizer": {}, "post_processor": null, "decoder": {{"type": "ByteLevel"}},
    "model": {{"type": "BPE", "vocab": {{{}}}, "merges": []}}}})",
                     pre_tokenizer, vocab);
}

inline const moe::Tokenizer& gpt2_style_tokenizer() {
  static const moe::Tokenizer tokenizer = moe::Tokenizer::from_json(
      bytes_only_tokenizer_json(
          R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})"),
      "<gpt2-style>");
  return tokenizer;
}

// The message of the DataError that loading `json` throws, or "" when it loads.
inline std::string load_error(std::string_view json, std::string_view where = "bad.json") {
  try {
    moe::Tokenizer::from_json(json, where);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace rbench::test
