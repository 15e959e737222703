// Helpers of the quantize tests: the linear weights a config implies (what must become fp8),
// the per-block check of fp8 weights against their originals, logits of a loaded model.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/checkpoint/safetensors.h"
#include "engines/moe/model/model.h"

namespace rbench::moe::test {

struct Linear {
  std::string name;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

inline void add_mlp(std::vector<Linear>& out, const std::string& prefix, std::int64_t hidden,
                    std::int64_t inter) {
  out.push_back({prefix + ".gate_proj.weight", inter, hidden});
  out.push_back({prefix + ".up_proj.weight", inter, hidden});
  out.push_back({prefix + ".down_proj.weight", hidden, inter});
}

// Every linear weight of layers [0, layers) as the reference code names and shapes them: the
// tensors quantize turns to fp8 (an MTP layer past num_hidden_layers is shaped like the others).
inline std::vector<Linear> linear_weights(const ModelConfig& c, int layers) {
  std::vector<Linear> out;
  const std::int64_t h = c.hidden_size;
  const std::int64_t heads = c.num_attention_heads;
  for (int l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    if (c.q_lora_rank) {
      out.push_back({p + "self_attn.q_a_proj.weight", *c.q_lora_rank, h});
      out.push_back({p + "self_attn.q_b_proj.weight", heads * c.qk_head_dim(), *c.q_lora_rank});
    } else {
      out.push_back({p + "self_attn.q_proj.weight", heads * c.qk_head_dim(), h});
    }
    out.push_back(
        {p + "self_attn.kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, h});
    out.push_back({p + "self_attn.kv_b_proj.weight", heads * (c.qk_nope_head_dim + c.v_head_dim),
                   c.kv_lora_rank});
    out.push_back({p + "self_attn.o_proj.weight", h, heads * c.v_head_dim});
    if (c.is_moe_layer(l)) {
      for (int e = 0; e < c.n_routed_experts; ++e) {
        add_mlp(out, p + "mlp.experts." + std::to_string(e), h, c.moe_intermediate_size);
      }
      if (c.n_shared_experts > 0) {
        add_mlp(out, p + "mlp.shared_experts", h, c.moe_intermediate_size * c.n_shared_experts);
      }
    } else {
      add_mlp(out, p + "mlp", h, c.intermediate_size);
    }
  }
  return out;
}

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Copies the checkpoint in `from` to `to` (config.json, tokenizer.json when there is one, all
// tensors in one model.safetensors), each tensor passed through `edit` on the way.
inline void rewrite_checkpoint(const std::filesystem::path& from, const std::filesystem::path& to,
                               const std::function<void(TensorToWrite&)>& edit) {
  std::filesystem::create_directories(to);
  std::vector<TensorToWrite> tensors;
  {
    const Checkpoint checkpoint(from);
    for (const std::string& name : checkpoint.names()) {
      const TensorInfo& info = checkpoint.info(name);
      const auto bytes = checkpoint.bytes(name);
      tensors.push_back({name, info.dtype, info.shape, {bytes.begin(), bytes.end()}});
      edit(tensors.back());
    }
  }
  write_safetensors(to / "model.safetensors", tensors);
  std::filesystem::copy_file(from / "config.json", to / "config.json");
  if (std::filesystem::exists(from / "tokenizer.json")) {
    std::filesystem::copy_file(from / "tokenizer.json", to / "tokenizer.json");
  }
}

// A copy of the fp8 checkpoint `from` with its fp8 weights dequantised to f32 (the scales dropped,
// config.json without quantization_config): the f32 model the fp8 one stands for.
inline void write_dequantised(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  ModelConfig config = load_config(from / "config.json");
  const Fp8Quantization blocks = config.quantization.value_or(Fp8Quantization{});
  config.quantization.reset();
  std::vector<TensorToWrite> tensors;
  {
    const Checkpoint checkpoint(from);
    for (const std::string& name : checkpoint.names()) {
      const TensorInfo& info = checkpoint.info(name);
      if (name.ends_with("_scale_inv")) continue;
      if (info.dtype != DType::f8_e4m3) {
        const auto bytes = checkpoint.bytes(name);
        tensors.push_back({name, info.dtype, info.shape, {bytes.begin(), bytes.end()}});
        continue;
      }
      const FloatTensor t = checkpoint.to_f32(name, {}, blocks.block_rows, blocks.block_cols);
      tensors.push_back(
          {name, DType::f32, t.shape, std::vector<std::byte>(t.values.size() * sizeof(float))});
      std::memcpy(tensors.back().data.data(), t.values.data(), tensors.back().data.size());
    }
  }
  write_safetensors(to / "model.safetensors", tensors);
  std::ofstream(to / "config.json") << to_json(config);
}

inline std::vector<std::byte> bytes_of(const Checkpoint& c, const std::string& name) {
  const auto b = c.bytes(name);
  return {b.begin(), b.end()};
}

// Half of e4m3's step at magnitude x: 2^(e-4) in [2^e, 2^(e+1)), 2^-10 among the subnormals.
inline double e4m3_half_step(double x) {
  x = std::abs(x);
  if (x < 0x1p-6) return 0x1p-10;
  int e = 0;
  std::frexp(x, &e);  // x in [2^(e-1), 2^e)
  return std::ldexp(1.0, e - 5);
}

// Checks the fp8 tensor `name` of `out` block by block against its original in `in`: the block's
// scale is amax / 448 (1 for an all-zero block), every element dequantises (code x scale) to
// within half an e4m3 step of the original (plus f32 rounding of the division and product), and
// the checkpoint's own dequantisation agrees. Returns the largest error in half-steps.
inline double check_fp8_blocks(const Checkpoint& in, const Checkpoint& out, const std::string& name,
                               int block_rows, int block_cols) {
  SCOPED_TRACE(name);
  const FloatTensor original = in.to_f32(name);
  const TensorInfo& info = out.info(name);
  EXPECT_EQ(info.dtype, DType::f8_e4m3);
  EXPECT_EQ(info.shape, original.shape);
  const std::int64_t rows = original.shape.at(0);
  const std::int64_t cols = original.shape.at(1);
  const std::string scale_name = name + "_scale_inv";
  EXPECT_EQ(out.info(scale_name).dtype, DType::f32);
  const std::vector<std::int64_t> scale_shape{ceil_div(rows, block_rows),
                                              ceil_div(cols, block_cols)};
  EXPECT_EQ(out.info(scale_name).shape, scale_shape);
  const std::vector<float> scales = out.to_f32(scale_name).values;
  const auto codes = out.bytes(name);
  const std::vector<float> loaded = out.to_f32(name, {}, block_rows, block_cols).values;
  double worst = 0;
  for (std::int64_t br = 0; br < scale_shape[0]; ++br) {
    for (std::int64_t bc = 0; bc < scale_shape[1]; ++bc) {
      const std::int64_t r1 = std::min(rows, (br + 1) * block_rows);
      const std::int64_t c1 = std::min(cols, (bc + 1) * block_cols);
      float amax = 0;
      for (std::int64_t r = br * block_rows; r < r1; ++r) {
        for (std::int64_t c = bc * block_cols; c < c1; ++c) {
          amax = std::max(amax, std::abs(original.values[r * cols + c]));
        }
      }
      const float scale = scales[br * scale_shape[1] + bc];
      EXPECT_EQ(scale, amax > 0 ? amax / 448.0f : 1.0f) << "block " << br << ", " << bc;
      for (std::int64_t r = br * block_rows; r < r1; ++r) {
        for (std::int64_t c = bc * block_cols; c < c1; ++c) {
          const double w = original.values[r * cols + c];
          const float code = f8_e4m3_to_f32(std::to_integer<std::uint8_t>(codes[r * cols + c]));
          const double dequantised = code * scale;
          const double half_step = scale * e4m3_half_step(w / scale);
          const double error = std::abs(w - dequantised);
          if (error > half_step + 1e-6 * std::abs(w)) {
            ADD_FAILURE() << "[" << r << ", " << c << "]: " << w << " became " << dequantised
                          << ", off by " << error / half_step << " half-steps";
            return error / half_step;
          }
          if (loaded[r * cols + c] != static_cast<float>(dequantised)) {
            ADD_FAILURE() << "[" << r << ", " << c << "]: the checkpoint dequantises to "
                          << loaded[r * cols + c] << ", not " << dequantised;
            return error / half_step;
          }
          worst = std::max(worst, error / half_step);
        }
      }
    }
  }
  return worst;
}

// The 8-byte little-endian header length at the start of a safetensors file.
inline std::uint64_t header_length(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char b[8] = {};
  in.read(reinterpret_cast<char*>(b), 8);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];
  return n;
}

inline std::vector<std::int32_t> some_tokens(int n, int vocab, int salt) {
  std::vector<std::int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back((i * 37 + salt * 101 + 11) % vocab);
  return t;
}

// Logits of every position of a few token sequences, concatenated.
inline std::vector<float> logits_of(const Model& model) {
  std::vector<float> all;
  const int vocab = model.config().vocab_size;
  for (const int length : {1, 5, 12}) {
    KvCache cache = model.new_cache();
    const auto tokens = some_tokens(length, vocab, length);
    const ForwardInput in{&cache, tokens, true};
    const auto logits = model.forward(std::span(&in, 1)).front();
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

// max |a - b| over max |b|: the error relative to the logits' scale.
inline double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 0;
  double diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return diff / scale;
}

// RMS of a - b over RMS of b.
inline double rms_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double sb = 0;
  double sd = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sb += static_cast<double>(b[i]) * b[i];
    sd += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  }
  return std::sqrt(sd / sb);
}

}  // namespace rbench::moe::test
