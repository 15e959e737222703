#include "engines/moe/model/forward_model.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

namespace rbench::moe {

CopyBandwidth ForwardModel::measure_copy(std::size_t bytes, int repeats) const {
  // Chunks of 1 MiB, so every thread streams and none waits on another's tail.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  bytes = std::max(bytes, kChunk);
  repeats = std::max(repeats, 1);
  // Value-initialised: every page is touched before the timed copies.
  std::vector<std::byte> src(bytes, std::byte{1});
  std::vector<std::byte> dst(bytes);
  const std::size_t chunks = (bytes + kChunk - 1) / kChunk;
  const auto copy = [&] {
    tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
      const std::size_t begin = c * kChunk;
      std::memcpy(dst.data() + begin, src.data() + begin, std::min(kChunk, bytes - begin));
    });
  };
  copy();
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; ++r) copy();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {bytes, repeats, s / repeats};
}

}  // namespace rbench::moe
