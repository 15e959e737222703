#include "engines/moe/tokenizer/tokenizer_bpe.h"

#include <mutex>
#include <queue>

#include "engines/moe/tokenizer/tokenizer_unicode.h"

namespace rbench::moe {

namespace {

constexpr std::size_t kCachedPieceMaxBytes = 256;  // longer pieces are rare and costly to keep
constexpr std::size_t kCacheMaxEntries = 1 << 16;  // cleared when full: simple, bounded

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

std::int32_t lookup(const std::unordered_map<std::string, std::int32_t>& vocab,
                    const json::Value& where, const std::string& token, std::string_view role) {
  const auto it = vocab.find(token);
  if (it == vocab.end()) where.fail(fmt::format("{} \"{}\" is not in the vocab", role, token));
  return it->second;
}

}  // namespace

struct BpeModel::Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::int32_t>> ids;
};

BpeModel::BpeModel() : cache_(std::make_unique<Cache>()) {}
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;
BpeModel::~BpeModel() = default;

BpeModel BpeModel::parse(const json::Value& root) {
  const json::Value model = root.member("model");
  if (const auto type = model.find("type");
      type ? type->string() != "BPE" : !model.find("merges")) {
    model.fail(
        fmt::format("unsupported model type \"{}\" (supported: BPE)", type ? type->string() : "?"));
  }
  if (const auto dropout = model.find("dropout")) {
    if (!dropout->raw().IsNumber() || dropout->raw().GetDouble() > 0) {
      dropout->fail("BPE dropout is not supported (encoding must be deterministic)");
    }
  }
  if (boolean_or(model, "byte_fallback", false)) {
    model.member("byte_fallback")
        .fail("byte_fallback is not supported (byte-level BPE has all bytes)");
  }
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const auto value = model.find(affix); value && !value->string().empty()) {
      value->fail("subword prefixes and suffixes are not supported");
    }
  }

  BpeModel bpe;
  const json::Value vocab = model.member("vocab");
  if (!vocab.is_object()) vocab.fail("expected an object of token -> id");
  std::unordered_map<std::int32_t, std::string_view> seen_ids;
  for (const auto& [token, id_at] : vocab.members()) {
    const std::int32_t id = token_id(id_at);
    if (const auto [it, inserted] = seen_ids.emplace(id, token); !inserted) {
      id_at.fail(fmt::format("id {} is also the id of \"{}\"", id, it->second));
    }
    bpe.vocab_.emplace(std::string(token), id);
  }

  const json::Value merges = model.member("merges");
  for (rapidjson::SizeType rank = 0; rank < merges.size(); ++rank) {
    const json::Value entry = merges.at(rank);
    std::string left, right;
    if (entry.raw().IsString()) {
      // "a b": byte-level tokens never contain a space, so one space separates the two.
      const std::string_view text = entry.string_view();
      const std::size_t space = text.find(' ');
      if (space == std::string_view::npos || text.find(' ', space + 1) != std::string_view::npos) {
        entry.fail(fmt::format("merge \"{}\" is not two tokens separated by one space", text));
      }
      left = std::string(text.substr(0, space));
      right = std::string(text.substr(space + 1));
    } else {
      if (entry.size() != 2) entry.fail("a merge is two tokens");
      left = std::string(entry.at(0).string());
      right = std::string(entry.at(1).string());
    }
    const std::int32_t left_id = lookup(bpe.vocab_, entry, left, "merge token");
    const std::int32_t right_id = lookup(bpe.vocab_, entry, right, "merge token");
    const std::int32_t merged_id = lookup(bpe.vocab_, entry, left + right, "merged token");
    // A repeated pair takes its last rank, as a map built from the list does in tokenizers.
    bpe.merges_[pair_key(left_id, right_id)] = {static_cast<std::int32_t>(rank), merged_id};
  }

  if (const auto unk = model.find("unk_token")) {
    bpe.unk_ = lookup(bpe.vocab_, *unk, std::string(unk->string()), "unk_token");
  }
  bpe.fuse_unk_ = boolean_or(model, "fuse_unk", false);
  bpe.ignore_merges_ = boolean_or(model, "ignore_merges", false);
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  for (int b = 0; b < 256; ++b) {
    const auto it = bpe.vocab_.find(alphabet.char_of(static_cast<unsigned char>(b)));
    bpe.byte_ids_[b] = it == bpe.vocab_.end() ? -1 : it->second;
  }
  return bpe;
}

void BpeModel::encode(std::string_view piece, std::vector<std::int32_t>& out) const {
  if (ignore_merges_) {
    const auto it = vocab_.find(ByteLevelAlphabet::get().encode(piece));
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = piece.size() <= kCachedPieceMaxBytes;
  if (cacheable) {
    const std::lock_guard lock(cache_->mutex);
    if (const auto it = cache_->ids.find(std::string(piece)); it != cache_->ids.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::int32_t> ids;
  merge(piece, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    const std::lock_guard lock(cache_->mutex);
    if (cache_->ids.size() >= kCacheMaxEntries) cache_->ids.clear();
    cache_->ids.emplace(std::string(piece), std::move(ids));
  }
}

// tokenizers' Word::merge_all: a heap of candidate pairs by (rank, position); a popped pair is
// merged only if both symbols are still there and still form it.
void BpeModel::merge(std::string_view piece, std::vector<std::int32_t>& out) const {
  struct Symbol {
    std::int32_t id;
    int prev;
    int next;
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  bool last_was_unk = false;
  for (const char c : piece) {
    std::int32_t id = byte_ids_[static_cast<unsigned char>(c)];
    if (id < 0) {
      // Like tokenizers without unk_token, a byte the vocab lacks yields no token.
      if (!unk_ || (fuse_unk_ && last_was_unk)) continue;
      id = *unk_;
      last_was_unk = true;
    } else {
      last_was_unk = false;
    }
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, true});
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    std::int32_t rank;
    int pos;
    std::int32_t merged_id;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto push_pair = [&](int pos) {
    const int next = symbols[static_cast<std::size_t>(pos)].next;
    if (next < 0) return;
    const auto it = merges_.find(pair_key(symbols[static_cast<std::size_t>(pos)].id,
                                          symbols[static_cast<std::size_t>(next)].id));
    if (it != merges_.end()) queue.push({it->second.first, pos, it->second.second});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[static_cast<std::size_t>(left.next)];
    const auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.second != top.merged_id) continue;
    left.id = top.merged_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = top.pos;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.pos);
  }
  for (int i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
    out.push_back(symbols[static_cast<std::size_t>(i)].id);
  }
}

}  // namespace rbench::moe
