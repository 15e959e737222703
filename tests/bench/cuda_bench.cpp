// The engine's decode gemv (engines/moe/cuda/weights.h) against the device's own copy bandwidth, in
// one run: the gemv only reads its weight, so its bytes read per second over the copy's bytes moved
// per second is how close decode's hot path comes to the memory roofline.
//   build/rbench_bench --benchmark_filter=Cuda --benchmark_format=json
// Counters: bytes/s = bytes read (gemv: W, x and y) or moved (copy: read + written) per second;
// of_copy = gemv bytes/s over a device copy's, measured just before. Timed with CUDA events.
// Without a GPU every benchmark reports "no CUDA device" as an error and runs nothing.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cuda/bandwidth.h"
#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/stream.h"
#include "engines/moe/cuda/weights.h"

namespace rbench::moe::cuda {
namespace {

// Launches timed per iteration, so that a 10-microsecond kernel is not measured by one event gap.
constexpr int kLaunchesPerIteration = 10;
// Larger than any L2 (50 MiB on H100), so the copy runs from device memory.
constexpr std::size_t kCopyBytes = std::size_t{256} << 20;

bool skip_without_gpu(benchmark::State& state) {
  if (cuda_device()) return false;
  state.SkipWithError(("no CUDA device: " + cuda_unavailable_reason()).c_str());
  return true;
}

// The engine's decode-step gemv (weights.h) from bf16 or fp8 weights: state.range(0) is the dtype
// (0 bf16, 1 fp8 with 128x128 scales), then rows, cols and n inputs. Bytes read: W (and its
// scales) once per pass of kGemvMaxBatch inputs, plus x and y.
void BM_CudaGemv(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const bool fp8 = state.range(0) == 1;
  const int rows = static_cast<int>(state.range(1));
  const int cols = static_cast<int>(state.range(2));
  const int n = static_cast<int>(state.range(3));
  const Stream stream;
  const double copy_gb_per_s = measure_device_copy(kCopyBytes, 10, stream).gb_per_s();

  const std::size_t count = static_cast<std::size_t>(rows) * cols;
  const std::size_t element = fp8 ? 1 : 2;
  std::vector<std::byte> w_host(count * element);
  for (std::size_t i = 0; i < w_host.size(); ++i) {
    // bf16 around 1.0; fp8 codes of moderate magnitude (no NaN pattern 0x7f/0xff).
    w_host[i] = static_cast<std::byte>(fp8 ? 0x30 + i % 17 : (i % 2 ? 0x3f : i % 251));
  }
  const std::size_t scale_count =
      static_cast<std::size_t>((rows + 127) / 128) * ((cols + 127) / 128);
  DeviceBuffer<std::byte> w{std::span<const std::byte>(w_host)};
  DeviceBuffer<float> scales{std::span<const float>(std::vector<float>(scale_count, 0.01f))};
  DeviceBuffer<float> x{
      std::span<const float>(std::vector<float>(std::size_t{1} * n * cols, 0.5f))};
  DeviceBuffer<float> y(static_cast<std::size_t>(n) * rows);
  GemvParams p;
  p.w = {fp8 ? WeightType::f8_e4m3 : WeightType::bf16, w.data(), fp8 ? scales.data() : nullptr,
         rows, cols};
  p.x = x.data();
  p.y = y.data();
  p.n = n;
  const Event start;
  const Event stop;
  for (auto _ : state) {
    start.record(stream);
    for (int i = 0; i < kLaunchesPerIteration; ++i) gemv(p, stream.get());
    stop.record(stream);
    stop.synchronize();
    state.SetIterationTime(stop.elapsed_ms_since(start) / 1e3 / kLaunchesPerIteration);
  }
  const int passes = (n + kGemvMaxBatch - 1) / kGemvMaxBatch;
  const double bytes = static_cast<double>(count * element + (fp8 ? scale_count * 4 : 0)) * passes +
                       (static_cast<double>(cols) + rows) * 4.0 * n;
  state.SetBytesProcessed(
      static_cast<std::int64_t>(bytes * static_cast<double>(state.iterations())));
  state.SetLabel(std::string(fp8 ? "fp8" : "bf16") +
                 (gemv_uses_vector_loads(p) ? ", vector" : ", scalar"));
  state.counters["of_copy"] =
      benchmark::Counter(bytes / 1e9 / copy_gb_per_s * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CudaGemv)
    // DeepSeek-V2-Lite's attention output projection (2048 x 2048), an expert's gate (1408 x
    // 2048) and its down projection (2048 x 1408), and V3's dense up projection (18432 x 7168).
    ->ArgsProduct({{0, 1}, {2048}, {2048}, {1, 8}})
    ->ArgsProduct({{0, 1}, {1408}, {2048}, {1}})
    ->ArgsProduct({{0, 1}, {2048}, {1408}, {1}})
    ->ArgsProduct({{0, 1}, {18432}, {7168}, {1, 8}})
    ->ArgNames({"fp8", "rows", "cols", "n"})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_CudaDeviceCopy(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const auto bytes = static_cast<std::size_t>(state.range(0)) << 20;
  const Stream stream;
  for (auto _ : state) {
    state.SetIterationTime(
        measure_device_copy(bytes, kLaunchesPerIteration, stream).seconds_per_copy);
  }
  // Each copy reads and writes every byte.
  state.SetBytesProcessed(static_cast<std::int64_t>(2 * bytes) * state.iterations());
}
BENCHMARK(BM_CudaDeviceCopy)
    ->Arg(32)
    ->Arg(256)
    ->ArgNames({"MiB"})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rbench::moe::cuda
