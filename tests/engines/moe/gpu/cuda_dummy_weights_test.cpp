// `--load-format dummy --device cuda`: the weights generated in device memory against the CPU's
// random_weights, bit for bit (matrices compared one by one through random_matrix, so that
// shapes of many GB need not be generated twice on the host), and the dummy CUDA model's logits
// against the CPU dummy model's, within cuda_model_test.cpp's tolerance (2e-3 of the largest
// |logit| for bf16 and fp8 weights). Skips without a device; RBENCH_CUDA_GRID=reduced (runs
// under compute-sanitizer) keeps only the one-layer bf16 logits (the fill kernel's own small
// cases are tests/engines/moe/cuda/cuda_dummy_weights_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "common/gpu_check_line.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/gpu/cuda_model.h"
#include "engines/moe/gpu/dummy_device_weights.h"
#include "engines/moe/model/model.h"
#include "engines/moe/model/random_weights.h"

namespace rbench::moe {
namespace {

std::string label(const DummySpec& s) {
  return dummy_name(s);
}

// Index of the first byte where they differ, or -1.
long long first_difference(const std::vector<std::byte>& a, const void* b, std::size_t n) {
  if (a.size() != n) return 0;
  const auto* bb = static_cast<const std::byte*>(b);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != bb[i]) return static_cast<long long>(i);
  }
  return -1;
}

class Checker {
 public:
  explicit Checker(const DummySpec& spec) : seed_(spec.seed), label_(label(spec)) {}

  // The device matrix against random_matrix(name, ...) of the shape's dtype, bit for bit.
  void matrix(const std::string& name, const gpu::DeviceMatrix& d, const WeightMatrix& shape,
              float stddev = -1) {
    ++checked_;
    const WeightMatrix host = random_matrix(name, shape.rows, shape.cols, shape.dtype, seed_,
                                            stddev, shape.block_rows, shape.block_cols);
    ASSERT_EQ(d.rows, host.rows) << name;
    ASSERT_EQ(d.cols, host.cols) << name;
    const std::vector<std::byte> got = d.data.download();
    const void* want = host.dtype == DType::f32    ? static_cast<const void*>(host.f32.data())
                       : host.dtype == DType::bf16 ? static_cast<const void*>(host.bf16.data())
                                                   : static_cast<const void*>(host.f8.data());
    const long long at = first_difference(got, want, host.element_bytes());
    EXPECT_EQ(at, -1) << label_ << " " << name << ": first differing byte " << at << " (row "
                      << (at < 0 ? -1 : at / (host.element_bytes() / host.rows)) << ")";
    if (host.dtype == DType::f8_e4m3) {
      const std::vector<float> scales = d.scales.download();
      ASSERT_EQ(scales.size(), host.scales.size()) << name;
      EXPECT_EQ(std::memcmp(scales.data(), host.scales.data(), scales.size() * sizeof(float)), 0)
          << label_ << " " << name << ": block scales differ";
    }
  }

  // kv_b_f32, dequantised on the device, against the host's to_f32() of kv_b_proj.
  void kv_b(const std::string& name, const cuda::DeviceBuffer<float>& d,
            const WeightMatrix& shape) {
    ++checked_;
    const WeightMatrix host = random_matrix(name, shape.rows, shape.cols, shape.dtype, seed_, -1,
                                            shape.block_rows, shape.block_cols);
    const std::vector<float> want = host.to_f32();
    const std::vector<float> got = d.download();
    ASSERT_EQ(got.size(), want.size()) << name;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
        << label_ << " " << name << " (kv_b_f32)";
  }

  void vector(const std::string& what, const cuda::DeviceBuffer<float>& d,
              const std::vector<float>& want) {
    const std::vector<float> got = d.download();
    ASSERT_EQ(got.size(), want.size()) << what;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << what;
  }

  // A layer's attention, dense MLP or router, shared experts and the first and last routed ones.
  void layer(int l, const gpu::DeviceLayer& d, const LayerWeights& s) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    vector(p + "input_layernorm", d.input_layernorm, s.input_layernorm);
    const AttentionWeights& a = s.attn;
    if (a.q_proj) matrix(p + "self_attn.q_proj.weight", *d.attn.q_proj, *a.q_proj);
    if (a.q_a_proj) {
      matrix(p + "self_attn.q_a_proj.weight", *d.attn.q_a_proj, *a.q_a_proj);
      matrix(p + "self_attn.q_b_proj.weight", *d.attn.q_b_proj, *a.q_b_proj);
    }
    matrix(p + "self_attn.kv_a_proj_with_mqa.weight", d.attn.kv_a_proj_with_mqa,
           a.kv_a_proj_with_mqa);
    kv_b(p + "self_attn.kv_b_proj.weight", d.attn.kv_b_f32, a.kv_b_proj);
    matrix(p + "self_attn.o_proj.weight", d.attn.o_proj, a.o_proj);
    if (s.mlp) matrix(p + "mlp.down_proj.weight", d.mlp->down_proj, s.mlp->down_proj);
    if (s.moe) {
      matrix(p + "mlp.gate.weight", d.moe->gate, s.moe->gate);
      const std::size_t last = s.moe->experts.size() - 1;
      for (std::size_t e : {std::size_t{0}, last}) {
        const std::string ep = p + "mlp.experts." + std::to_string(e);
        matrix(ep + ".gate_proj.weight", d.moe->experts[e].gate_proj, s.moe->experts[e].gate_proj);
        matrix(ep + ".up_proj.weight", d.moe->experts[e].up_proj, s.moe->experts[e].up_proj);
        matrix(ep + ".down_proj.weight", d.moe->experts[e].down_proj, s.moe->experts[e].down_proj);
      }
      if (s.moe->shared) {
        matrix(p + "mlp.shared_experts.up_proj.weight", d.moe->shared->up_proj,
               s.moe->shared->up_proj);
      }
    }
  }

  int checked() const { return checked_; }

 private:
  std::uint64_t seed_;
  std::string label_;
  int checked_ = 0;
};

