// A typed device allocation that frees itself, with copies to and from host memory.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/stream.h"

namespace rbench::moe::cuda {

template <typename T>
class DeviceBuffer {
  // Bytes are copied as they are, so only trivially copyable element types make sense.
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    void* p = nullptr;
    const cudaError_t code = cudaMalloc(&p, count * sizeof(T));
    if (code != cudaSuccess) {
      throw_cuda_error(code,
                       ("cudaMalloc of " + std::to_string(count * sizeof(T)) + " bytes").c_str(),
                       __FILE__, __LINE__);
    }
    data_.reset(static_cast<T*>(p));
  }
  // Allocates host.size() elements and copies them (synchronously) to the device.
  explicit DeviceBuffer(std::span<const T> host) : DeviceBuffer(host.size()) { upload(host); }
  // Moves leave the source empty (size 0), not holding a size without memory.
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::move(other.data_)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    count_ = std::exchange(other.count_, 0);
    return *this;
  }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return count_ * sizeof(T); }

  // Synchronous copies of exactly size() elements: the sizes must agree.
  void upload(std::span<const T> host) {
    check_size(host.size());
    RBENCH_CUDA_CHECK(cudaMemcpy(data(), host.data(), bytes(), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    RBENCH_CUDA_CHECK(cudaMemcpy(host.data(), data(), bytes(), cudaMemcpyDeviceToHost));
    return host;
  }
  // Asynchronous variants: the host memory must stay alive (and, for overlap, be pinned)
  // until the stream reaches the copy.
  void upload_async(std::span<const T> host, const Stream& stream) {
    check_size(host.size());
    RBENCH_CUDA_CHECK(
        cudaMemcpyAsync(data(), host.data(), bytes(), cudaMemcpyHostToDevice, stream.get()));
  }
  void download_async(std::span<T> host, const Stream& stream) const {
    check_size(host.size());
    RBENCH_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), data(), bytes(), cudaMemcpyDeviceToHost, stream.get()));
  }

 private:
  void check_size(std::size_t n) const {
    if (n != count_) {
      throw Error("DeviceBuffer: host span of " + std::to_string(n) + " elements for a buffer of " +
                  std::to_string(count_));
    }
  }
  struct Free {
    void operator()(T* p) const { cudaFree(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t count_ = 0;
};

}  // namespace rbench::moe::cuda
