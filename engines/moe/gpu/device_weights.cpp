#include "engines/moe/gpu/device_weights.h"

#include <span>

namespace rbench::moe::gpu {
namespace {

cuda::DeviceBuffer<float> upload_vector(const std::vector<float>& v) {
  if (v.empty()) return {};
  return cuda::DeviceBuffer<float>(std::span<const float>(v));
}

DeviceMlp upload_mlp(const MlpWeights& m) {
  return {upload(m.gate_proj), upload(m.up_proj), upload(m.down_proj)};
}

DeviceLayer upload_layer(const LayerWeights& lw) {
  DeviceLayer d;
  d.input_layernorm = upload_vector(lw.input_layernorm);
  d.post_attention_layernorm = upload_vector(lw.post_attention_layernorm);
  const AttentionWeights& a = lw.attn;
  if (a.q_proj) d.attn.q_proj = upload(*a.q_proj);
  if (a.q_a_proj) {
    d.attn.q_a_proj = upload(*a.q_a_proj);
    d.attn.q_a_layernorm = upload_vector(a.q_a_layernorm);
    d.attn.q_b_proj = upload(*a.q_b_proj);
  }
  d.attn.kv_a_proj_with_mqa = upload(a.kv_a_proj_with_mqa);
  d.attn.kv_a_layernorm = upload_vector(a.kv_a_layernorm);
  d.attn.kv_b_f32 = upload_vector(a.kv_b_f32);
  d.attn.o_proj = upload(a.o_proj);
  if (lw.mlp) d.mlp = upload_mlp(*lw.mlp);
  if (lw.moe) {
    DeviceMoe m;
    m.gate = upload(lw.moe->gate);
    if (!lw.moe->e_score_correction_bias.empty()) {
      m.e_score_correction_bias = upload_vector(lw.moe->e_score_correction_bias);
    }
    m.experts.reserve(lw.moe->experts.size());
    for (const MlpWeights& e : lw.moe->experts) m.experts.push_back(upload_mlp(e));
    if (lw.moe->shared) m.shared = upload_mlp(*lw.moe->shared);
    d.moe = std::move(m);
  }
  return d;
}

std::size_t layer_device_bytes(const LayerWeights& lw) {
  std::size_t b = (lw.input_layernorm.size() + lw.post_attention_layernorm.size()) * 4;
  const AttentionWeights& a = lw.attn;
  if (a.q_proj) b += a.q_proj->bytes();
  if (a.q_a_proj) b += a.q_a_proj->bytes() + a.q_b_proj->bytes() + a.q_a_layernorm.size() * 4;
  b += a.kv_a_proj_with_mqa.bytes() + a.kv_a_layernorm.size() * 4 +
       // kv_b_f32 from kv_b_proj's shape: a dummy model's host description has no copy.
       static_cast<std::size_t>(a.kv_b_proj.rows) * a.kv_b_proj.cols * 4 + a.o_proj.bytes();
  if (lw.mlp) b += lw.mlp->bytes();
  if (lw.moe) {
    b += lw.moe->gate.bytes() + lw.moe->e_score_correction_bias.size() * 4;
    for (const MlpWeights& e : lw.moe->experts) b += e.bytes();
    if (lw.moe->shared) b += lw.moe->shared->bytes();
  }
  return b;
}

}  // namespace

cuda::WeightView DeviceMatrix::view() const {
  return {type,       data.data(), scales.size() ? scales.data() : nullptr, rows, cols,
          block_rows, block_cols};
}

DeviceMatrix upload(const WeightMatrix& w) {
  DeviceMatrix d;
  d.rows = w.rows;
  d.cols = w.cols;
  d.block_rows = w.block_rows;
  d.block_cols = w.block_cols;
  std::span<const std::byte> bytes;
  switch (w.dtype) {
    case DType::f32:
      d.type = cuda::WeightType::f32;
      bytes = std::as_bytes(std::span(w.f32));
      break;
    case DType::bf16:
      d.type = cuda::WeightType::bf16;
      bytes = std::as_bytes(std::span(w.bf16));
      break;
    case DType::f8_e4m3:
      d.type = cuda::WeightType::f8_e4m3;
      bytes = std::as_bytes(std::span(w.f8));
      d.scales = cuda::DeviceBuffer<float>(std::span<const float>(w.scales));
      break;
    default:
      throw Error("gpu::upload: a weight matrix of dtype " + std::string(to_string(w.dtype)) +
                  " (load_weights admits f32, bf16 and f8_e4m3 only)");
  }
  d.data = cuda::DeviceBuffer<std::byte>(bytes);
  return d;
}

DeviceWeights upload(const ModelWeights& w) {
  DeviceWeights d;
  d.embed_tokens = upload(w.embed_tokens);
  d.layers.reserve(w.layers.size());
  for (const LayerWeights& lw : w.layers) d.layers.push_back(upload_layer(lw));
  d.norm = upload_vector(w.norm);
  d.lm_head = upload(w.lm_head);
  if (w.mtp) {
    DeviceMtp m;
    m.enorm = upload_vector(w.mtp->enorm);
    m.hnorm = upload_vector(w.mtp->hnorm);
    m.eh_proj = upload(w.mtp->eh_proj);
    m.layer = upload_layer(w.mtp->layer);
    m.head_norm = upload_vector(w.mtp->head_norm);
    if (w.mtp->embed_tokens) m.embed_tokens = upload(*w.mtp->embed_tokens);
    if (w.mtp->head) m.head = upload(*w.mtp->head);
    d.mtp = std::move(m);
  }
  return d;
}

std::size_t device_bytes(const ModelWeights& w) {
  std::size_t b = w.embed_tokens.bytes() + w.norm.size() * 4 + w.lm_head.bytes();
  for (const LayerWeights& lw : w.layers) b += layer_device_bytes(lw);
  if (w.mtp) {
    const MtpWeights& m = *w.mtp;
    b += (m.enorm.size() + m.hnorm.size() + m.head_norm.size()) * 4 + m.eh_proj.bytes() +
         layer_device_bytes(m.layer);
    if (m.embed_tokens) b += m.embed_tokens->bytes();
    if (m.head) b += m.head->bytes();
  }
  return b;
}

}  // namespace rbench::moe::gpu
