// The paged latent KV cache on a CUDA device: a pool of fixed-size blocks, each holding
// block_size positions of every layer (the layout engines/moe/cuda/mla.h describes), handed to
// sequences as they grow and taken back when they shrink or end. The pool grows by arenas, so a
// long sequence never needs one contiguous allocation, and a block's address stays put.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/mla.h"
#include "engines/moe/model/forward_model.h"

namespace rbench::moe::gpu {

struct CacheShape {
  int layers = 1;
  int rank = 0;      // kv_lora_rank
  int rope_dim = 0;  // qk_rope_head_dim
  bool bf16 = true;
  int block_size = 64;
  std::size_t element_bytes() const { return bf16 ? 2 : 4; }
  std::size_t block_bytes() const {
    return static_cast<std::size_t>(layers) * block_size * (rank + rope_dim) * element_bytes();
  }
};

class BlockPool {
 public:
  explicit BlockPool(CacheShape shape) : shape_(shape) {}
  const CacheShape& shape() const { return shape_; }
  // A free block's id, growing the pool by an arena when none is free.
  std::int32_t allocate();
  void release(std::int32_t id);
  // Device array of every block's base address, by id, brought up to date on `stream` (so
  // ordered before what the stream runs next). Blocks never move, so only new ones are copied;
  // the array grows by doubling, so its address changes rarely (a captured CUDA graph holds it).
  void* const* block_pointers(cudaStream_t stream);
  std::size_t blocks_held() const;
  // The most blocks held at once since the pool was made, and the blocks its arenas hold.
  std::size_t blocks_peak() const;
  std::size_t blocks_reserved() const;

 private:
  CacheShape shape_;
  mutable std::mutex mutex_;
  std::vector<cuda::DeviceBuffer<std::byte>> arenas_;
  std::vector<void*> pointers_;  // host copy, by block id
  std::vector<std::int32_t> free_;
  std::size_t peak_ = 0;
  cuda::DeviceBuffer<void*> device_pointers_;  // capacity: its size
  std::size_t uploaded_ = 0;                   // entries of pointers_ already in it
};

// One sequence's cache: its block table and length. Made by CudaModel; returns its blocks to the
// pool when truncated or destroyed.
class PagedCache final : public SequenceCache {
 public:
  PagedCache(std::shared_ptr<BlockPool> pool, const void* owner)
      : pool_(std::move(pool)), owner_(owner) {}
  ~PagedCache() override;
  PagedCache(const PagedCache&) = delete;
  PagedCache& operator=(const PagedCache&) = delete;

  std::size_t bytes_per_token() const override;
  void truncate(int length) override;

  // For the model that made it.
  const void* owner() const { return owner_; }
  BlockPool& pool() const { return *pool_; }
  const std::vector<std::int32_t>& blocks() const { return blocks_; }
  // Makes room for `length` positions (allocating blocks) and records the new length.
  void grow_to(int length);

 private:
  std::shared_ptr<BlockPool> pool_;
  const void* owner_;
  std::vector<std::int32_t> blocks_;
};

}  // namespace rbench::moe::gpu
