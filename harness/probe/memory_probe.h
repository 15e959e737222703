// `rbench probe memory`: what the MLA + MoE architecture needs in memory, analytic from a
// config.json, and measured on a checkpoint the built-in engine loads.
//
// Analytic (a config alone, so DeepSeek-V3's published config can be checked without its
// weights): parameters total and active per token, weight bytes in f32 / bf16 / fp8, the KV cache
// per token of MLA's latent against the equivalent multi-head cache of the same config, per layer
// and for a context, and the two published claims these figures are usually quoted with:
//   * "MLA cuts the KV cache by 93.3%" (DeepSeek-V2 paper): DeepSeek-V2 against DeepSeek 67B, a
//     different, GQA model, with V2's cache quantised to ~6 bits; reconstructed here from both
//     models' published shapes, next to our like-for-like figure (which is larger).
//   * "8-bit weights cut memory by 75%": true against f32, 50% against bf16; both printed, with
//     what the config's own fp8 layout (bf16 embeddings, norms, routers; block scales) gives.
// Measured (a checkpoint): bytes by dtype in the safetensors headers and as the engine holds them,
// the cache's bytes per token as the engine allocates it, resident memory after loading and the
// peak during a forward pass of --context tokens (prefilled in the engine's chunks), the
// workspace that pass needed beyond the cache, and the largest batch x context that fits a memory
// budget. With --device cuda the checkpoint is loaded on the device and the pass runs there: the
// model's memory() then gives the weights and the cache's peak as the device holds them, the
// device's name and its total and free memory, and the fit is against the device's memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/model/forward_model.h"
#include "engines/moe/model/memory.h"
#include "harness/probe/probe_json.h"
#include "harness/probe/process_memory.h"

