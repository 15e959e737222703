// Device-to-device copy bandwidth: the roofline a memory-bound kernel (the bf16 gemv of decode)
// is set against, measured on the machine at hand rather than taken from a data sheet.
#pragma once

#include <cstddef>

#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/stream.h"

namespace rbench::moe::cuda {

struct CopyBandwidth {
  std::size_t bytes = 0;  // one copy's size
  int repeats = 0;
  double seconds_per_copy = 0.0;
  // A copy reads and writes every byte, so it moves 2 x bytes; a gemv only reads, and its bytes
  // read per second compare with this figure.
  double gb_per_s() const {
    return seconds_per_copy > 0.0 ? 2.0 * static_cast<double>(bytes) / seconds_per_copy / 1e9 : 0.0;
  }
};

// Times `repeats` cudaMemcpyAsync device-to-device copies of src into dst (the same size) on
// `stream` with events, after one untimed warm-up copy.
CopyBandwidth measure_device_copy(DeviceBuffer<std::byte>& dst, const DeviceBuffer<std::byte>& src,
                                  int repeats, const Stream& stream);
// The same over buffers of `bytes` allocated (and touched) here and freed on return.
CopyBandwidth measure_device_copy(std::size_t bytes, int repeats, const Stream& stream);

}  // namespace rbench::moe::cuda
