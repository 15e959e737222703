// The CPU matrix kernel alone (engines/moe/cpu/cpu_kernels.h matmul): a 4096 x 4096 weight in f32,
// bf16 and fp8 e4m3 (128x128 block scales), times 1 input (gemv: a decode step's shape, bound by
// reading the weight) and 16 (a batched step: each weight row is read once for all 16).
//   build/rbench_bench --benchmark_filter=Matmul --benchmark_format=json
// Counters: bytes/s = weight bytes read per second, to set against BM_MemoryRead (moe_bench.cpp,
// this machine's read bandwidth); flop/s = 2 x rows x cols x inputs per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"

namespace rbench::moe {
namespace {

constexpr int kSide = 4096;

// Deterministic values in [-0.5, 0.5).
float value(std::uint64_t i) {
  i = (i + 1) * 0x9E3779B97F4A7C15ULL;
  return static_cast<float>((i >> 40) & 0xFFFF) / 65536.0f - 0.5f;
}

WeightMatrix bench_matrix(DType dtype) {
  WeightMatrix w;
  w.rows = kSide;
  w.cols = kSide;
  w.dtype = dtype;
  const std::size_t n = static_cast<std::size_t>(kSide) * kSide;
  switch (dtype) {
    case DType::bf16:
      w.bf16.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.bf16[i] = f32_to_bf16(value(i));
      break;
    case DType::f8_e4m3:
      w.f8.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.f8[i] = f32_to_f8_e4m3(value(i) * 448.0f);
      w.scales.assign(static_cast<std::size_t>(kSide / 128) * (kSide / 128), 1.0f / 448.0f);
      break;
    default:
      w.f32.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.f32[i] = value(i);
      break;
  }
  return w;
}

// state.range(0): 0 f32, 1 bf16, 2 fp8; state.range(1): inputs.
void BM_Matmul(benchmark::State& state) {
  const DType dtype = state.range(0) == 0   ? DType::f32
                      : state.range(0) == 1 ? DType::bf16
                                            : DType::f8_e4m3;
  const int inputs = static_cast<int>(state.range(1));
  const WeightMatrix w = bench_matrix(dtype);
  std::vector<float> x(static_cast<std::size_t>(inputs) * kSide);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = value(i + 7);
  std::vector<float> y(static_cast<std::size_t>(inputs) * kSide);
  for (auto _ : state) {
    matmul(w, x.data(), inputs, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetLabel(std::string(to_string(dtype)));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(w.bytes()));
  state.counters["flop/s"] =
      benchmark::Counter(2.0 * kSide * kSide * inputs * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Matmul)
    ->ArgsProduct({{0, 1, 2}, {1, 16}})
    ->ArgNames({"dtype", "inputs"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace rbench::moe
