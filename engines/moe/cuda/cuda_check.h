// Turns a failed CUDA runtime call into an rbench::Error that says which call, where, and what the
// runtime reported, so a failure in a kernel launch or a copy reads like any other rbench error.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "harness/core/error.h"

namespace rbench::moe::cuda {

// An error from the CUDA runtime; the message carries file:line, the call and the error's name.
class CudaError : public Error {
 public:
  CudaError(cudaError_t code, const std::string& message) : Error(message), code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

[[noreturn]] inline void throw_cuda_error(cudaError_t code, const char* call, const char* file,
                                          int line) {
  throw CudaError(code, std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                            cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")");
}

inline void check(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, call, file, line);
}

}  // namespace rbench::moe::cuda

// A macro, not a function, so that the message names the failing call and its own file:line.
#define RBENCH_CUDA_CHECK(call) ::rbench::moe::cuda::check((call), #call, __FILE__, __LINE__)
