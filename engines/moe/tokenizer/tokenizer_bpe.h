// The BPE model of a tokenizer.json: vocab (byte-level text -> id) and merges by rank. A pre-token
// starts as one symbol per byte and the lowest-ranked adjacent pair is merged until none is left,
// leftmost first among equal ranks, exactly as tokenizers' Word::merge_all does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engines/moe/tokenizer/tokenizer_json.h"

namespace rbench::moe {

class BpeModel {
 public:
  // The root's "model"; DataError for other model types, byte_fallback, dropout, subword
  // prefixes/suffixes, and merges naming tokens that are not in the vocab.
  static BpeModel parse(const json::Value& root);

  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();

  // Appends the ids of one pre-token given as raw bytes.
  void encode(std::string_view piece, std::vector<std::int32_t>& out) const;

  const std::unordered_map<std::string, std::int32_t>& vocab() const { return vocab_; }

 private:
  BpeModel();
  void merge(std::string_view piece, std::vector<std::int32_t>& out) const;

  struct Cache;
  std::unordered_map<std::string, std::int32_t> vocab_;
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<std::uint64_t, std::pair<std::int32_t, std::int32_t>> merges_;
  std::int32_t byte_ids_[256];  // the id of each byte's character, -1 where the vocab lacks it
  std::optional<std::int32_t> unk_;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::unique_ptr<Cache> cache_;  // behind a pointer: it holds a mutex, the model moves
};

}  // namespace rbench::moe
