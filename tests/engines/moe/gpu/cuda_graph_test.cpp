// The CUDA decode step with CUDA graphs against the same model without them
// (RBENCH_CUDA_GRAPHS=0): the same tokens and the same logits, bit for bit, over several steps
// (an eager run, the capture, the replays) at batch sizes 1, 3 (padded to 4) and 8, with greedy
// and sampled choices, logits asked for or not, hidden states, and the 2-token step of MTP
// verification with its per-row argmaxes. Also: ForwardStats on the device counts the bytes the
// CPU counts. Skips without a device.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/cpu/sampler.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/gpu/cuda_model.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

std::shared_ptr<const Model> host_model(DType dtype) {
  ModelConfig c = tiny_config("v3", 300);
  if (dtype == DType::f8_e4m3) c.quantization = Fp8Quantization{.block_rows = 32, .block_cols = 32};
  return std::make_shared<const Model>(c, random_weights(c, {.dtype = dtype, .seed = 11}));
}

// Loads a device model with RBENCH_CUDA_GRAPHS as given (null: unset), restoring it after.
std::shared_ptr<const ForwardModel> load_with_graphs(std::shared_ptr<const Model> host,
                                                     const char* setting) {
  const char* was = std::getenv("RBENCH_CUDA_GRAPHS");
  const std::optional<std::string> saved = was ? std::optional<std::string>(was) : std::nullopt;
  if (setting) {
    setenv("RBENCH_CUDA_GRAPHS", setting, 1);
  } else {
    unsetenv("RBENCH_CUDA_GRAPHS");
  }
  auto model = gpu::load_cuda_model(std::move(host), 0);
  if (saved) {
    setenv("RBENCH_CUDA_GRAPHS", saved->c_str(), 1);
  } else {
    unsetenv("RBENCH_CUDA_GRAPHS");
  }
  return model;
}

class CudaGraphs : public testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  }
};

// One side of the comparison: a model, its caches, and each sequence's last token.
struct Side {
  std::shared_ptr<const ForwardModel> model;
  std::vector<std::unique_ptr<SequenceCache>> caches;
};

