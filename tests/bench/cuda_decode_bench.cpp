// The CUDA decode step (engines/moe/gpu/cuda_model.h) with CUDA graphs and without
// (RBENCH_CUDA_GRAPHS=0), on random weights at DeepSeek-V2-Lite's widths (its first 4 layers,
// bf16) and on the tiny v3, at batch sizes 1 to 64 of greedy sequences whose tokens are chosen
// on the device (no logits downloaded, as the scheduler asks).
//   build/rbench_bench --benchmark_filter=CudaDecode --benchmark_format=json
// Counters: tokens_per_s (items), bytes/s = ForwardStats::bytes_read of one step (weights, each
// chosen expert once, embedding rows, latent caches; measured on a separate call, as stats turn
// graphs off) per second of a step. Without a GPU every benchmark reports "no CUDA device".
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cuda/device.h"
#include "engines/moe/gpu/cuda_model.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

// Host models are built once per process (the V2-Lite-width one is 4.5 GB of bf16).
std::shared_ptr<const Model> host_model(int which) {
  static std::map<int, std::shared_ptr<const Model>> cache;
  auto& m = cache[which];
  if (!m) {
    const ModelConfig c =
        which == 0 ? tiny_config("v3", 1031) : shape_config("deepseek-v2-lite-4l");
    m = std::make_shared<const Model>(c, random_weights(c, {.dtype = DType::bf16, .seed = 1}));
  }
  return m;
}

// Device models, one per (model, graphs): RBENCH_CUDA_GRAPHS is read when a model loads.
std::shared_ptr<const ForwardModel> device_model(int which, bool graphs) {
  static std::map<std::pair<int, bool>, std::shared_ptr<const ForwardModel>> cache;
  auto& m = cache[{which, graphs}];
  if (!m) {
    const char* was = std::getenv("RBENCH_CUDA_GRAPHS");
    const std::optional<std::string> saved = was ? std::optional<std::string>(was) : std::nullopt;
    setenv("RBENCH_CUDA_GRAPHS", graphs ? "1" : "0", 1);
    m = gpu::load_cuda_model(host_model(which), 0);
    if (saved) {
      setenv("RBENCH_CUDA_GRAPHS", saved->c_str(), 1);
    } else {
      unsetenv("RBENCH_CUDA_GRAPHS");
    }
  }
  return m;
}

// state.range: model (0 tiny v3, 1 V2-Lite 4 layers), graphs (0 or 1), batch, context. Each step
// appends one token per sequence and is rolled back after, so every iteration does the same work.
void BM_CudaDecodeStep(benchmark::State& state) {
  if (!cuda::cuda_device()) {
    state.SkipWithError(("no CUDA device: " + cuda::cuda_unavailable_reason()).c_str());
    return;
  }
  const int which = static_cast<int>(state.range(0));
  const bool graphs = state.range(1) == 1;
  const int batch = static_cast<int>(state.range(2));
  const int context = static_cast<int>(state.range(3));
  const auto model = device_model(which, graphs);
  const int vocab = model->config().vocab_size;
  std::vector<std::unique_ptr<SequenceCache>> caches;
  for (int b = 0; b < batch; ++b) {
    caches.push_back(model->make_cache());
    std::vector<std::int32_t> p(context);
    for (int i = 0; i < context; ++i) p[i] = (i * 7919 + 13 + b) % vocab;
    const ForwardInput in{caches.back().get(), p, false};
    model->forward(std::span(&in, 1));
  }
  std::vector<std::int32_t> next(batch, 5);
  std::vector<TokenChoice> choices(batch);
  const auto inputs = [&] {
    std::vector<ForwardInput> in;
    for (int b = 0; b < batch; ++b) {
      ForwardInput i{caches[b].get(), std::span(&next[b], 1), false};
      i.choice = &choices[b];
      i.logits = false;
      in.push_back(i);
    }
    return in;
  };
  ForwardStats stats;
  model->forward(inputs(), &stats);
  for (auto& c : caches) c->truncate(context);
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    model->forward(inputs());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& c : caches) c->truncate(context);
  }
  state.SetLabel(std::string(which == 0 ? "tiny-v3" : "v2-lite-4l") + "-bf16" +
                 (graphs ? ", graphs" : ", no graphs"));
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["bytes/s"] = seconds > 0 ? static_cast<double>(stats.bytes_read) *
                                                static_cast<double>(state.iterations()) / seconds
                                          : 0.0;
}
BENCHMARK(BM_CudaDecodeStep)
    ->ArgsProduct({{0, 1}, {0, 1}, {1, 8, 64}, {512}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rbench::moe
