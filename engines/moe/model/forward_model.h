// What the engine drives, on whichever device: a forward pass over several sequences at once and
// the MTP module's, each sequence with its own latent KV cache. The CPU Model (model.h) is the
// reference; the CUDA model (engines/moe/gpu/cuda_model.h) is checked against it. The engine's
// decode loop, `engine logits` and the probes see only this interface, so --device picks the
// implementation and nothing else changes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/config.h"

namespace rbench::moe {

class Model;

// One sequence's latent KV cache (the main model's, or an MTP module's own), in the memory of the
// device that made it. Only the model that made it may be handed it.
class SequenceCache {
 public:
  virtual ~SequenceCache() = default;
  int length() const { return length_; }
  // Bytes per token as held (layers x (kv_lora_rank + qk_rope_head_dim) x element size).
  virtual std::size_t bytes_per_token() const = 0;
  std::size_t bytes() const { return bytes_per_token() * static_cast<std::size_t>(length_); }
  // Forgets positions from `length` on (a rolled-back draft, a reused prefix).
  virtual void truncate(int length) = 0;

 protected:
  int length_ = 0;
};

// A token chosen where the logits are, from an input's last row: on the CPU by pick_token, on a
// device by its sampling kernel, either way with the draw made by the request's own seeded
// Sampler, so a seed chooses the same tokens wherever the logits agree.
struct TokenChoice {
  double temperature = 0.0;  // <= 0: greedy
  int top_k = 0;
  double top_p = 1.0;
  double uniform = 0.0;     // Sampler::draw(), for sampled choices
  std::int32_t token = -1;  // out
};

struct ForwardInput {
  SequenceCache* cache = nullptr;        // appended to: the tokens get positions length()...
  std::span<const std::int32_t> tokens;  // at least one
  bool all_logits = false;               // logits for every token, not only the last
  // When set, receives every token's final-normed hidden state (what the LM head multiplies),
  // [tokens x hidden]: the MTP module's input.
  std::vector<float>* hidden = nullptr;
  // When set, receives the token chosen from the last token's logits.
  TokenChoice* choice = nullptr;
  // When set, receives the argmax (lowest id among equals) of each row the logits cover: every
  // token's with all_logits, else the last's. Computed where the logits are, so a speculative
  // step's verification needs no logits on the host.
  std::vector<std::int32_t>* greedy_rows = nullptr;
  // False: the caller needs no logits (choice and greedy_rows say all it needs). A device model
  // then returns an empty vector for this input and downloads none; the CPU model may return
  // them anyway, so callers must work either way.
  bool logits = true;
};

// One sequence's rows through the MTP module. Row r stands for main position
// i = cache->length() + r: it carries h_i, the main model's final-normed hidden state there,
// and t_{i+1}, the token that followed; its logits predict t_{i+2}.
struct MtpInput {
  SequenceCache* cache = nullptr;             // the module's own cache (make_mtp_cache())
  std::span<const float> hidden;              // [rows x hidden]
  std::span<const std::int32_t> next_tokens;  // [rows], at least one
  bool all_logits = false;                    // logits for every row, not only the last
};

// A timed copy within a device's memory: the roofline a memory-bound decode step is set against,
// measured on the machine at hand rather than taken from a data sheet.
struct CopyBandwidth {
  std::size_t bytes = 0;  // one copy's size
  int repeats = 0;
  double seconds_per_copy = 0.0;  // the mean over the repeats
  // A copy reads and writes every byte, so it moves 2 x bytes; a decode step only reads (its
  // cache writes are small), and its bytes read per second compare with this figure.
  double gb_per_s() const {
    return seconds_per_copy > 0.0 ? 2.0 * static_cast<double>(bytes) / seconds_per_copy / 1e9 : 0.0;
  }
};

// For the memory figures and routing statistics.
struct ForwardStats {
  std::int64_t tokens = 0;
  std::int64_t expert_activations = 0;  // routed expert evaluations (token x expert)
  // Weight and cache bytes the call had to read at least once: every matrix used (a routed expert
  // once however many tokens chose it), the embedding rows, and the latent caches attended over.
  // Over the time taken, this is the achieved memory bandwidth of a decode step.
  std::int64_t bytes_read = 0;
};

// What a model holds in memory, for the memory probe and the engine facts.
struct DeviceMemory {
  std::string device;                       // "cpu", or the device's name ("NVIDIA H100 ...")
  std::optional<std::int64_t> total_bytes;  // the device's memory at the call; unset on the CPU
  std::optional<std::int64_t> free_bytes;
  std::int64_t weight_bytes = 0;      // the weights as held on the device
  std::int64_t cache_bytes = 0;       // KV cache held now (main model's and MTP module's)
  std::int64_t cache_peak_bytes = 0;  // the most held at once since the model was loaded
  std::optional<std::int64_t> cache_capacity_bytes;  // when the cache is bounded
};

// Bytes held by a model's live caches and their peak. Shared by the model and the caches it made
// (which may outlive it); caches grow and shrink from several threads at once.
class CacheBytes {
 public:
  void add(std::int64_t delta) {
    const std::int64_t now = held_.fetch_add(delta) + delta;
    std::int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
  }
  std::int64_t held() const { return held_.load(); }
  std::int64_t peak() const { return peak_.load(); }

