#include "engines/moe/gpu/paged_cache.h"

#include <algorithm>

namespace rbench::moe::gpu {
namespace {

// Blocks per arena: about 64 MiB, at least 16 blocks, so growth costs few cudaMallocs.
int arena_blocks(std::size_t block_bytes) {
  const std::size_t target = std::size_t{64} << 20;
  return static_cast<int>(
      std::max<std::size_t>(16, target / std::max<std::size_t>(1, block_bytes)));
}

}  // namespace

std::int32_t BlockPool::allocate() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) {
    const int count = arena_blocks(shape_.block_bytes());
    cuda::DeviceBuffer<std::byte> arena(shape_.block_bytes() * count);
    // Never-written positions are never read (attention stops at each token's own position),
    // but zeroed memory keeps a bug from reading stale values that look plausible.
    RBENCH_CUDA_CHECK(cudaMemset(arena.data(), 0, arena.bytes()));
    const auto first = static_cast<std::int32_t>(pointers_.size());
    for (int i = 0; i < count; ++i) {
      pointers_.push_back(arena.data() + shape_.block_bytes() * i);
    }
    // Handed out lowest id first.
    for (int i = count - 1; i >= 0; --i) free_.push_back(first + i);
    arenas_.push_back(std::move(arena));
  }
  const std::int32_t id = free_.back();
  free_.pop_back();
  peak_ = std::max(peak_, pointers_.size() - free_.size());
  return id;
}

void BlockPool::release(std::int32_t id) {
  std::lock_guard lock(mutex_);
  free_.push_back(id);
}

void* const* BlockPool::block_pointers(cudaStream_t stream) {
  std::lock_guard lock(mutex_);
  if (device_pointers_.size() < pointers_.size()) {
    std::size_t capacity = std::max<std::size_t>(device_pointers_.size(), 64);
    while (capacity < pointers_.size()) capacity *= 2;
    device_pointers_ = cuda::DeviceBuffer<void*>(capacity);
    uploaded_ = 0;
  }
  if (uploaded_ < pointers_.size()) {
    // From pageable memory: staged before the call returns, so pointers_ may grow after.
    RBENCH_CUDA_CHECK(cudaMemcpyAsync(
        device_pointers_.data() + uploaded_, pointers_.data() + uploaded_,
        (pointers_.size() - uploaded_) * sizeof(void*), cudaMemcpyHostToDevice, stream));
    uploaded_ = pointers_.size();
  }
  return device_pointers_.data();
}

std::size_t BlockPool::blocks_held() const {
  std::lock_guard lock(mutex_);
  return pointers_.size() - free_.size();
}

std::size_t BlockPool::blocks_peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

std::size_t BlockPool::blocks_reserved() const {
  std::lock_guard lock(mutex_);
  return pointers_.size();
}

PagedCache::~PagedCache() {
  for (const std::int32_t id : blocks_) pool_->release(id);
}

std::size_t PagedCache::bytes_per_token() const {
  const CacheShape& s = pool_->shape();
  return static_cast<std::size_t>(s.layers) * (s.rank + s.rope_dim) * s.element_bytes();
}

void PagedCache::truncate(int length) {
  length_ = std::clamp(length, 0, length_);
  const int block_size = pool_->shape().block_size;
  const std::size_t keep = (static_cast<std::size_t>(length_) + block_size - 1) / block_size;
  while (blocks_.size() > keep) {
    pool_->release(blocks_.back());
    blocks_.pop_back();
  }
}

void PagedCache::grow_to(int length) {
  const int block_size = pool_->shape().block_size;
  const std::size_t need = (static_cast<std::size_t>(length) + block_size - 1) / block_size;
  while (blocks_.size() < need) blocks_.push_back(pool_->allocate());
  length_ = std::max(length_, length);
}

}  // namespace rbench::moe::gpu