class CudaDummyWeights : public testing::TestWithParam<DummySpec> {
 protected:
  void SetUp() override {
    if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
    // Under compute-sanitizer the kernel's checks are CudaRandomFill's (small shapes): billions
    // of elements would take too long there.
    if (cuda::reduced_grid()) GTEST_SKIP() << "RBENCH_CUDA_GRID=reduced: see CudaRandomFill";
  }
};

TEST_P(CudaDummyWeights, DeviceValuesAreRandomWeightsBitForBit) {
  const DummySpec spec = GetParam();
  const ModelConfig c = dummy_config(spec);
  RandomWeightsOptions options = dummy_weights_options(spec);
  options.shapes_only = true;
  const ModelWeights shapes = random_weights(c, options);
  const gpu::DeviceWeights d = gpu::generate_device_weights(shapes, c, options);
  Checker check(spec);
  check.matrix("model.embed_tokens.weight", d.embed_tokens, shapes.embed_tokens, 1.0f);
  check.matrix("lm_head.weight", d.lm_head, shapes.lm_head);
  check.vector("model.norm.weight", d.norm, shapes.norm);
  for (std::size_t l = 0; l < shapes.layers.size(); ++l) {
    check.layer(static_cast<int>(l), d.layers[l], shapes.layers[l]);
  }
  if (shapes.mtp) {
    ASSERT_TRUE(d.mtp.has_value());
    const std::string p = "model.layers." + std::to_string(c.num_hidden_layers) + ".";
    check.matrix(p + "eh_proj.weight", d.mtp->eh_proj, shapes.mtp->eh_proj);
    check.layer(c.num_hidden_layers, d.mtp->layer, shapes.mtp->layer);
  }
  std::cout << "gpu-check: dummy weights " << label(spec) << ": " << check.checked()
            << " matrices bit for bit\n";
}

// V2-Lite cut to 2 layers (one dense, one MoE) in both dtypes; V3 cut to 4 (three dense, one
// MoE) with its MTP module (a second MoE layer) in fp8, the release's dtype.
INSTANTIATE_TEST_SUITE_P(
    Shapes, CudaDummyWeights,
    testing::Values(DummySpec{.shape = "deepseek-v2-lite", .layers = 2, .dtype = DType::bf16},
                    DummySpec{.shape = "deepseek-v2-lite", .layers = 2, .seed = 5},
                    DummySpec{.shape = "deepseek-v3", .layers = 4, .seed = 1, .mtp = true}),
    [](const testing::TestParamInfo<DummySpec>& info) {
      std::string n = label(info.param);
      std::replace_if(
          n.begin(), n.end(), [](char ch) { return !std::isalnum(ch); }, '_');
      return n;
    });

TEST(CudaDummyModel, LogitsMatchTheCpuDummyModel) {
  if (!cuda::cuda_device()) GTEST_SKIP() << "no CUDA device: " << cuda::cuda_unavailable_reason();
  const int layers = cuda::reduced_grid() ? 1 : 2;
  const std::vector<DType> dtypes = cuda::reduced_grid()
                                        ? std::vector<DType>{DType::bf16}
                                        : std::vector<DType>{DType::bf16, DType::f8_e4m3};
  for (const DType dtype : dtypes) {
    const DummySpec spec{.shape = "deepseek-v2-lite", .layers = layers, .dtype = dtype};
    const ModelConfig c = dummy_config(spec);
    const Model cpu(c, random_weights(c, dummy_weights_options(spec)));
    const auto gpu = gpu::load_dummy_cuda_model(c, dummy_weights_options(spec), 0);
    EXPECT_EQ(gpu->host().weights().bytes(), cpu.weights().bytes());
    const std::vector<std::int32_t> tokens = {100000, 72, 105, 33, 5000, 77777, 32, 101};
    auto cc = cpu.make_cache();
    auto gc = gpu->make_cache();
    const ForwardInput ci{cc.get(), tokens, true};
    const ForwardInput gi{gc.get(), tokens, true};
    const std::vector<float> want = cpu.forward(std::span(&ci, 1)).front();
    const std::vector<float> got = gpu->forward(std::span(&gi, 1)).front();
    ASSERT_EQ(got.size(), want.size());
    double max_abs = 0;
    double max_logit = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      max_logit = std::max(max_logit, std::abs(static_cast<double>(want[i])));
      max_abs = std::max(max_abs, std::abs(static_cast<double>(got[i]) - want[i]));
    }
    constexpr double kTolerance = 2e-3;
    EXPECT_LE(max_abs, kTolerance * max_logit) << label(spec);
    test::report_logit_diff("dummy prompt logits", label(spec), max_abs, max_logit, kTolerance);
  }
}

}  // namespace
}  // namespace rbench::moe