 private:
  std::atomic<std::int64_t> held_{0};
  std::atomic<std::int64_t> peak_{0};
};

class ForwardModel {
 public:
  virtual ~ForwardModel() = default;

  // The checkpoint as loaded on the host: its config, and its weights (what the facts report and
  // what a device copy was uploaded from).
  virtual const Model& host() const = 0;
  const ModelConfig& config() const;
  bool has_mtp() const;

  // "cpu", or "cuda:N" for a device model.
  virtual std::string device() const = 0;
  // One line for logs: the device's name and anything a reader of the results should know.
  virtual std::string describe_device() const = 0;
  // Weights and caches as held now, and the device's memory (queried at the call).
  virtual DeviceMemory memory() const = 0;

  virtual std::unique_ptr<SequenceCache> make_cache() const = 0;
  virtual std::unique_ptr<SequenceCache> make_mtp_cache() const = 0;

  // The caches are paged: what the scheduler counts to admit and preempt sequences. Positions
  // per block (64 on both devices), and the bytes of one block of a main cache and of an MTP
  // cache (bytes_per_token() x the block size).
  virtual int cache_block_size() const = 0;
  virtual std::size_t cache_block_bytes() const = 0;
  virtual std::size_t mtp_cache_block_bytes() const = 0;
  // The memory the caches may hold when --kv-cache-memory is not given; 0: unbounded.
  virtual std::size_t default_cache_bytes() const = 0;

  // Logits per input: [vocab] for the last token, or [tokens x vocab] with all_logits (or
  // nothing, on a device model, where the input's `logits` is false).
  // Throws std::out_of_range for a token id outside the vocabulary, std::invalid_argument for a
  // cache another model made.
  virtual std::vector<std::vector<float>> forward(std::span<const ForwardInput> inputs,
                                                  ForwardStats* stats = nullptr) const = 0;
  // MTP module 0 over each input's rows (see MtpInput). std::logic_error without an MTP module.
  virtual std::vector<std::vector<float>> mtp_forward(std::span<const MtpInput> inputs,
                                                      ForwardStats* stats = nullptr) const = 0;

  // Copies `bytes` within the memory this model's forward pass reads, `repeats` times after one
  // untimed copy. The CPU: host memory, split over the threads the forward pass uses (one thread
  // cannot saturate a socket's bandwidth); a device: its cudaMemcpyAsync device to device.
  virtual CopyBandwidth measure_copy(std::size_t bytes, int repeats) const;
};

}  // namespace rbench::moe
