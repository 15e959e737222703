// The built-in engine's facts for the reports: the weights as loaded (ModelWeights::bytes), the
// KV cache per token as the device's cache holds it, and from the config (memory.h) the parameters
// and the multi-head cache the latent one is compared with; from the model's memory() the device,
// its memory and the KV cache peak so far (the runner asks again when the run ends).
#include <optional>

#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/model/memory.h"

namespace rbench::moe {

EngineFacts BuiltinEngine::facts() const {
  const ModelConfig& c = model_->config();
  const ParameterCounts parameters = count_parameters(c);
  // Elements per token (one byte each): latent + rope key, and keys + values of every head.
  const KvCacheFigures elements = kv_cache_figures(c, 1);
  const auto stored = static_cast<std::int64_t>(model_->make_cache()->bytes_per_token());
  EngineFacts f;
  f.weight_bytes = static_cast<std::int64_t>(model_->host().weights().bytes());
  f.kv_bytes_per_token = stored;
  // The multi-head cache at the element width the engine stores (f32 on the CPU, bf16 on CUDA
  // for bf16 and fp8 checkpoints), so that the two
  // differ only in what they cache, not in precision.
  if (elements.latent_per_token > 0) {
    f.kv_bytes_per_token_mha = elements.mha_per_token * stored / elements.latent_per_token;
  }
  f.parameters_total = parameters.total;
  f.parameters_active = parameters.active_per_token;
  const DeviceMemory memory = model_->memory();
  f.device = model_->device();
  f.device_name = memory.device;
  f.device_memory_bytes = memory.total_bytes;
  // Unknown until the engine has held a cache (the run's start, a resume with nothing to do).
  if (memory.cache_peak_bytes > 0) f.cache_bytes_peak = memory.cache_peak_bytes;
  // The scheduler's bound: --kv-cache-memory, else the device's default (none on the CPU).
  const std::size_t bound =
      options_.kv_cache_bytes > 0 ? options_.kv_cache_bytes : model_->default_cache_bytes();
  f.cache_bytes_capacity =
      bound > 0 ? std::optional(static_cast<std::int64_t>(bound)) : memory.cache_capacity_bytes;
  return f;
}

}  // namespace rbench::moe
