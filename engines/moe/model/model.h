// The DeepSeek-V3 forward pass on the CPU: the ground truth the CUDA backend is checked against.
//
// Attention is MLA in the absorbed formulation: the cache holds, per token and layer, only the
// normalised compressed latent (kv_lora_rank floats) and the rotated shared rope key
// (qk_rope_head_dim floats). Each head's query is multiplied into the latent space through the
// key half of kv_b_proj, and the attended latent is lifted out through its value half, so keys
// and values are never materialised per head.
//
// forward() takes several sequences at once (prefill chunks and single decode tokens mixed):
// every weight matrix is read once for all of their tokens. It is const and keeps no state
// outside the caches it is given, so it may be called from several threads with distinct caches.
// mtp_forward() runs the multi-token-prediction module (a draft of the token after next) on the
// hidden states forward() hands out; main layers and the MTP layer share one implementation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/model/forward_model.h"
#include "engines/moe/model/kv_cache.h"
#include "engines/moe/model/rope.h"
#include "engines/moe/model/weights.h"

namespace rbench::moe {

class Model final : public ForwardModel {
 public:
  // Reads DIR/config.json and the safetensors in DIR. DataError on anything malformed.
  static std::shared_ptr<const Model> load(const std::filesystem::path& dir,
                                           WeightLoadOptions options = {});
  Model(ModelConfig config, ModelWeights weights);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  // Caches whose blocks come from the model's pools (one for main caches, one for MTP caches).
  KvCache new_cache() const { return KvCache(main_pool_, config_, config_.num_hidden_layers); }
  bool has_mtp() const { return weights_.mtp.has_value(); }
  KvCache new_mtp_cache() const { return KvCache(mtp_pool_, config_, 1); }
  const KvBlockPool& main_pool() const { return *main_pool_; }
  const KvBlockPool& mtp_pool() const { return *mtp_pool_; }

  const Model& host() const override { return *this; }
  std::string device() const override { return "cpu"; }
  std::string describe_device() const override;
  std::unique_ptr<SequenceCache> make_cache() const override {
    return std::make_unique<KvCache>(new_cache());
  }
  std::unique_ptr<SequenceCache> make_mtp_cache() const override {
    return std::make_unique<KvCache>(new_mtp_cache());
  }
  int cache_block_size() const override { return kKvBlockSize; }
  std::size_t cache_block_bytes() const override {
    return main_pool_->block_floats() * sizeof(float);
  }
  std::size_t mtp_cache_block_bytes() const override {
    return mtp_pool_->block_floats() * sizeof(float);
  }
  // Unbounded: the pools grow as the caches do, in the machine's memory.
  std::size_t default_cache_bytes() const override { return 0; }
  DeviceMemory memory() const override;

  // Logits per input: [vocab] for the last token, or [tokens x vocab] with all_logits.
  // The logits of a token are bitwise the same whatever else is in the call (other sequences,
  // the tokens after it in its own chunk): self-speculative decoding relies on it.
  // Throws std::out_of_range for a token id outside the vocabulary.
  std::vector<std::vector<float>> forward(std::span<const ForwardInput> inputs,
                                          ForwardStats* stats = nullptr) const override;

  // MTP module 0 over each input's rows, appended to its cache at the row positions (RoPE
  // position i, attending causally over the module's own entries 0..i). Logits per input:
  // [vocab] for the last row, or [rows x vocab] with all_logits. std::logic_error without an
  // MTP module; std::out_of_range for a token outside the vocabulary.
  std::vector<std::vector<float>> mtp_forward(std::span<const MtpInput> inputs,
                                              ForwardStats* stats = nullptr) const override;

 private:
  struct Batch;
  // h += attn(input_layernorm(h)); h += mlp(post_attention_layernorm(h)), for every token of
  // the batch; the layer's latents go to layer `cache_layer` of each token's cache.
  void decoder_layer(const LayerWeights& lw, int cache_layer, Batch& b, std::vector<float>& h,
                     ForwardStats* stats) const;
  void attention(const AttentionWeights& a, int cache_layer, Batch& b, const std::vector<float>& x,
                 std::vector<float>& out) const;
  void dense_mlp(const MlpWeights& w, const std::vector<float>& x, int n,
                 std::vector<float>& out) const;
  void moe(const MoeWeights& m, const std::vector<float>& x, int n, std::vector<float>& out,
           ForwardStats* stats) const;

  ModelConfig config_;
  ModelWeights weights_;
  Rope rope_;
  std::shared_ptr<CacheBytes> cache_bytes_ = std::make_shared<CacheBytes>();  // both pools'
  std::shared_ptr<KvBlockPool> main_pool_;
  std::shared_ptr<KvBlockPool> mtp_pool_;
};

// Picks routed experts for one token from its router logits, exactly as configured: softmax or
// sigmoid scores; for noaux_tc the correction bias added for selection only; group-limited
// top-k; normalisation and routed scaling. Returns (expert, weight) pairs, highest score first.
std::vector<std::pair<int, float>> route_token(const ModelConfig& config, const float* logits,
                                               const std::vector<float>& correction_bias);

}  // namespace rbench::moe
