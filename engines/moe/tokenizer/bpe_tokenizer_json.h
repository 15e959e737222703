// The tokenizer.json the BPE trainer writes: a byte-level BPE (tokens as raw bytes by id, merges
// as pairs of ids by rank) with DeepSeek-V3's components around it: no normalizer, its
// pre-tokenizer Sequence, BOS prepended by TemplateProcessing, the ByteLevel decoder, and the
// DeepSeek-R1 special tokens as added tokens with the ids after the vocabulary.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace rbench::moe {

std::string deepseek_bpe_tokenizer_json(
    std::span<const std::string> tokens,
    std::span<const std::pair<std::int32_t, std::int32_t>> merges);

}  // namespace rbench::moe
