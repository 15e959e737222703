#include "engines/moe/cuda/device.h"

#include <cuda_runtime_api.h>

#include <string>

#include "engines/moe/cuda/cuda_check.h"

namespace rbench::moe::cuda {
namespace {

// Errors of cudaGetDeviceCount that mean "this machine has no usable GPU" rather than a fault.
bool means_no_gpu(cudaError_t code) {
  switch (code) {
    case cudaErrorNoDevice:                    // a driver, but no device
    case cudaErrorInsufficientDriver:          // no driver (libcuda absent) or one too old
    case cudaErrorSystemDriverMismatch:        // the kernel module and libcuda disagree
    case cudaErrorCompatNotSupportedOnDevice:  // forward-compatibility driver on a GPU it lacks
    case cudaErrorDevicesUnavailable:          // every device exclusive to another process
    case cudaErrorNotSupported:
      return true;
    default:
      return false;
  }
}

// The device count, or the error that says why there is none. Clears the runtime's last error so
// that a later, unrelated check does not see this one.
cudaError_t device_count(int& count) {
  count = 0;
  const cudaError_t code = cudaGetDeviceCount(&count);
  if (code != cudaSuccess) {
    cudaGetLastError();
    count = 0;
  }
  return code;
}

}  // namespace

std::optional<DeviceInfo> cuda_device(int ordinal) {
  int count = 0;
  const cudaError_t code = device_count(count);
  if (code != cudaSuccess) {
    if (means_no_gpu(code)) return std::nullopt;
    throw_cuda_error(code, "cudaGetDeviceCount", __FILE__, __LINE__);
  }
  if (ordinal < 0 || ordinal >= count) return std::nullopt;

  DeviceInfo info;
  info.ordinal = ordinal;
  cudaDeviceProp prop{};
  RBENCH_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  info.name = prop.name;
  info.sm_count = prop.multiProcessorCount;
  info.major = prop.major;
  info.minor = prop.minor;
  // cudaMemGetInfo reports on the current device; restore the caller's afterwards.
  int previous = 0;
  RBENCH_CUDA_CHECK(cudaGetDevice(&previous));
  RBENCH_CUDA_CHECK(cudaSetDevice(ordinal));
  const cudaError_t mem = cudaMemGetInfo(&info.free_bytes, &info.total_bytes);
  RBENCH_CUDA_CHECK(cudaSetDevice(previous));
  check(mem, "cudaMemGetInfo", __FILE__, __LINE__);
  return info;
}

std::string cuda_unavailable_reason(int ordinal) {
  int count = 0;
  const cudaError_t code = device_count(count);
  if (code != cudaSuccess) {
    return std::string(cudaGetErrorName(code)) + " (" + cudaGetErrorString(code) + ")";
  }
  if (ordinal < 0 || ordinal >= count) {
    return "device " + std::to_string(ordinal) + " requested, " + std::to_string(count) +
           " present";
  }
  return "device " + std::to_string(ordinal) + " is available";
}

}  // namespace rbench::moe::cuda
