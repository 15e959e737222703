#include "engines/moe/model/kv_cache.h"

#include <algorithm>
#include <stdexcept>

namespace rbench::moe {

std::size_t kv_block_floats(const ModelConfig& c, int layers) {
  return static_cast<std::size_t>(layers) * kKvBlockSize * (c.kv_lora_rank + c.qk_rope_head_dim);
}

KvBlockPool::Block KvBlockPool::allocate() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) {
    blocks_.push_back(std::make_unique_for_overwrite<float[]>(block_floats_));
    free_.push_back(static_cast<std::int32_t>(blocks_.size() - 1));
  }
  const std::int32_t id = free_.back();
  free_.pop_back();
  if (tally_) tally_->add(static_cast<std::int64_t>(block_floats_ * sizeof(float)));
  return {id, blocks_[static_cast<std::size_t>(id)].get()};
}

void KvBlockPool::release(std::int32_t id) {
  std::lock_guard lock(mutex_);
  if (id < 0 || static_cast<std::size_t>(id) >= blocks_.size()) {
    throw std::logic_error("KvBlockPool::release: a block this pool never gave out");
  }
  free_.push_back(id);
  if (tally_) tally_->add(-static_cast<std::int64_t>(block_floats_ * sizeof(float)));
}

std::size_t KvBlockPool::blocks_held() const {
  std::lock_guard lock(mutex_);
  return blocks_.size();
}

std::size_t KvBlockPool::blocks_free() const {
  std::lock_guard lock(mutex_);
  return free_.size();
}

KvCache::KvCache(const ModelConfig& c, int layers)
    : KvCache(std::make_shared<KvBlockPool>(kv_block_floats(c, layers)), c, layers) {}

KvCache::KvCache(std::shared_ptr<KvBlockPool> pool, const ModelConfig& c, int layers)
    : pool_(std::move(pool)),
      layers_(layers),
      latent_dim_(c.kv_lora_rank),
      rope_dim_(c.qk_rope_head_dim) {
  if (pool_->block_floats() != kv_block_floats(c, layers)) {
    throw std::invalid_argument("KvCache: the pool's blocks are not this cache's size");
  }
}

KvCache::~KvCache() {
  release_from(0);
}

KvCache::KvCache(const KvCache& other)
    : SequenceCache(other),
      pool_(other.pool_),
      layers_(other.layers_),
      latent_dim_(other.latent_dim_),
      rope_dim_(other.rope_dim_) {
  for (const KvBlockPool::Block& b : other.blocks_) {
    blocks_.push_back(pool_->allocate());
    std::copy_n(b.data, pool_->block_floats(), blocks_.back().data);
  }
}

KvCache& KvCache::operator=(const KvCache& other) {
  if (this != &other) {
    KvCache copy(other);
    swap(copy);
  }
  return *this;
}

KvCache::KvCache(KvCache&& other) noexcept {
  swap(other);
}

KvCache& KvCache::operator=(KvCache&& other) noexcept {
  if (this != &other) {
    KvCache moved(std::move(other));
    swap(moved);
  }
  return *this;
}

void KvCache::swap(KvCache& other) noexcept {
  std::swap(length_, other.length_);
  std::swap(pool_, other.pool_);
  std::swap(layers_, other.layers_);
  std::swap(latent_dim_, other.latent_dim_);
  std::swap(rope_dim_, other.rope_dim_);
  std::swap(blocks_, other.blocks_);
}

std::size_t KvCache::bytes_per_token() const {
  return static_cast<std::size_t>(layers_) * (latent_dim_ + rope_dim_) * sizeof(float);
}

void KvCache::release_from(std::size_t first_block) {
  for (std::size_t i = first_block; i < blocks_.size(); ++i) pool_->release(blocks_[i].id);
  blocks_.resize(std::min(first_block, blocks_.size()));
}

void KvCache::truncate(int length) {
  length_ = std::clamp(length, 0, length_);
  release_from(static_cast<std::size_t>((length_ + kKvBlockSize - 1) / kKvBlockSize));
}

void KvCache::grow_to(int length) {
  const auto needed = static_cast<std::size_t>((length + kKvBlockSize - 1) / kKvBlockSize);
  while (blocks_.size() < needed) blocks_.push_back(pool_->allocate());
  length_ = std::max(length_, length);
}

}  // namespace rbench::moe
