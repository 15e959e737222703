// Byte-level BPE tokenizer read from a Hugging Face tokenizer.json (the format of DeepSeek-V3/R1,
// GPT-2 and most byte-level BPE models): added and special tokens split out first, the normalizer
// (none or NFC), the pre-tokenizer (Sequence of Split with its Unicode regexes, ByteLevel, Digits),
// the BPE model with merge ranks, and the ByteLevel decoder. Regexes run on ICU, which has the
// Unicode classes and the lookahead (`\s+(?!\S)`) these patterns use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::moe {

struct EncodeOptions {
  // Text like "<｜User｜>" becomes the special token. When false, special added tokens stay text
  // (tokenizers' encode_special_tokens); added tokens that are not special are still found.
  bool parse_special = true;
  bool add_special_tokens = false;  // apply the post-processor's template (e.g. prepend BOS)
};

class Tokenizer {
 public:
  // DataError naming the file and the JSON path when the file is malformed or uses a component
  // we do not implement (the message names the component).
  static Tokenizer load(const std::filesystem::path& tokenizer_json);
  static Tokenizer from_json(std::string_view json, std::string_view where = "<string>");

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  std::vector<std::int32_t> encode(std::string_view text, EncodeOptions options = {}) const;
  // The pieces BPE sees, as raw bytes in order: added tokens split out (and left out here), the
  // normalizer and the pre-tokenizer applied. The BPE trainer counts words with it.
  std::vector<std::string> pre_tokenize(std::string_view text, EncodeOptions options = {}) const;
  // UTF-8 text of the ids; bytes that do not form valid UTF-8 are kept as they are
  // (decode(encode(s)) == s for any byte string s, given no normalizer and no added prefix space,
  // as in DeepSeek's tokenizer). Ids outside the vocabulary throw std::out_of_range.
  std::string decode(std::span<const std::int32_t> ids, bool skip_special = false) const;
  // The raw bytes one token stands for (after byte-level decoding): streaming concatenates these
  // and emits complete UTF-8 sequences.
  std::string token_bytes(std::int32_t id) const;

  std::optional<std::int32_t> token_id(std::string_view token) const;  // vocab or added token
  bool is_special(std::int32_t id) const;
  std::int32_t vocab_size() const;  // one past the largest id, added tokens included

  // Every id below `vocab_size` that the vocabulary lacks decodes to "<tok_ID>" from now on (a
  // model whose vocabulary is larger than its tokenizer's, as a dummy model's is, prints what it
  // chose instead of failing); encode() never produces them.
  void add_placeholders(std::int32_t vocab_size);

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rbench::moe
