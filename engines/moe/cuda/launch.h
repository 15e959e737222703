// What every launcher of this room shares (for its .cu files only): the parameter error, the
// launch check and grid sizing, so that each launcher only states what it checks.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "engines/moe/cuda/cuda_check.h"

namespace rbench::moe::cuda {

inline constexpr int kWarp = 32;
inline constexpr unsigned kFullMask = 0xffffffffu;

// A launcher's parameters were wrong: "cuda::OP: what".
[[noreturn]] inline void bad_params(const char* op, const std::string& what) {
  throw Error(std::string("cuda::") + op + ": " + what);
}

// The launch just made, checked (a bad configuration fails here, not at the next sync).
inline void check_launch(const char* kernel) {
  const cudaError_t code = cudaGetLastError();
  if (code != cudaSuccess) throw_cuda_error(code, kernel, __FILE__, __LINE__);
}

inline unsigned blocks_for(long long items, int per_block) {
  return static_cast<unsigned>((items + per_block - 1) / per_block);
}

}  // namespace rbench::moe::cuda
