// The tokenizer of a model without a tokenizer.json (`--load-format dummy`): one token per byte,
// the chat template's special tokens (BOS, EOS, <｜User｜>, <｜Assistant｜>, <think>, </think>),
// no merges. Every other id of the model's vocabulary decodes to a visible placeholder
// ("<tok_ID>"), so a random model's tokens print instead of failing.
#pragma once

#include <cstdint>

#include "engines/moe/tokenizer/tokenizer.h"

namespace rbench::moe {

struct ByteTokenizerIds {
  std::int32_t vocab_size = 0;  // the model's: ids up to it decode (the unknown as placeholders)
  std::int32_t bos = -1;        // BOS's id (the config's bos_token_id); < 0: the first free
  std::int32_t eos = -1;        // EOS's id (the config's eos_token_id); < 0: the first free
};

// Bytes take the first 256 ids that BOS and EOS leave free, the other special tokens the next
// ones. std::invalid_argument when they do not fit vocab_size or BOS and EOS collide.
Tokenizer byte_tokenizer(const ByteTokenizerIds& ids);

}  // namespace rbench::moe
