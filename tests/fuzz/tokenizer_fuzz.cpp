// Fuzz target `tokenizer`: tokenizer.json loading, then encoding and decoding. Byte 0 picks:
//   even: the rest is a tokenizer.json; it loads or is refused with a DataError naming the file,
//         and a loaded one encodes and decodes a sample and the input's own text without error;
//   odd:  a small fuzzed byte-level BPE vocabulary: byte 1 gives M (at most 31) merges, the next
//         2M bytes pick each merge's two tokens among those so far (the 256 byte tokens first),
//         and the rest is text. The tokenizer.json is the one the BPE trainer writes
//         (DeepSeek-V3's pre-tokenizer and special tokens). Property: the vocabulary covers all
//         256 bytes, so decode(encode(text)) == text, with special tokens parsed or not.
// fuzz-links: rbench_engines_moe_tokenizer
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/moe/tokenizer/bpe_tokenizer_json.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "fuzz/fuzz_target.h"
#include "harness/core/error.h"

namespace {

using rbench::fuzz::check;
namespace moe = rbench::moe;

constexpr std::string_view kWhere = "fuzz/tokenizer.json";
// BPE merges each pre-tokenized word in time quadratic in its length: a long word of one
// repeated byte would make a run slow without testing anything new.
constexpr std::size_t kMaxText = 4096;

void load_and_use(std::string_view json) {
  std::optional<moe::Tokenizer> tok;
  try {
    tok.emplace(moe::Tokenizer::from_json(json, kWhere));
  } catch (const rbench::DataError& e) {
    check(std::string_view(e.what()).find(kWhere) != std::string_view::npos,
          "a refused tokenizer.json's error does not name the file");
    return;
  }
  const std::string_view texts[] = {"Hello, world! 12345 <think>x</think>",
                                    json.substr(0, kMaxText)};
  for (const std::string_view text : texts) {
    const auto ids = tok->encode(text);
    for (const std::int32_t id : ids) {
      check(id >= 0 && id < tok->vocab_size(), "encode produced an id outside the vocabulary");
    }
    (void)tok->decode(ids);
    (void)tok->decode(ids, true);
  }
}

void round_trip(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return;
  const std::size_t merges_wanted = data[0] % 32;
  if (size < 1 + 2 * merges_wanted) return;
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
  std::set<std::string> known(tokens.begin(), tokens.end());
  std::vector<std::pair<std::int32_t, std::int32_t>> merges;
  for (std::size_t i = 0; i < merges_wanted; ++i) {
    const auto a = static_cast<std::int32_t>(data[1 + 2 * i] % tokens.size());
    const auto b = static_cast<std::int32_t>(data[2 + 2 * i] % tokens.size());
    std::string merged = tokens[a] + tokens[b];
    if (!known.insert(merged).second) continue;  // a vocabulary holds each token once
    tokens.push_back(std::move(merged));
    merges.emplace_back(a, b);
  }
  const std::size_t used = 1 + 2 * merges_wanted;
  const std::string_view text = rbench::fuzz::as_text(data + used, size - used);
  if (text.size() > kMaxText) return;
  const moe::Tokenizer tok =
      moe::Tokenizer::from_json(moe::deepseek_bpe_tokenizer_json(tokens, merges), kWhere);
  for (const bool special : {true, false}) {
    const auto ids = tok.encode(text, {.parse_special = special});
    check(tok.decode(ids) == text, "decode(encode(text)) != text with a full byte vocabulary");
  }
}

}  // namespace

RBENCH_FUZZ_TARGET(tokenizer) {
  if (size < 1) return 0;
  if ((data[0] & 1) == 0) {
    if (size > (1 << 16)) return 0;
    load_and_use(rbench::fuzz::as_text(data + 1, size - 1));
  } else {
    round_trip(data + 1, size - 1);
  }
  return 0;
}
