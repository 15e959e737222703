// Byte-level BPE training: words are DeepSeek-V3's pre-tokens (through our Tokenizer, so training
// and encoding cut text the same way), counted; then the most frequent adjacent pair is merged,
// again and again. Pair counts are kept up to date incrementally: a merge only revisits the words
// that contain its pair.
#include "engines/moe/tokenizer/bpe_trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engines/moe/tokenizer/bpe_tokenizer_json.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "harness/core/error.h"

namespace rbench::moe {

namespace {

using Pair = std::pair<std::int32_t, std::int32_t>;

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}
Pair unpack(std::uint64_t key) {
  return {static_cast<std::int32_t>(key >> 32), static_cast<std::int32_t>(key & 0xFFFFFFFFu)};
}

struct Word {
  std::vector<std::int32_t> symbols;
  std::int64_t count = 0;
};

// The merge loop: pair counts over all words, the words each pair occurs in, and a heap of
// (count, pair) whose stale entries are skipped when they surface.
class PairMerger {
 public:
  PairMerger(std::vector<Word> words, std::vector<std::string>& tokens)
      : words_(std::move(words)), tokens_(tokens) {
    for (std::size_t w = 0; w < words_.size(); ++w) add_pairs(w);
    for (const auto& [pair, count] : counts_) heap_.push({count, pair});
  }

  // The next merge, or nullopt when no pair occurs at least min_frequency times.
  std::optional<Pair> best(std::int64_t min_frequency) {
    while (!heap_.empty()) {
      const Entry top = heap_.top();
      heap_.pop();
      const auto it = counts_.find(top.pair);
      if (it == counts_.end() || it->second != top.count) continue;  // stale
      if (top.count < min_frequency) return std::nullopt;
      return unpack(top.pair);
    }
    return std::nullopt;
  }

  void merge(Pair pair, std::int32_t merged) {
    const std::uint64_t merged_key = pair_key(pair.first, pair.second);
    std::vector<std::size_t> affected = std::move(where_[merged_key]);
    where_.erase(merged_key);
    std::sort(affected.begin(), affected.end());
    affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
    for (const std::size_t w : affected) {
      std::vector<std::int32_t>& s = words_[w].symbols;
      std::vector<std::int32_t> next;
      next.reserve(s.size());
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == pair.first && s[i + 1] == pair.second) {
          next.push_back(merged);
          ++i;
        } else {
          next.push_back(s[i]);
        }
      }
      if (next.size() == s.size()) continue;  // a stale entry: the pair left this word earlier
      remove_pairs(w);
      s = std::move(next);
      add_pairs(w);
    }
    std::sort(changed_.begin(), changed_.end());
    changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
    for (const std::uint64_t key : changed_) {
      const auto it = counts_.find(key);
      if (it == counts_.end()) continue;
      if (it->second <= 0) {
        counts_.erase(it);
      } else {
        heap_.push({it->second, key});
      }
    }
    changed_.clear();
  }

 private:
  struct Entry {
    std::int64_t count;
    std::uint64_t pair;
  };
  // Most frequent first; among equal counts the smaller (left bytes, right bytes).
  struct Lower {
    const std::vector<std::string>* tokens;
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.count != b.count) return a.count < b.count;
      const auto [al, ar] = unpack(a.pair);
      const auto [bl, br] = unpack(b.pair);
      const auto& t = *tokens;
      return std::tie(t[static_cast<std::size_t>(al)], t[static_cast<std::size_t>(ar)]) >
             std::tie(t[static_cast<std::size_t>(bl)], t[static_cast<std::size_t>(br)]);
    }
  };

  void add_pairs(std::size_t w) {
    const Word& word = words_[w];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const std::uint64_t key = pair_key(word.symbols[i], word.symbols[i + 1]);
      counts_[key] += word.count;
      changed_.push_back(key);
      auto& list = where_[key];
      if (list.empty() || list.back() != w) list.push_back(w);
    }
  }
  void remove_pairs(std::size_t w) {
    const Word& word = words_[w];
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const std::uint64_t key = pair_key(word.symbols[i], word.symbols[i + 1]);
      counts_[key] -= word.count;
      changed_.push_back(key);
    }
  }

  std::vector<Word> words_;
  std::vector<std::string>& tokens_;
  std::unordered_map<std::uint64_t, std::int64_t> counts_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> where_;
  std::vector<std::uint64_t> changed_;
  std::priority_queue<Entry, std::vector<Entry>, Lower> heap_{Lower{&tokens_}};
};

}  // namespace

std::string train_bpe_tokenizer_json(std::span<const std::string> corpus, BpeTrainOptions options) {
  constexpr int kByteSymbols = 256;
  if (options.vocab_size < kByteSymbols) {
    throw UsageError(fmt::format("BPE vocab_size {} is below the {} byte symbols",
                                 options.vocab_size, kByteSymbols));
  }
  std::vector<std::string> tokens;
  for (int b = 0; b < kByteSymbols; ++b) tokens.emplace_back(1, static_cast<char>(b));

  // Words: pre-tokens of the corpus, with the special tokens split out, counted. std::map keeps
  // them in byte order, so everything downstream is deterministic.
  const Tokenizer pre_tokenizer =
      Tokenizer::from_json(deepseek_bpe_tokenizer_json(tokens, {}), "<bpe trainer>");
  std::map<std::string, std::int64_t> counts;
  for (const std::string& document : corpus) {
    for (std::string& piece : pre_tokenizer.pre_tokenize(document)) ++counts[std::move(piece)];
  }
  std::vector<Word> words;
  words.reserve(counts.size());
  for (const auto& [piece, count] : counts) {
    Word word{{}, count};
    for (const char c : piece) word.symbols.push_back(static_cast<unsigned char>(c));
    words.push_back(std::move(word));
  }

  std::unordered_map<std::string, std::int32_t> id_of;
  for (std::int32_t id = 0; id < kByteSymbols; ++id)
    id_of[tokens[static_cast<std::size_t>(id)]] = id;
  std::vector<Pair> merges;
  PairMerger merger(std::move(words), tokens);
  while (static_cast<int>(tokens.size()) < options.vocab_size) {
    const auto pair = merger.best(std::max(options.min_frequency, 1));
    if (!pair) break;
    std::string merged = tokens[static_cast<std::size_t>(pair->first)] +
                         tokens[static_cast<std::size_t>(pair->second)];
    // Two pairs can spell the same token ("ab"+"c", "a"+"bc"); like tokenizers' trainer, the
    // second merge reuses the first one's id.
    auto [it, inserted] = id_of.emplace(merged, static_cast<std::int32_t>(tokens.size()));
    if (inserted) tokens.push_back(std::move(merged));
    merges.push_back(*pair);
    merger.merge(*pair, it->second);
  }
  return deepseek_bpe_tokenizer_json(tokens, merges);
}

}  // namespace rbench::moe
