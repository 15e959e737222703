// The CPU matrix kernel alone (engines/moe/cpu/cpu_kernels.h matmul): a 4096 x 4096 weight in f32,
// bf16 and fp8 e4m3 (128x128 block scales), times 1 input (gemv: a decode step's shape, bound by
// reading the weight) and 16 (a batched step: each weight row is read once for all 16); at batch
// 1 also 8192 x 8192, whose weights no last-level cache holds in any dtype.
//   build/rbench_bench --benchmark_filter=Matmul --benchmark_format=json
// Counters: bytes/s = weight bytes read per second, to set against BM_MatmulRead (the same
// bytes summed on the same threads, the kernel's ceiling) and BM_MemoryRead (moe_bench.cpp, this
// machine's read bandwidth); params/s = weights per second (fp8 reads half of bf16's bytes per
// weight); flop/s = 2 x rows x cols x inputs per second.
#include <benchmark/benchmark.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "engines/moe/cpu/cpu_kernels.h"

namespace rbench::moe {
namespace {

// Deterministic values in [-0.5, 0.5).
float value(std::uint64_t i) {
  i = (i + 1) * 0x9E3779B97F4A7C15ULL;
  return static_cast<float>((i >> 40) & 0xFFFF) / 65536.0f - 0.5f;
}

DType bench_dtype(std::int64_t code) {
  return code == 0 ? DType::f32 : code == 1 ? DType::bf16 : DType::f8_e4m3;
}

WeightMatrix bench_matrix(DType dtype, int side) {
  WeightMatrix w;
  w.rows = side;
  w.cols = side;
  w.dtype = dtype;
  const std::size_t n = static_cast<std::size_t>(side) * side;
  switch (dtype) {
    case DType::bf16:
      w.bf16.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.bf16[i] = f32_to_bf16(value(i));
      break;
    case DType::f8_e4m3:
      w.f8.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.f8[i] = f32_to_f8_e4m3(value(i) * 448.0f);
      w.scales.assign(static_cast<std::size_t>(side / 128) * (side / 128), 1.0f / 448.0f);
      break;
    default:
      w.f32.resize(n);
      for (std::size_t i = 0; i < n; ++i) w.f32[i] = value(i);
      break;
  }
  return w;
}

// Weights per second, the figure that compares dtypes of different widths.
void count_weights(benchmark::State& state, const WeightMatrix& w) {
  state.SetLabel(std::string(to_string(w.dtype)));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(w.bytes()));
  state.counters["params/s"] = benchmark::Counter(
      static_cast<double>(w.rows) * w.cols * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

// state.range(0): 0 f32, 1 bf16, 2 fp8; state.range(1): inputs; state.range(2): side.
void BM_Matmul(benchmark::State& state) {
  const int inputs = static_cast<int>(state.range(1));
  const int side = static_cast<int>(state.range(2));
  const WeightMatrix w = bench_matrix(bench_dtype(state.range(0)), side);
  std::vector<float> x(static_cast<std::size_t>(inputs) * side);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = value(i + 7);
  std::vector<float> y(static_cast<std::size_t>(inputs) * side);
  for (auto _ : state) {
    matmul(w, x.data(), inputs, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  count_weights(state, w);
  state.counters["flop/s"] =
      benchmark::Counter(2.0 * side * side * inputs * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Matmul)
    ->ArgsProduct({{0, 1, 2}, {1, 16}, {4096}})
    ->Args({1, 1, 8192})
    ->Args({2, 1, 8192})
    ->ArgNames({"dtype", "inputs", "side"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The matrix's bytes (weights and scales) summed as 64-bit words on TBB threads, split by rows
// as matmul splits them: what reading the weights alone costs, the gemv's ceiling.
void BM_MatmulRead(benchmark::State& state) {
  const int side = static_cast<int>(state.range(1));
  const WeightMatrix w = bench_matrix(bench_dtype(state.range(0)), side);
  const auto* bytes = w.dtype == DType::f32    ? reinterpret_cast<const char*>(w.f32.data())
                      : w.dtype == DType::bf16 ? reinterpret_cast<const char*>(w.bf16.data())
                                               : reinterpret_cast<const char*>(w.f8.data());
  const std::size_t row_words = w.element_bytes() / side / sizeof(std::uint64_t);
  for (auto _ : state) {
    const std::uint64_t sum = tbb::parallel_reduce(
        tbb::blocked_range<int>(0, side), std::uint64_t{0},
        [&](const tbb::blocked_range<int>& r, std::uint64_t acc) {
          const char* p = bytes + static_cast<std::size_t>(r.begin()) * row_words * 8;
          const std::size_t words = static_cast<std::size_t>(r.size()) * row_words;
          std::uint64_t s = 0;
#pragma omp simd reduction(+ : s)
          for (std::size_t i = 0; i < words; ++i) {
            std::uint64_t v;
            std::memcpy(&v, p + i * 8, 8);
            s += v;
          }
          return acc + s;
        },
        std::plus<std::uint64_t>());
    benchmark::DoNotOptimize(sum);
  }
  count_weights(state, w);
}
BENCHMARK(BM_MatmulRead)
    ->ArgsProduct({{1, 2}, {4096, 8192}})
    ->ArgNames({"dtype", "side"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace rbench::moe
