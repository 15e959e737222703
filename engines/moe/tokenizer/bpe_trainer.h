// Trains a small byte-level BPE vocabulary on a corpus and writes it as a tokenizer.json that
// Tokenizer::load reads: DeepSeek-V3's pre-tokenizer (its Split regexes, then ByteLevel), the 256
// byte symbols, merges learnt by pair frequency (ties broken by the smaller pair, comparing the
// left then the right token's bytes, so the result is deterministic), and the DeepSeek special
// tokens as added tokens. make-tiny uses it so the tiny checkpoint has a real tokenizer of our own.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::moe {

struct BpeTrainOptions {
  int vocab_size = 1024;  // byte symbols + merges, before the special tokens
  int min_frequency = 2;  // pairs seen fewer times are not merged
};

// The special tokens of the DeepSeek-V3/R1 family, appended after the learnt vocabulary:
// begin/end of sentence, User, Assistant, <think>, </think>, and a pad token.
// Deterministic: the same corpus and options give the same bytes. UsageError when vocab_size is
// below the 256 byte symbols.
std::string train_bpe_tokenizer_json(std::span<const std::string> corpus,
                                     BpeTrainOptions options = {});

// A corpus we write ourselves (generated, deterministic, about 100 KB): arithmetic word problems
// with step-by-step reasoning in <think> and \boxed{} answers, LaTeX, and plain English, so a
// vocabulary of about a thousand tokens encodes math prompts reasonably.
std::vector<std::string> builtin_bpe_corpus();

}  // namespace rbench::moe
