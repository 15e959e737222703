// The forward pass on a CUDA device against the CPU Model, its twin, on every tiny variant and
// dtype: logits after a prompt and through decode steps, past YaRN's original length, the MTP
// module, bitwise batch invariance of decode steps, and cache reuse. Skips without a device.
//
// Tolerances, relative to the largest |logit| of the CPU's row: 1e-4 for f32 checkpoints (f32
// everywhere, TF32 off; only the summation order differs), 2e-3 for bf16 and fp8 ones (the
// latent cache is bf16 on the device, f32 on the CPU).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <ostream>
#include <string>

#include "common/gpu_check_line.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/gpu/cuda_model.h"
#include "engines/moe/gpu/device_weights.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

struct Case {
  std::string variant;
  DType dtype;
  bool mtp;
};

std::string name(const Case& c) {
  return c.variant + "-" + std::string(to_string(c.dtype)) + (c.mtp ? "-mtp" : "");
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << name(c);
}

std::shared_ptr<const Model> host_model(const Case& k) {
  ModelConfig c = tiny_config(k.variant, 300);
  if (k.mtp) c.num_nextn_predict_layers = 1;
  if (k.dtype == DType::f8_e4m3) {
    c.quantization = Fp8Quantization{.block_rows = 32, .block_cols = 32};
  }
  return std::make_shared<const Model>(
      c, random_weights(c, {.dtype = k.dtype, .seed = 7, .mtp = k.mtp}));
}

std::vector<std::int32_t> some_tokens(int n, int vocab, int salt = 0) {
  std::vector<std::int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back((i * 37 + 11 + salt * 101) % vocab);
  return t;
}

struct Diff {
  double max_abs = 0;
  double max_logit = 0;
  double relative() const { return max_logit > 0 ? max_abs / max_logit : max_abs; }
};

Diff diff(const std::vector<float>& gpu, const std::vector<float>& cpu) {
  Diff d;
  EXPECT_EQ(gpu.size(), cpu.size());
  for (std::size_t i = 0; i < std::min(gpu.size(), cpu.size()); ++i) {
    d.max_logit = std::max(d.max_logit, std::abs(static_cast<double>(cpu[i])));
    d.max_abs = std::max(d.max_abs, std::abs(static_cast<double>(gpu[i]) - cpu[i]));
  }
  return d;
}

double tolerance(DType dtype) {
  return dtype == DType::f32 ? 1e-4 : 2e-3;
}

// One line per measurement for scripts/gpu-check's summary.
void report(const std::string& check, const std::string& variant, const Diff& d, double tol) {
  test::report_logit_diff(check, variant, d.max_abs, d.max_logit, tol);
}

class CudaModelVsCpu : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  }
};

TEST_P(CudaModelVsCpu, PromptAndDecodeLogits) {
  const Case k = GetParam();
  const auto cpu = host_model(k);
  const auto gpu = gpu::load_cuda_model(cpu, 0);
  EXPECT_EQ(gpu->device(), "cuda:0");
  const int vocab = cpu->config().vocab_size;
  const double tol = tolerance(k.dtype);
  const int steps = cuda::reduced_grid() ? 3 : 16;
  const auto tokens = some_tokens(24 + steps, vocab);

  // A prompt of 24 (every position's logits), then 16 decode steps.
  auto cpu_cache = cpu->make_cache();
  auto gpu_cache = gpu->make_cache();
  Diff worst;
  const auto prompt = std::span(tokens).first(24);
  const ForwardInput cin{cpu_cache.get(), prompt, true};
  const ForwardInput gin{gpu_cache.get(), prompt, true};
  const Diff p =
      diff(gpu->forward(std::span(&gin, 1)).front(), cpu->forward(std::span(&cin, 1)).front());
  EXPECT_LE(p.relative(), tol) << name(k) << " prompt";
  report("prompt logits", name(k), p, tol);
  for (int i = 24; i < 24 + steps; ++i) {
    const auto one = std::span(tokens).subspan(i, 1);
    const ForwardInput cs{cpu_cache.get(), one, false};
    const ForwardInput gs{gpu_cache.get(), one, false};
    const Diff d =
        diff(gpu->forward(std::span(&gs, 1)).front(), cpu->forward(std::span(&cs, 1)).front());
    EXPECT_LE(d.relative(), tol) << name(k) << " decode step at " << i;
    if (d.relative() > worst.relative()) worst = d;
  }
  report("decode logits", name(k), worst, tol);
  EXPECT_EQ(gpu_cache->length(), 24 + steps);
  EXPECT_EQ(gpu_cache->bytes_per_token(),
            static_cast<std::size_t>(cpu->config().num_hidden_layers) *
                (cpu->config().kv_lora_rank + cpu->config().qk_rope_head_dim) *
                (k.dtype == DType::f32 ? 4 : 2));
}

