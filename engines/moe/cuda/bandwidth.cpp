#include "engines/moe/cuda/bandwidth.h"

#include <cuda_runtime_api.h>

#include <string>

#include "engines/moe/cuda/device_buffer.h"

namespace rbench::moe::cuda {

CopyBandwidth measure_device_copy(DeviceBuffer<std::byte>& dst, const DeviceBuffer<std::byte>& src,
                                  int repeats, const Stream& stream) {
  if (src.size() == 0 || dst.size() != src.size() || repeats <= 0) {
    throw Error("measure_device_copy: " + std::to_string(src.size()) + " bytes into " +
                std::to_string(dst.size()) + ", repeats " + std::to_string(repeats) +
                " (sizes equal and positive, repeats positive)");
  }
  const std::size_t bytes = src.bytes();
  const auto copy = [&] {
    RBENCH_CUDA_CHECK(
        cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, stream.get()));
  };
  copy();  // warm-up: the first touch of fresh allocations maps their pages
  const Event start;
  const Event stop;
  start.record(stream);
  for (int i = 0; i < repeats; ++i) copy();
  stop.record(stream);
  stop.synchronize();
  const double ms = stop.elapsed_ms_since(start);
  return {.bytes = bytes, .repeats = repeats, .seconds_per_copy = ms / 1e3 / repeats};
}

CopyBandwidth measure_device_copy(std::size_t bytes, int repeats, const Stream& stream) {
  if (bytes == 0) throw Error("measure_device_copy: 0 bytes");
  DeviceBuffer<std::byte> src(bytes);
  DeviceBuffer<std::byte> dst(bytes);
  RBENCH_CUDA_CHECK(cudaMemsetAsync(src.data(), 1, bytes, stream.get()));
  return measure_device_copy(dst, src, repeats, stream);
}

}  // namespace rbench::moe::cuda
