// The model's weights on a CUDA device, uploaded from the host ModelWeights as they were loaded
// (engines/moe/model/weights.h): each matrix in its dtype, fp8 with its block scales, vectors in
// f32, and kv_b_proj also in f32 for the absorbed attention.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/weights.h"
#include "engines/moe/model/weights.h"

namespace rbench::moe::gpu {

struct DeviceMatrix {
  cuda::WeightType type = cuda::WeightType::f32;
  int rows = 0;
  int cols = 0;
  int block_rows = 128;
  int block_cols = 128;
  cuda::DeviceBuffer<std::byte> data;
  cuda::DeviceBuffer<float> scales;  // f8_e4m3 only

  cuda::WeightView view() const;
  std::size_t bytes() const { return data.bytes() + scales.bytes(); }
};

struct DeviceAttention {
  std::optional<DeviceMatrix> q_proj;
  std::optional<DeviceMatrix> q_a_proj;
  cuda::DeviceBuffer<float> q_a_layernorm;
  std::optional<DeviceMatrix> q_b_proj;
  DeviceMatrix kv_a_proj_with_mqa;
  cuda::DeviceBuffer<float> kv_a_layernorm;
  cuda::DeviceBuffer<float> kv_b_f32;  // [heads][nope + v_dim][kv_lora_rank]
  DeviceMatrix o_proj;
};

struct DeviceMlp {
  DeviceMatrix gate_proj;
  DeviceMatrix up_proj;
  DeviceMatrix down_proj;
};

struct DeviceMoe {
  DeviceMatrix gate;
  cuda::DeviceBuffer<float> e_score_correction_bias;  // empty unless noaux_tc
  std::vector<DeviceMlp> experts;
  std::optional<DeviceMlp> shared;
};

struct DeviceLayer {
  cuda::DeviceBuffer<float> input_layernorm;
  cuda::DeviceBuffer<float> post_attention_layernorm;
  DeviceAttention attn;
  std::optional<DeviceMlp> mlp;
  std::optional<DeviceMoe> moe;
};

struct DeviceMtp {
  cuda::DeviceBuffer<float> enorm;
  cuda::DeviceBuffer<float> hnorm;
  DeviceMatrix eh_proj;
  DeviceLayer layer;
  cuda::DeviceBuffer<float> head_norm;
  std::optional<DeviceMatrix> embed_tokens;  // the module's own, when it has them
  std::optional<DeviceMatrix> head;
};

struct DeviceWeights {
  DeviceMatrix embed_tokens;
  std::vector<DeviceLayer> layers;
  cuda::DeviceBuffer<float> norm;
  DeviceMatrix lm_head;
  std::optional<DeviceMtp> mtp;

  const DeviceMatrix& mtp_embed_tokens() const {
    return mtp && mtp->embed_tokens ? *mtp->embed_tokens : embed_tokens;
  }
  const DeviceMatrix& mtp_head() const { return mtp && mtp->head ? *mtp->head : lm_head; }
};

DeviceMatrix upload(const WeightMatrix& w);
DeviceWeights upload(const ModelWeights& w);

// Device bytes upload() will allocate for `w`, to refuse early a model that does not fit.
std::size_t device_bytes(const ModelWeights& w);

}  // namespace rbench::moe::gpu