namespace rbench::probe {

struct MemoryProbeOptions {
  std::filesystem::path model_dir;          // measured: loads DIR (config.json, *.safetensors)
  std::filesystem::path config_path;        // analytic only; exactly one of the two
  std::optional<double> memory_budget_gib;  // default: MemAvailable when the probe starts
  int context = 1024;                       // tokens of the forward pass and per-context figures
  std::string kv_dtype = "bf16";            // bf16 | fp8 | f32: the analytic cache's element
  int prefill_chunk = 256;                  // tokens per forward call (the engine's default)
  int step_sequences = 16;  // sequences one engine step advances at most (its --max-batch)
  // Loads the checkpoint (without MTP) on the device to measure on; unset: the CPU Model. The
  // CLI's (engines/moe/engine load_model), which this room cannot call itself.
  std::function<std::shared_ptr<const moe::ForwardModel>(const std::filesystem::path&)> load_model;
};

// Bytes per element of a cache dtype name; UsageError naming --kv-dtype otherwise.
int kv_dtype_bytes(const std::string& name);

struct AnalyticMemory {
  moe::ParameterCounts parameters;
  moe::WeightBytes weights;
  int kv_bytes_per_element = 2;
  std::int64_t kv_latent_per_layer = 0;  // (kv_lora_rank + qk_rope_head_dim) x bytes
  std::int64_t kv_mha_per_layer = 0;     // heads x (qk_head_dim + v_head_dim) x bytes
  std::int64_t kv_latent_per_token = 0;  // x layers
  std::int64_t kv_mha_per_token = 0;
  std::int64_t kv_latent_context = 0;  // x context
  std::int64_t kv_mha_context = 0;
  double kv_saving = 0;              // 1 - latent / mha
  std::int64_t workspace_bytes = 0;  // one forward of prefill_chunk tokens, one sequence
};

// The published claims, rebuilt from the shapes the papers give.
struct ClaimChecks {
  // DeepSeek-V2 (arXiv 2405.04434): 60 layers, cache (512 + 64) elements per layer and token,
  // quantised to 6 bits per element on average when deployed. DeepSeek 67B (arXiv 2401.02954):
  // 95 layers, GQA with 8 KV heads of dimension 128, K and V in bf16.
  double kv_published_saving = 0.933;
  std::int64_t v2_kv_per_token_deployed = 0;  // 60 x 576 x 6 bits
  std::int64_t v2_kv_per_token_bf16 = 0;      // 60 x 576 x 2 bytes
  std::int64_t llm67b_kv_per_token = 0;       // 95 x 2 x 8 x 128 x 2 bytes
  double kv_saving_deployed = 0;              // what the 93.3% is
  double kv_saving_bf16 = 0;                  // the same comparison without V2's quantisation
  double kv_saving_ours = 0;                  // this config against its own MHA equivalent
  // "8-bit weights cut memory by 75%".
  double weights_published_saving = 0.75;
  double element_saving_vs_f32 = 0.75;  // 1 - 1/4
  double element_saving_vs_bf16 = 0.5;  // 1 - 1/2
  double config_fp8_saving_vs_f32 = 0;  // this config's fp8 layout against all-f32 / all-bf16
  double config_fp8_saving_vs_bf16 = 0;
};

struct MeasuredMemory {
  std::map<std::string, std::int64_t> checkpoint_bytes_by_dtype;  // every tensor on disk
  std::int64_t checkpoint_bytes_not_loaded = 0;  // MTP layers (model.layers.N, N >= layers)
  std::map<std::string, std::int64_t> held_bytes_by_dtype;  // ModelWeights::bytes_by_dtype
  std::int64_t held_kv_b_f32_bytes = 0;      // the absorbed attention's f32 copy of kv_b_proj
  std::int64_t kv_bytes_per_token_held = 0;  // the engine's KvCache (f32)
  std::int64_t kv_cache_bytes = 0;           // after the forward pass
  int forward_tokens = 0;
  double load_s = 0;
  double forward_s = 0;
  bool peak_reset = false;  // false: peaks are since the process started
  ProcessMemory before_load;
  ProcessMemory after_load;             // peak: during the load
  ProcessMemory after_forward;          // peak: during the forward pass
  std::int64_t workspace_measured = 0;  // forward peak - RSS after load - cache, at least 0
  std::int64_t workspace_estimate = 0;  // moe::forward_workspace_bytes for one chunk
  std::int64_t peak_rss_process = 0;    // getrusage: the larger of the load's and the pass's
  // The model's own account after the pass (ForwardModel::memory()), and where it ran.
  std::string device;  // "cpu", "cuda:0"
  moe::DeviceMemory engine_memory;
};

struct FitRow {
  std::int64_t context = 0;
  std::int64_t max_batch = 0;  // 0: not even one sequence fits
};

// What fits in a budget: fixed + batch x context x kv_per_token + the workspace of the largest
// engine step (min(batch, step_sequences) sequences prefilling min(context, chunk) tokens each)
// <= budget. The batch is what the memory holds; the engine advances step_sequences at a time.
struct FitInputs {
  std::int64_t budget_bytes = 0;
  std::int64_t fixed_bytes = 0;  // weights (analytic) or resident memory after loading
  std::int64_t kv_bytes_per_token = 0;
  int context = 1024;
  int prefill_chunk = 256;
  int step_sequences = 16;
};

struct MemoryFit {
  std::int64_t budget_bytes = 0;
  std::string budget_source;  // "--memory-budget" | "MemAvailable"
  std::string basis;          // "measured" | "analytic"
  std::int64_t fixed_bytes = 0;
  std::int64_t kv_bytes_per_token = 0;
  std::vector<FitRow> rows;
  std::int64_t max_context_one_sequence = 0;  // may exceed max_position_embeddings
};

struct MemoryReport {
  std::string model;   // a name for it (the directory, or the config's)
  std::string source;  // the path probed
  moe::ModelConfig config;
  MemoryProbeOptions options;
  AnalyticMemory analytic;
  ClaimChecks claims;
  std::optional<MeasuredMemory> measured;
  MemoryFit fit;
  DeviceMemory device;
  std::vector<std::string> assumptions;
};

MemoryReport probe_memory(const MemoryProbeOptions& options);

// The name the probe gives the model: the checkpoint directory's, else the config's directory
// (".../DeepSeek-V3/config.json") or file stem ("deepseek-v3-config.json").
std::string memory_model_name(const MemoryProbeOptions& options);

// The analytic parts alone (no I/O beyond what the caller did): for tests and --config.
AnalyticMemory analytic_memory(const moe::ModelConfig& config, int context, int kv_bytes,
                               int prefill_chunk);
ClaimChecks claim_checks(const moe::ModelConfig& config, const AnalyticMemory& analytic);
MemoryFit fit_in_budget(const moe::ModelConfig& config, const FitInputs& inputs);
// The bytes that `batch` sequences of `context` tokens need under FitInputs' model.
std::int64_t bytes_needed(const moe::ModelConfig& config, const FitInputs& inputs,
                          std::int64_t batch, std::int64_t context);

// The human-readable table (stdout) and the probe JSON document (kind "memory").
std::string memory_report_table(const MemoryReport& report);
std::string memory_probe_json(const ProbeHeader& header, const MemoryReport& report);
// The options as the document's "config" object.
std::string memory_probe_config_json(const MemoryProbeOptions& options);

}  // namespace rbench::probe
