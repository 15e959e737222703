// RAII owners of a CUDA stream and a CUDA event. Destruction never throws: a failure there is
// ignored, as the handle is gone either way and an exception may already be in flight.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>

#include "engines/moe/cuda/cuda_check.h"

namespace rbench::moe::cuda {

// A non-blocking stream: work on it never waits on the legacy default stream.
class Stream {
 public:
  Stream() {
    cudaStream_t s = nullptr;
    RBENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    handle_.reset(s);
  }
  cudaStream_t get() const { return handle_.get(); }
  void synchronize() const { RBENCH_CUDA_CHECK(cudaStreamSynchronize(get())); }

 private:
  struct Destroy {
    void operator()(cudaStream_t s) const { cudaStreamDestroy(s); }
  };
  // cudaStream_t is a pointer to an opaque struct, so unique_ptr owns it directly.
  std::unique_ptr<CUstream_st, Destroy> handle_;
};

// An event with timing enabled, for measuring kernels on the stream that runs them.
class Event {
 public:
  Event() {
    cudaEvent_t e = nullptr;
    RBENCH_CUDA_CHECK(cudaEventCreate(&e));
    handle_.reset(e);
  }
  cudaEvent_t get() const { return handle_.get(); }
  void record(const Stream& stream) const {
    RBENCH_CUDA_CHECK(cudaEventRecord(get(), stream.get()));
  }
  void synchronize() const { RBENCH_CUDA_CHECK(cudaEventSynchronize(get())); }
  // Milliseconds from `start` to this event; both must have completed.
  float elapsed_ms_since(const Event& start) const {
    float ms = 0.0f;
    RBENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), get()));
    return ms;
  }

 private:
  struct Destroy {
    void operator()(cudaEvent_t e) const { cudaEventDestroy(e); }
  };
  std::unique_ptr<CUevent_st, Destroy> handle_;
};

}  // namespace rbench::moe::cuda
