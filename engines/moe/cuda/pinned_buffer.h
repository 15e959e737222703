// Page-locked host memory that frees itself: the staging area of a step's inputs, so that their
// cudaMemcpyAsync is truly asynchronous and a captured graph can read what was copied before it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

#include "engines/moe/cuda/cuda_check.h"

namespace rbench::moe::cuda {

template <typename T>
class PinnedBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    void* p = nullptr;
    const cudaError_t code = cudaMallocHost(&p, count * sizeof(T));
    if (code != cudaSuccess) {
      throw_cuda_error(
          code, ("cudaMallocHost of " + std::to_string(count * sizeof(T)) + " bytes").c_str(),
          __FILE__, __LINE__);
    }
    data_.reset(static_cast<T*>(p));
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return count_; }

 private:
  struct Free {
    void operator()(T* p) const { cudaFreeHost(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t count_ = 0;
};

}  // namespace rbench::moe::cuda