TEST_P(CudaModelVsCpu, MtpModuleLogits) {
  const Case k = GetParam();
  if (!k.mtp) GTEST_SKIP() << "this case has no MTP module";
  const auto cpu = host_model(k);
  const auto gpu = gpu::load_cuda_model(cpu, 0);
  const int vocab = cpu->config().vocab_size;
  const int hidden = cpu->config().hidden_size;
  const auto tokens = some_tokens(20, vocab, 3);
  // The same hidden states (the CPU's) into both modules, so only the module is compared.
  auto main_cache = cpu->make_cache();
  std::vector<float> h;
  const ForwardInput in{main_cache.get(), tokens, false, &h};
  cpu->forward(std::span(&in, 1));
  const auto rows = std::span<const float>(h).first((tokens.size() - 1) * hidden);
  const auto next = std::span<const std::int32_t>(tokens).subspan(1);
  auto cm = cpu->make_mtp_cache();
  auto gm = gpu->make_mtp_cache();
  const MtpInput cmi{cm.get(), rows, next, true};
  const MtpInput gmi{gm.get(), rows, next, true};
  const Diff d = diff(gpu->mtp_forward(std::span(&gmi, 1)).front(),
                      cpu->mtp_forward(std::span(&cmi, 1)).front());
  const double tol = tolerance(k.dtype);
  EXPECT_LE(d.relative(), tol) << name(k);
  report("mtp logits", name(k), d, tol);

  // The hidden states the device hands out match the CPU's.
  auto gpu_cache = gpu->make_cache();
  std::vector<float> gh;
  const ForwardInput gin{gpu_cache.get(), tokens, false, &gh};
  gpu->forward(std::span(&gin, 1));
  const Diff hd = diff(gh, h);
  EXPECT_LE(hd.relative(), tol) << name(k) << " hidden states";
}

// Under compute-sanitizer (RBENCH_CUDA_GRID=reduced) one case per family of kernels: every
// dtype, MTP, dense and MoE layers.
std::vector<Case> cases() {
  if (cuda::reduced_grid()) {
    return {{"v3", DType::f32, true}, {"v2", DType::bf16, false}, {"dense", DType::f8_e4m3, false}};
  }
  std::vector<Case> out;
  for (const std::string& v : tiny_variants()) {
    for (DType d : {DType::f32, DType::bf16, DType::f8_e4m3}) out.push_back({v, d, false});
  }
  out.push_back({"v3", DType::f32, true});
  out.push_back({"v3", DType::bf16, true});
  out.push_back({"v2-lite", DType::f8_e4m3, true});
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, CudaModelVsCpu, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string n = name(info.param);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

class CudaModel : public testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  }
};

// Past YaRN's original length (512 for the tiny v3): the stretched frequencies and mscale, and
// a prompt long enough for cuBLAS's prefill path and several attention splits.
TEST_F(CudaModel, PastYarnOriginalLength) {
  for (DType dtype : {DType::f32, DType::bf16}) {
    const Case k{"v3", dtype, false};
    const auto cpu = host_model(k);
    ASSERT_TRUE(cpu->config().rope_scaling.has_value());
    const int original = cpu->config().rope_scaling->original_max_position_embeddings;
    const auto gpu = gpu::load_cuda_model(cpu, 0);
    const auto tokens = some_tokens(original + 100, cpu->config().vocab_size, 5);
    auto cc = cpu->make_cache();
    auto gc = gpu->make_cache();
    const ForwardInput cin{cc.get(), tokens, false};
    const ForwardInput gin{gc.get(), tokens, false};
    const Diff d =
        diff(gpu->forward(std::span(&gin, 1)).front(), cpu->forward(std::span(&cin, 1)).front());
    EXPECT_LE(d.relative(), tolerance(dtype)) << name(k);
    report("past yarn original length", name(k), d, tolerance(dtype));
    // And a decode step after it.
    const std::int32_t next = 17;
    const ForwardInput cs{cc.get(), std::span(&next, 1), false};
    const ForwardInput gs{gc.get(), std::span(&next, 1), false};
    const Diff s =
        diff(gpu->forward(std::span(&gs, 1)).front(), cpu->forward(std::span(&cs, 1)).front());
    EXPECT_LE(s.relative(), tolerance(dtype)) << name(k) << " decode after the long prompt";
  }
}

