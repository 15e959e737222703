// Which CUDA device this process can use, if any. "No GPU" (no device, no driver, a driver too
// old for this runtime) is an answer, not an error: callers fall back to the CPU or skip.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace rbench::moe::cuda {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  std::size_t total_bytes = 0;  // cudaMemGetInfo, at the time of the query
  std::size_t free_bytes = 0;
  int sm_count = 0;
  int major = 0;  // compute capability, 9.0 for H100 and H200
  int minor = 0;
};

// The device with this ordinal, or nullopt when there is none (or no usable driver). Throws
// only for failures on a device that exists.
std::optional<DeviceInfo> cuda_device(int ordinal = 0);

// Why cuda_device() returned nullopt, for skip messages: the runtime's error, or the device count.
std::string cuda_unavailable_reason(int ordinal = 0);

}  // namespace rbench::moe::cuda
