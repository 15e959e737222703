// Trains a small byte-level BPE vocabulary on a corpus and writes it as a tokenizer.json that
// Tokenizer::load reads: DeepSeek-V3's pre-tokenizer (its Split regexes, then ByteLevel), the 256
// byte symbols, merges learnt by pair frequency (ties broken by the pair's text, so the result is
// deterministic), and the DeepSeek special tokens as added tokens. make-tiny uses it so the tiny
// checkpoint has a real tokenizer of our own.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace rbench::moe {

struct BpeTrainOptions {
  int vocab_size = 1024;  // byte symbols + merges, before the special tokens
  int min_frequency = 2;  // pairs seen fewer times are not merged
};

// The special tokens of the DeepSeek-V3/R1 family, appended after the learnt vocabulary:
// begin/end of sentence, User, Assistant, <think>, </think>, and a pad token.
std::string train_bpe_tokenizer_json(std::span<const std::string> corpus,
                                     BpeTrainOptions options = {});

}  // namespace rbench::moe
