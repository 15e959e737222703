// Device-generated dummy weights (dummy_device_weights.h). The walk names each tensor as
// random_weights does (engines/moe/model/random_weights.cpp); tests/engines/moe/gpu downloads
// the result and compares it with random_weights' bit for bit, which would catch a name or a
// stddev that differs.
#include "engines/moe/gpu/dummy_device_weights.h"

#include <fmt/format.h>

#include <cmath>
#include <span>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/dummy_weights.h"
#include "engines/moe/cuda/stream.h"
#include "harness/core/error.h"
#include "harness/core/splitmix.h"

namespace rbench::moe::gpu {
namespace {

struct Filler {
  std::uint64_t seed;
  cudaStream_t stream;

  // A matrix of `shape`'s dtype and size with random_weights' values for `name`; stddev < 0:
  // 1 / sqrt(cols), as random_weights' default.
  DeviceMatrix matrix(const std::string& name, const WeightMatrix& shape, float stddev = -1) const {
    if (stddev < 0) stddev = 1.0f / std::sqrt(static_cast<float>(shape.cols));
    DeviceMatrix d;
    d.rows = shape.rows;
    d.cols = shape.cols;
    d.block_rows = shape.block_rows;
    d.block_cols = shape.block_cols;
    d.data = cuda::DeviceBuffer<std::byte>(shape.element_bytes());
    switch (shape.dtype) {
      case DType::f32:
        d.type = cuda::WeightType::f32;
        break;
      case DType::bf16:
        d.type = cuda::WeightType::bf16;
        break;
      case DType::f8_e4m3:
        d.type = cuda::WeightType::f8_e4m3;
        d.scales = cuda::DeviceBuffer<float>(shape.scale_bytes() / sizeof(float));
        break;
      default:
        throw Error(
            fmt::format("generate_device_weights: {} has dtype {} (random weights are "
                        "f32, bf16 or f8_e4m3)",
                        name, to_string(shape.dtype)));
    }
    cuda::random_fill({.type = d.type,
                       .data = d.data.data(),
                       .scales = d.scales.size() ? d.scales.data() : nullptr,
                       .rows = d.rows,
                       .cols = d.cols,
                       .block_rows = d.block_rows,
                       .block_cols = d.block_cols,
                       .seed = seed,
                       .name_hash = splitmix::fnv1a(name),
                       .mean = 0.0f,
                       .half_width = uniform_half_width(stddev)},
                      stream);
    return d;
  }

  DeviceMlp mlp(const std::string& prefix, const MlpWeights& m) const {
    return {matrix(prefix + ".gate_proj.weight", m.gate_proj),
            matrix(prefix + ".up_proj.weight", m.up_proj),
            matrix(prefix + ".down_proj.weight", m.down_proj)};
  }

  DeviceLayer layer(int l, const LayerWeights& lw) const;
};

cuda::DeviceBuffer<float> upload_vector(const std::vector<float>& v) {
  if (v.empty()) return {};
  return cuda::DeviceBuffer<float>(std::span<const float>(v));
}

DeviceLayer Filler::layer(int l, const LayerWeights& lw) const {
  const std::string p = fmt::format("model.layers.{}.", l);
  DeviceLayer d;
  d.input_layernorm = upload_vector(lw.input_layernorm);
  d.post_attention_layernorm = upload_vector(lw.post_attention_layernorm);
  const AttentionWeights& a = lw.attn;
  if (a.q_proj) d.attn.q_proj = matrix(p + "self_attn.q_proj.weight", *a.q_proj);
  if (a.q_a_proj) {
    d.attn.q_a_proj = matrix(p + "self_attn.q_a_proj.weight", *a.q_a_proj);
    d.attn.q_a_layernorm = upload_vector(a.q_a_layernorm);
    d.attn.q_b_proj = matrix(p + "self_attn.q_b_proj.weight", *a.q_b_proj);
  }
  d.attn.kv_a_proj_with_mqa =
      matrix(p + "self_attn.kv_a_proj_with_mqa.weight", a.kv_a_proj_with_mqa);
  d.attn.kv_a_layernorm = upload_vector(a.kv_a_layernorm);
  d.attn.kv_b_f32 = cuda::DeviceBuffer<float>(static_cast<std::size_t>(a.kv_b_proj.rows) *
                                              static_cast<std::size_t>(a.kv_b_proj.cols));
  {
    // The f32 copy from the device's own kv_b_proj (kept, as load_weights keeps both).
    const DeviceMatrix kv_b = matrix(p + "self_attn.kv_b_proj.weight", a.kv_b_proj);
    cuda::dequantize(kv_b.view(), d.attn.kv_b_f32.data(), stream);
    // kv_b_proj itself is not kept on the device: the forward pass reads kv_b_f32 only, as
    // upload() leaves it too. Freed only once the copy is made.
    RBENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  d.attn.o_proj = matrix(p + "self_attn.o_proj.weight", a.o_proj);
  if (lw.mlp) d.mlp = mlp(p + "mlp", *lw.mlp);
  if (lw.moe) {
    DeviceMoe m;
    m.gate = matrix(p + "mlp.gate.weight", lw.moe->gate);
    m.e_score_correction_bias = upload_vector(lw.moe->e_score_correction_bias);
    m.experts.reserve(lw.moe->experts.size());
    for (std::size_t e = 0; e < lw.moe->experts.size(); ++e) {
      m.experts.push_back(mlp(fmt::format("{}mlp.experts.{}", p, e), lw.moe->experts[e]));
    }
    if (lw.moe->shared) m.shared = mlp(p + "mlp.shared_experts", *lw.moe->shared);
    d.moe = std::move(m);
  }
  return d;
}

}  // namespace

DeviceWeights generate_device_weights(const ModelWeights& shapes, const ModelConfig& config,
                                      const RandomWeightsOptions& options) {
  const cuda::Stream stream;
  const Filler f{options.seed, stream.get()};
  DeviceWeights d;
  // Embeddings are drawn with stddev 1, as random_weights draws them.
  d.embed_tokens = f.matrix("model.embed_tokens.weight", shapes.embed_tokens, 1.0f);
  d.layers.reserve(shapes.layers.size());
  for (std::size_t l = 0; l < shapes.layers.size(); ++l) {
    d.layers.push_back(f.layer(static_cast<int>(l), shapes.layers[l]));
  }
  d.norm = upload_vector(shapes.norm);
  d.lm_head = f.matrix("lm_head.weight", shapes.lm_head);
  if (shapes.mtp) {
    const int l = config.num_hidden_layers;
    const std::string p = fmt::format("model.layers.{}.", l);
    DeviceMtp m;
    m.enorm = upload_vector(shapes.mtp->enorm);
    m.hnorm = upload_vector(shapes.mtp->hnorm);
    m.eh_proj = f.matrix(p + "eh_proj.weight", shapes.mtp->eh_proj);
    m.layer = f.layer(l, shapes.mtp->layer);
    m.head_norm = upload_vector(shapes.mtp->head_norm);
    d.mtp = std::move(m);
  }
  stream.synchronize();
  return d;
}

}  // namespace rbench::moe::gpu
