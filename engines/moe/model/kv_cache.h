// The CPU latent KV cache, paged like the CUDA one (engines/moe/gpu/paged_cache.h): fixed blocks
// of kKvBlockSize positions, each holding every layer's latent and rope key of those positions
// (f32), taken from a pool the model owns and shared by all of its caches. A sequence's memory
// then grows and shrinks a block at a time, and the scheduler can count what a sequence holds in
// the same units on either device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/model/forward_model.h"

namespace rbench::moe {

// Positions per block, on the CPU as on CUDA (engines/moe/gpu: kBlockSize).
inline constexpr int kKvBlockSize = 64;

// A block: layer l's latents [kKvBlockSize x rank] at l * (rank + rope) * kKvBlockSize, its rope
// keys [kKvBlockSize x rope] right after. Thread-safe; grows on demand; a block's address stays
// put for as long as the pool lives.
class KvBlockPool {
 public:
  struct Block {
    std::int32_t id = -1;
    float* data = nullptr;
  };
  // `tally`, when given, counts the bytes of the blocks in use (ForwardModel::memory()).
  explicit KvBlockPool(std::size_t block_floats, std::shared_ptr<CacheBytes> tally = nullptr)
      : block_floats_(block_floats), tally_(std::move(tally)) {}
  KvBlockPool(const KvBlockPool&) = delete;
  KvBlockPool& operator=(const KvBlockPool&) = delete;

  std::size_t block_floats() const { return block_floats_; }
  // A free block, growing the pool by one when none is free. Its contents are undefined.
  Block allocate();
  void release(std::int32_t id);
  std::size_t blocks_held() const;  // ever allocated: in use plus free
  std::size_t blocks_free() const;

 private:
  std::size_t block_floats_;
  std::shared_ptr<CacheBytes> tally_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<float[]>> blocks_;  // by id
  std::vector<std::int32_t> free_;
};

// One sequence's latent KV cache on the CPU: the main model's (a layer per decoder layer), or an
// MTP module's own (one layer), in f32. A copy takes its own blocks from the same pool.
class KvCache final : public SequenceCache {
 public:
  KvCache() = default;
  // A cache with a pool of its own (tests, tools); Model::new_cache() shares the model's.
  explicit KvCache(const ModelConfig& config) : KvCache(config, config.num_hidden_layers) {}
  KvCache(const ModelConfig& config, int layers);
  KvCache(std::shared_ptr<KvBlockPool> pool, const ModelConfig& config, int layers);
  ~KvCache() override;
  KvCache(const KvCache& other);
  KvCache& operator=(const KvCache& other);
  KvCache(KvCache&& other) noexcept;
  KvCache& operator=(KvCache&& other) noexcept;

  int layers() const { return layers_; }
  // Bytes per token as held here (f32): layers x (kv_lora_rank + qk_rope_head_dim) x 4.
  std::size_t bytes_per_token() const override;
  void truncate(int length) override;
  std::size_t blocks() const { return blocks_.size(); }
  const KvBlockPool* pool() const { return pool_.get(); }

  // Position p of layer l: block p / kKvBlockSize, row p % kKvBlockSize. The rows of one block
  // are contiguous, so a reader walks a block at a time.
  float* latent(int layer, int position) const {
    return row(layer, position) + static_cast<std::size_t>(position % kKvBlockSize) * latent_dim_;
  }
  float* rope_key(int layer, int position) const {
    return row(layer, position) + static_cast<std::size_t>(kKvBlockSize) * latent_dim_ +
           static_cast<std::size_t>(position % kKvBlockSize) * rope_dim_;
  }
  // Makes room for `length` positions (taking blocks) and records the new length.
  void grow_to(int length);

 private:
  float* row(int layer, int position) const {
    return blocks_[static_cast<std::size_t>(position / kKvBlockSize)].data +
           static_cast<std::size_t>(layer) * kKvBlockSize * (latent_dim_ + rope_dim_);
  }
  void release_from(std::size_t first_block);
  void swap(KvCache& other) noexcept;

  std::shared_ptr<KvBlockPool> pool_;
  int layers_ = 0;
  int latent_dim_ = 0;
  int rope_dim_ = 0;
  std::vector<KvBlockPool::Block> blocks_;
};

// Floats of one block of a cache with `layers` layers of this model.
std::size_t kv_block_floats(const ModelConfig& config, int layers);

}  // namespace rbench::moe