TEST_F(CudaGraphs, SameTokensAndLogitsWithAndWithoutGraphs) {
  const std::vector<DType> dtypes =
      cuda::reduced_grid() ? std::vector<DType>{DType::bf16}
                           : std::vector<DType>{DType::f32, DType::bf16, DType::f8_e4m3};
  const int steps = cuda::reduced_grid() ? 3 : 5;  // eager, capture, replays
  for (DType dtype : dtypes) {
    const auto host = host_model(dtype);
    const int vocab = host->config().vocab_size;
    const int hidden = host->config().hidden_size;
    Side plain{load_with_graphs(host, "0"), {}};
    Side graphs{load_with_graphs(host, nullptr), {}};
    EXPECT_NE(plain.model->describe_device().find("CUDA graphs off"), std::string::npos);
    EXPECT_NE(graphs.model->describe_device().find("CUDA graphs on"), std::string::npos);
    for (int batch : {1, 3, 8}) {
      const std::string what = std::string(to_string(dtype)) + ", batch " + std::to_string(batch);
      std::vector<std::int32_t> last(batch);
      for (Side* side : {&plain, &graphs}) {
        side->caches.clear();
        for (int s = 0; s < batch; ++s) {
          side->caches.push_back(side->model->make_cache());
          std::vector<std::int32_t> prompt;
          for (int i = 0; i < 5 + s; ++i) prompt.push_back((i * 37 + s * 11 + 3) % vocab);
          last[s] = prompt.back();
          const ForwardInput in{side->caches.back().get(), prompt, false};
          side->model->forward(std::span(&in, 1));
        }
      }
      std::mt19937_64 rng(batch);
      for (int step = 0; step < steps; ++step) {
        // Sequence s: sampled when s % 3 == 1, logits wanted when s % 2 == 0, hidden states
        // wanted for s == 0.
        std::vector<TokenChoice> choices(batch);
        for (int s = 0; s < batch; ++s) {
          if (s % 3 == 1) {
            choices[s] = {.temperature = 0.8,
                          .top_k = 20,
                          .top_p = 0.9,
                          .uniform = std::generate_canonical<double, 53>(rng)};
          }
        }
        std::vector<TokenChoice> plain_choices = choices;
        std::vector<TokenChoice> graph_choices = choices;
        std::vector<float> plain_hidden, graph_hidden;
        std::vector<ForwardInput> pin, gin;
        for (int s = 0; s < batch; ++s) {
          const auto token = std::span<const std::int32_t>(&last[s], 1);
          ForwardInput p{plain.caches[s].get(), token, false};
          p.choice = &plain_choices[s];
          ForwardInput g{graphs.caches[s].get(), token, false};
          g.choice = &graph_choices[s];
          p.logits = g.logits = s % 2 == 0;
          if (s == 0) {
            p.hidden = &plain_hidden;
            g.hidden = &graph_hidden;
          }
          pin.push_back(p);
          gin.push_back(g);
        }
        const auto plain_logits = plain.model->forward(pin);
        const auto graph_logits = graphs.model->forward(gin);
        ASSERT_EQ(plain_logits.size(), static_cast<std::size_t>(batch)) << what;
        ASSERT_EQ(graph_logits.size(), static_cast<std::size_t>(batch)) << what;
        for (int s = 0; s < batch; ++s) {
          EXPECT_EQ(graph_choices[s].token, plain_choices[s].token)
              << what << ", step " << step << ", sequence " << s;
          EXPECT_EQ(graph_logits[s], plain_logits[s])
              << what << ", step " << step << ", sequence " << s << ": logits not bitwise equal";
          if (s % 2 == 0) {
            ASSERT_EQ(plain_logits[s].size(), static_cast<std::size_t>(vocab)) << what;
            if (choices[s].temperature <= 0) {
              EXPECT_EQ(plain_choices[s].token, argmax(plain_logits[s])) << what;
            }
          } else {
            EXPECT_TRUE(graph_logits[s].empty()) << what << ": logits = false, logits came back";
          }
          last[s] = plain_choices[s].token;
        }
        EXPECT_EQ(graph_hidden, plain_hidden) << what << ", step " << step << ": hidden states";
        EXPECT_EQ(graph_hidden.size(), static_cast<std::size_t>(hidden)) << what;
      }

      // A drafted step, as MTP verification feeds it: [last, draft] with every row's argmax.
      for (int step = 0; step < steps; ++step) {
        std::vector<std::array<std::int32_t, 2>> fed(batch);
        std::vector<std::vector<std::int32_t>> plain_greedy(batch), graph_greedy(batch);
        std::vector<ForwardInput> pin, gin;
        for (int s = 0; s < batch; ++s) {
          fed[s] = {last[s], (last[s] * 7 + step) % vocab};
          ForwardInput p{plain.caches[s].get(), fed[s], true};
          p.greedy_rows = &plain_greedy[s];
          ForwardInput g{graphs.caches[s].get(), fed[s], true};
          g.greedy_rows = &graph_greedy[s];
          g.logits = false;
          pin.push_back(p);
          gin.push_back(g);
        }
        const auto plain_logits = plain.model->forward(pin);
        const auto graph_logits = graphs.model->forward(gin);
        for (int s = 0; s < batch; ++s) {
          ASSERT_EQ(plain_logits[s].size(), static_cast<std::size_t>(2 * vocab)) << what;
          EXPECT_TRUE(graph_logits[s].empty()) << what;
          const std::vector<std::int32_t> want = {
              argmax(std::span(plain_logits[s]).first(vocab)),
              argmax(std::span(plain_logits[s]).subspan(vocab))};
          EXPECT_EQ(plain_greedy[s], want) << what << ", drafted step " << step;
          EXPECT_EQ(graph_greedy[s], want) << what << ", drafted step " << step;
          last[s] = want[1];
        }
      }
    }
  }
}

// bytes_read on the device is the CPU's figure but for the cache, which the device holds in
// bf16 and the CPU in f32: the same weights, the same experts (the routing agrees), the same
// embedding rows.
TEST_F(CudaGraphs, StatsCountTheBytesTheCpuCounts) {
  const auto host = host_model(DType::bf16);
  const auto gpu = gpu::load_cuda_model(host, 0);
  const int vocab = host->config().vocab_size;
  std::vector<std::int32_t> prompt;
  for (int i = 0; i < 9; ++i) prompt.push_back((i * 53 + 1) % vocab);
  auto cc = host->make_cache();
  auto gc = gpu->make_cache();
  for (int step = 0; step < 3; ++step) {
    const auto tokens = step == 0 ? std::span<const std::int32_t>(prompt)
                                  : std::span<const std::int32_t>(prompt).subspan(step, 1);
    const std::int64_t cpu_cache = static_cast<std::int64_t>(cc->bytes());
    const std::int64_t gpu_cache = static_cast<std::int64_t>(gc->bytes());
    ForwardStats cpu_stats, gpu_stats;
    const ForwardInput ci{cc.get(), tokens, false};
    const ForwardInput gi{gc.get(), tokens, false};
    host->forward(std::span(&ci, 1), &cpu_stats);
    gpu->forward(std::span(&gi, 1), &gpu_stats);
    EXPECT_EQ(gpu_stats.tokens, cpu_stats.tokens) << "step " << step;
    EXPECT_EQ(gpu_stats.expert_activations, cpu_stats.expert_activations) << "step " << step;
    EXPECT_EQ(gpu_stats.bytes_read - gpu_cache, cpu_stats.bytes_read - cpu_cache)
        << "step " << step;
    EXPECT_GT(gpu_stats.bytes_read, 0);
  }
}

}  // namespace
}  // namespace rbench::moe