// A decode step's logits have the same bits alone and beside 15 other sequences.
TEST_F(CudaModel, DecodeLogitsAreBatchInvariant) {
  for (DType dtype : {DType::f32, DType::bf16, DType::f8_e4m3}) {
    const auto cpu = host_model({"v3", dtype, false});
    const auto gpu = gpu::load_cuda_model(cpu, 0);
    const int vocab = cpu->config().vocab_size;
    std::vector<std::unique_ptr<SequenceCache>> caches;
    std::vector<std::vector<std::int32_t>> prompts;
    for (int s = 0; s < 16; ++s) {
      caches.push_back(gpu->make_cache());
      prompts.push_back(some_tokens(3 + s % 4, vocab, s));
      const ForwardInput in{caches.back().get(), prompts.back(), false};
      gpu->forward(std::span(&in, 1));
    }
    auto alone_cache = gpu->make_cache();
    const ForwardInput alone_prompt{alone_cache.get(), prompts[0], false};
    gpu->forward(std::span(&alone_prompt, 1));

    const std::int32_t token = 42;
    const ForwardInput alone{alone_cache.get(), std::span(&token, 1), false};
    const auto by_itself = gpu->forward(std::span(&alone, 1)).front();
    std::vector<ForwardInput> batch;
    for (auto& c : caches) batch.push_back({c.get(), std::span(&token, 1), false});
    const auto together = gpu->forward(batch);
    ASSERT_EQ(together.front().size(), by_itself.size());
    EXPECT_EQ(together.front(), by_itself) << to_string(dtype) << ": not bitwise equal";
  }
}

// Truncating a cache and feeding the same tokens again gives the same logits; caches another
// model made are refused.
TEST_F(CudaModel, TruncatedCacheIsReusedAndForeignCachesRefused) {
  const auto cpu = host_model({"v2", DType::bf16, false});
  const auto gpu = gpu::load_cuda_model(cpu, 0);
  const auto tokens = some_tokens(70, cpu->config().vocab_size, 9);
  auto cache = gpu->make_cache();
  const ForwardInput all{cache.get(), tokens, false};
  const auto first = gpu->forward(std::span(&all, 1)).front();
  cache->truncate(10);
  EXPECT_EQ(cache->length(), 10);
  const ForwardInput rest{cache.get(), std::span(tokens).subspan(10), false};
  const Diff d = diff(gpu->forward(std::span(&rest, 1)).front(), first);
  EXPECT_LE(d.relative(), 2e-3);

  auto cpu_cache = cpu->make_cache();
  const ForwardInput foreign{cpu_cache.get(), tokens, false};
  EXPECT_THROW(gpu->forward(std::span(&foreign, 1)), std::invalid_argument);
  const std::int32_t bad = cpu->config().vocab_size;
  auto c2 = gpu->make_cache();
  const ForwardInput outside{c2.get(), std::span(&bad, 1), false};
  EXPECT_THROW(gpu->forward(std::span(&outside, 1)), std::out_of_range);
}

// memory(): the device's name and memory from cudaMemGetInfo, the weights as uploaded, and the
// cache blocks sequences hold, now and at their peak, given back when a cache ends.
TEST_F(CudaModel, MemoryAccountsTheWeightsAndTheCacheBlocks) {
  const auto cpu = host_model({"v2", DType::bf16, true});
  const auto gpu = gpu::load_cuda_model(cpu, 0);
  DeviceMemory m = gpu->memory();
  EXPECT_FALSE(m.device.empty());
  ASSERT_TRUE(m.total_bytes && m.free_bytes);
  EXPECT_GT(*m.total_bytes, 0);
  EXPECT_LE(*m.free_bytes, *m.total_bytes);
  EXPECT_EQ(m.weight_bytes, static_cast<std::int64_t>(gpu::device_bytes(cpu->weights())));
  EXPECT_EQ(m.cache_bytes, 0);
  EXPECT_EQ(m.cache_peak_bytes, 0);

  const auto tokens = some_tokens(70, cpu->config().vocab_size, 3);
  auto cache = gpu->make_cache();
  const ForwardInput in{cache.get(), tokens, false};
  gpu->forward(std::span(&in, 1));
  m = gpu->memory();
  // Whole blocks: at least the tokens' bytes, less than one block more.
  const auto held = static_cast<std::int64_t>(cache->bytes());
  EXPECT_GE(m.cache_bytes, held);
  EXPECT_LT(m.cache_bytes, 2 * held);
  EXPECT_EQ(m.cache_peak_bytes, m.cache_bytes);
  const std::int64_t peak = m.cache_peak_bytes;
  cache.reset();
  m = gpu->memory();
  EXPECT_EQ(m.cache_bytes, 0);
  EXPECT_EQ(m.cache_peak_bytes, peak);
  std::cout << "[memory] " << gpu->describe_device() << ": weights " << m.weight_bytes
            << " B, cache peak " << peak << " B, free " << *m.free_bytes << " of " << *m.total_bytes
            << " B\n";
}

}  // namespace
}  // namespace rbench::moe
