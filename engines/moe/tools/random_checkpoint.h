// Checkpoints of random weights in the Hugging Face layout: `rbench engine make-tiny` (a small
// DeepSeek-V3-architecture model with a BPE tokenizer trained on our own corpus, for tests and
// the demo) and real-size shapes for benchmarks, without any download. Values are seeded per
// tensor name, so a checkpoint is the same whatever order or threads wrote it; the generator
// and the shapes live with the model (engines/moe/model/random_weights.h), which the engine's
// dummy loader uses without a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/model/random_weights.h"
#include "engines/moe/model/weights.h"

namespace rbench::moe {

// Tiny variants, each exercising one published configuration family:
//   "v3"      noaux_tc sigmoid gate with bias, q_lora_rank set, YaRN, one dense layer first
//   "v2-lite" greedy softmax gate, q_lora_rank null (q_proj), YaRN
//   "v2"      group_limited_greedy softmax gate, q_lora_rank set, no normalisation
//   "dense"   no experts at all, plain RoPE
std::vector<std::string> tiny_variants();
ModelConfig tiny_config(std::string_view variant, int vocab_size);

// Writes DIR/config.json and DIR/model.safetensors. For f8_e4m3 the config gets a
// quantization_config and every linear layer but the router its weight_scale_inv, as in
// DeepSeek-V3's release; embeddings, norms, the router and the LM head stay bf16.
void write_random_checkpoint(const std::filesystem::path& dir, ModelConfig config,
                             RandomWeightsOptions options);

struct TinyOptions {
  std::string variant = "v3";
  DType dtype = DType::f32;
  std::uint64_t seed = 0;
  int vocab_size = 1024;  // learnt BPE symbols; the special tokens come on top
  bool mtp = false;       // with an MTP module (num_nextn_predict_layers 1)
};

// make-tiny: trains the tokenizer, writes tokenizer.json, config.json, model.safetensors.
void make_tiny(const std::filesystem::path& dir, const TinyOptions& options);

}  // namespace rbench::moe
