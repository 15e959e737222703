// The built-in engine's CPU forward pass: prefill and decode tokens/s on the tiny model and on
// random weights at DeepSeek-V2-Lite's widths (its first 4 layers, bf16, 102400-token vocabulary),
// and the decode step's achieved memory bandwidth against this machine's, measured in the same
// run by BM_MemoryRead.
//   build/rbench_bench --benchmark_filter='Moe|Memory' --benchmark_format=json
// Counters: tokens_per_s (items), GB/s of weights + cache read per step (bytes), and the
// decode bandwidth as a fraction of BM_MemoryRead's.
#include <benchmark/benchmark.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <map>
#include <memory>
#include <numeric>

#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

// Models are built once per process: the V2-Lite-width one holds 2.2B bf16 weights (4.5 GB).
std::shared_ptr<const Model> bench_model(int which) {
  static std::map<int, std::shared_ptr<const Model>> cache;
  auto& m = cache[which];
  if (!m) {
    const ModelConfig c =
        which == 0 ? tiny_config("v3", 1031) : shape_config("deepseek-v2-lite-4l");
    const DType dtype = which == 0 ? DType::f32 : DType::bf16;
    m = std::make_shared<const Model>(c, random_weights(c, {.dtype = dtype, .seed = 1}));
  }
  return m;
}

const char* model_name(int which) {
  return which == 0 ? "tiny-v3-f32" : "v2-lite-4l-bf16";
}

std::vector<std::int32_t> prompt(int n, int vocab) {
  std::vector<std::int32_t> t(n);
  for (int i = 0; i < n; ++i) t[i] = (i * 7919 + 13) % vocab;
  return t;
}

void BM_MoePrefill(benchmark::State& state) {
  const auto model = bench_model(static_cast<int>(state.range(0)));
  const auto tokens = prompt(static_cast<int>(state.range(1)), model->config().vocab_size);
  for (auto _ : state) {
    KvCache cache = model->new_cache();
    const ForwardInput in{&cache, tokens, false};
    benchmark::DoNotOptimize(model->forward(std::span(&in, 1)));
  }
  state.SetLabel(model_name(static_cast<int>(state.range(0))));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(tokens.size()));
}
BENCHMARK(BM_MoePrefill)->ArgsProduct({{0}, {16, 128}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MoePrefill)->Args({1, 64})->Unit(benchmark::kMillisecond)->Iterations(2);

// One decode step for `batch` sequences at a fixed context (the new entry is dropped after each
// step, so every iteration does the same work).
void BM_MoeDecode(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  const int context = static_cast<int>(state.range(2));
  const auto model = bench_model(which);
  const int vocab = model->config().vocab_size;
  std::vector<KvCache> caches;
  for (int b = 0; b < batch; ++b) {
    caches.push_back(model->new_cache());
    const auto p = prompt(context, vocab - b);
    const ForwardInput in{&caches.back(), p, false};
    model->forward(std::span(&in, 1));
  }
  std::vector<std::int32_t> next(batch);
  std::iota(next.begin(), next.end(), 5);
  ForwardStats stats;
  std::int64_t steps = 0;
  for (auto _ : state) {
    std::vector<ForwardInput> inputs;
    for (int b = 0; b < batch; ++b) inputs.push_back({&caches[b], std::span(&next[b], 1), false});
    benchmark::DoNotOptimize(model->forward(inputs, &stats));
    ++steps;
    state.PauseTiming();
    for (auto& c : caches) c.truncate(context);
    state.ResumeTiming();
  }
  state.SetLabel(model_name(which));
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(stats.bytes_read);
  state.counters["bytes_per_step"] =
      static_cast<double>(stats.bytes_read) / std::max<std::int64_t>(steps, 1);
}
BENCHMARK(BM_MoeDecode)->ArgsProduct({{0}, {1, 8}, {64}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MoeDecode)
    ->ArgsProduct({{1}, {1, 4}, {64}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

// This machine's read bandwidth: a 1 GiB buffer summed by all threads, as the decode step
// reads its weights.
void BM_MemoryRead(benchmark::State& state) {
  const std::size_t n = (1ULL << 30) / sizeof(float);
  auto data = std::make_unique<float[]>(n);
  tbb::parallel_for(std::size_t{0}, n, std::size_t{1} << 20, [&](std::size_t i0) {
    for (std::size_t i = i0; i < std::min(n, i0 + (std::size_t{1} << 20)); ++i) data[i] = 1.0f;
  });
  for (auto _ : state) {
    const float sum = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, 1 << 16), 0.0f,
        [&](const tbb::blocked_range<std::size_t>& r, float acc) {
          // Plain pointer and length, so the loop vectorises (the reduction is not latency-bound).
          const float* p = data.get() + r.begin();
          const std::ptrdiff_t len = static_cast<std::ptrdiff_t>(r.size());
          float s = 0.0f;
#pragma omp simd reduction(+ : s)
          for (std::ptrdiff_t i = 0; i < len; ++i) s += p[i];
          return acc + s;
        },
        std::plus<float>());
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * sizeof(float)));
}
BENCHMARK(BM_MemoryRead)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rbench::moe
