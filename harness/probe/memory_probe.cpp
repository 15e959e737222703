// The memory probe's figures: analytic from the config, measured by loading the checkpoint and
// running one forward pass. The table is in memory_probe_table.cpp, the JSON document in
// memory_probe_json.cpp.
#include "harness/probe/memory_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "engines/moe/checkpoint/safetensors.h"
#include "engines/moe/model/model.h"
#include "harness/core/error.h"

namespace rbench::probe {
namespace {

using Clock = std::chrono::steady_clock;

// The shapes behind the published KV-cache claim (DeepSeek-V2 paper, abstract and section 3.2.3;
// DeepSeek LLM paper, table 2 for the 67B model).
constexpr std::int64_t kV2Layers = 60;
constexpr std::int64_t kV2CacheElements = 512 + 64;  // kv_lora_rank + qk_rope_head_dim
constexpr double kV2DeployedBitsPerElement = 6;      // "6 bits on average" after quantisation
constexpr std::int64_t kLlm67bLayers = 95;
constexpr std::int64_t kLlm67bKvHeads = 8;  // GQA: 64 query heads share 8 KV heads
constexpr std::int64_t kLlm67bHeadDim = 128;
constexpr std::int64_t kBf16Bytes = 2;

double saving(std::int64_t smaller, std::int64_t larger) {
  return larger > 0 ? 1.0 - static_cast<double>(smaller) / static_cast<double>(larger) : 0.0;
}

// "model.layers.61.xxx" -> 61; -1 for names outside the layers.
int layer_of(const std::string& name) {
  constexpr std::string_view prefix = "model.layers.";
  if (!name.starts_with(prefix)) return -1;
  int layer = -1;
  const char* begin = name.data() + prefix.size();
  std::from_chars(begin, name.data() + name.size(), layer);
  return layer;
}

void check_options(const MemoryProbeOptions& o) {
  if (o.model_dir.empty() == o.config_path.empty()) {
    throw UsageError("probe memory: give --model DIR (measured) or --config FILE (analytic)");
  }
  if (o.context < 1) throw UsageError(fmt::format("--context: {} is not >= 1", o.context));
  if (o.prefill_chunk < 1 || o.step_sequences < 1) {
    throw UsageError(fmt::format("prefill chunk {} and step sequences {} must be >= 1",
                                 o.prefill_chunk, o.step_sequences));
  }
  if (o.memory_budget_gib && !(*o.memory_budget_gib > 0)) {
    throw UsageError(fmt::format("--memory-budget: {} GiB is not > 0", *o.memory_budget_gib));
  }
  kv_dtype_bytes(o.kv_dtype);
}

MeasuredMemory measure(const MemoryProbeOptions& o, const moe::ModelConfig& config) {
  MeasuredMemory m;
  {
    const moe::Checkpoint checkpoint(o.model_dir);  // headers only; the data is mapped, not read
    for (const std::string& name : checkpoint.names()) {
      const moe::TensorInfo& t = checkpoint.info(name);
      const auto bytes = static_cast<std::int64_t>(t.end - t.begin);
      m.checkpoint_bytes_by_dtype[std::string(moe::to_string(t.dtype))] += bytes;
      if (layer_of(name) >= config.num_hidden_layers) m.checkpoint_bytes_not_loaded += bytes;
    }
  }
  if (config.max_position_embeddings > 0 && o.context > config.max_position_embeddings) {
    throw UsageError(fmt::format("--context: {} is past the model's max_position_embeddings ({})",
                                 o.context, config.max_position_embeddings));
  }
  m.peak_reset = reset_peak_rss();
  m.before_load = read_process_memory();
  const auto t0 = Clock::now();
  // As the engine loads it without --mtp: MTP modules stay on disk (checkpoint_bytes_not_loaded).
  const std::shared_ptr<const moe::ForwardModel> model =
      o.load_model ? o.load_model(o.model_dir) : moe::Model::load(o.model_dir, {.mtp = false});
  const moe::Model& host = model->host();
  m.load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  m.after_load = read_process_memory();
  // getrusage's peak is the same counter as VmHWM: read it before the reset below lowers it.
  m.peak_rss_process = moe::peak_rss_bytes();
  for (const auto& [dtype, bytes] : host.weights().bytes_by_dtype()) {
    m.held_bytes_by_dtype[dtype] = static_cast<std::int64_t>(bytes);
  }
  for (const moe::LayerWeights& layer : host.weights().layers) {
    m.held_kv_b_f32_bytes += static_cast<std::int64_t>(layer.attn.kv_b_f32.size() * sizeof(float));
  }

  // A prompt of --context tokens, prefilled in the engine's chunks into one cache.
  m.peak_reset = reset_peak_rss() && m.peak_reset;
  const std::unique_ptr<moe::SequenceCache> cache = model->make_cache();
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(o.context));
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = static_cast<std::int32_t>((i * 7919 + 13) % config.vocab_size);
  }
  const auto t1 = Clock::now();
  for (std::size_t at = 0; at < tokens.size(); at += static_cast<std::size_t>(o.prefill_chunk)) {
    const std::size_t n = std::min(tokens.size() - at, static_cast<std::size_t>(o.prefill_chunk));
    const moe::ForwardInput in{cache.get(), std::span(tokens).subspan(at, n), false};
    model->forward(std::span(&in, 1));
  }
  m.forward_s = std::chrono::duration<double>(Clock::now() - t1).count();
  m.after_forward = read_process_memory();
  m.forward_tokens = o.context;
  m.kv_bytes_per_token_held = static_cast<std::int64_t>(cache->bytes_per_token());
  m.kv_cache_bytes = static_cast<std::int64_t>(cache->bytes());
  m.device = model->device();
  m.engine_memory = model->memory();
  // The resident set measures the CPU's workspace only; a device's is not in it.
  const bool on_cpu = m.device == "cpu";
  m.workspace_measured =
      m.peak_reset && on_cpu
          ? std::max<std::int64_t>(
                0, m.after_forward.peak_rss_bytes - m.after_load.rss_bytes - m.kv_cache_bytes)
          : -1;
  m.workspace_estimate =
      moe::forward_workspace_bytes(config, std::min(o.context, o.prefill_chunk), 1);
  m.peak_rss_process = std::max(m.peak_rss_process, moe::peak_rss_bytes());
  return m;
}

// 1960809984 -> "1.961B", 1296640 -> "1.30M".
std::string short_count(std::int64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.3f}B", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f}M", n / 1e6);
  return std::to_string(n);
}

std::vector<std::string> assumptions(const MemoryReport& r) {
  const moe::ModelConfig& c = r.config;
  const AnalyticMemory& a = r.analytic;
  std::vector<std::string> out;
  out.push_back(fmt::format(
      "KV cache element: {} ({} bytes) in the analytic figures; the built-in engine holds its "
      "cache in f32 (4 bytes), which the measured figures show",
      r.options.kv_dtype, a.kv_bytes_per_element));
  out.push_back(fmt::format(
      "MLA cache per layer and token: kv_lora_rank + qk_rope_head_dim = {} + {} elements (the "
      "normalised compressed latent and the shared rope key, what the engine caches)",
      c.kv_lora_rank, c.qk_rope_head_dim));
  out.push_back(fmt::format(
      "Equivalent multi-head cache: the same config caching keys ({} = {} + {}) and values ({}) "
      "for each of its {} heads (no grouping)",
      c.qk_head_dim(), c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim,
      c.num_attention_heads));
  const int br = c.quantization ? c.quantization->block_rows : 128;
  const int bc = c.quantization ? c.quantization->block_cols : 128;
  out.push_back(fmt::format(
      "fp8 weights: every linear weight in e4m3 (1 byte) plus one f32 scale per {}x{} block "
      "(block scales counted, averaged per weight); embeddings, LM head, norms, the router and its "
      "bias stay bf16 ({} parameters); activations are not quantised",
      br, bc, short_count(a.weights.fp8_kept_bf16_params)));
  if (c.num_nextn_predict_layers > 0) {
    out.push_back(fmt::format(
        "MTP modules ({} parameters, num_nextn_predict_layers = {}) are out of every total "
        "and byte count: the engine loads them only for self-speculative decoding (--mtp)",
        short_count(a.parameters.mtp), c.num_nextn_predict_layers));
  } else {
    out.push_back("MTP modules: none in this config");
  }
  out.push_back(
      "Active parameters per token: attention, dense MLPs, shared and top-k routed experts, "
      "norms and the LM head; the embedding table is a lookup and not counted");
  out.push_back(fmt::format(
      "Workspace: the activations one forward call of {} tokens holds at its peak (f32), from the "
      "buffers the CPU forward pass allocates; per-thread attention scores are left out",
      std::min(r.options.context, r.options.prefill_chunk)));
  out.push_back(fmt::format(
      "Fit: {} + batch x context x {} bytes of KV per token + the workspace of the engine's "
      "largest step (min(batch, {}) sequences prefilling min(context, {}) tokens each) within the "
      "budget; the engine advances {} sequences at a time (--max-batch), a larger batch is what "
      "the memory would hold; nothing else (other processes, fragmentation) is counted",
      r.fit.basis == "measured" ? "resident memory after loading"
                                : (r.config.quantization ? "fp8 weights" : "bf16 weights"),
      r.fit.kv_bytes_per_token, r.options.step_sequences, r.options.prefill_chunk,
      r.options.step_sequences));
  out.push_back(
      "The published 93.3% compares DeepSeek-V2 (its cache quantised to ~6 bits per element) "
      "with DeepSeek 67B (GQA, 8 KV heads, bf16), two different models; our saving compares this "
      "config's latent cache with its own multi-head equivalent, so the two numbers differ");
  if (r.measured) {
    out.push_back(
        r.measured->peak_reset
            ? "Peak RSS: VmHWM, reset before loading and before the forward pass; the load's "
              "peak counts the memory-mapped safetensors pages read (unmapped afterwards)"
            : "Peak RSS: VmHWM could not be reset (/proc/self/clear_refs), so peaks are since the "
              "process started and the measured workspace is unknown");
  }
  out.push_back("Device: " + r.device.device + "; " + r.device.note);
  return out;
}

}  // namespace

std::string memory_model_name(const MemoryProbeOptions& o) {
  if (!o.model_dir.empty()) {
    const auto dir = o.model_dir.lexically_normal();
    return (dir.has_filename() ? dir : dir.parent_path()).filename().string();
  }
  // ".../DeepSeek-V3/config.json" -> "DeepSeek-V3"; "deepseek-v3-config.json" -> its stem.
  if (o.config_path.stem() == "config" && o.config_path.has_parent_path()) {
    return o.config_path.parent_path().filename().string();
  }
  return o.config_path.stem().string();
}

int kv_dtype_bytes(const std::string& name) {
  if (name == "bf16") return 2;
  if (name == "fp8") return 1;
  if (name == "f32") return 4;
  throw UsageError(fmt::format("--kv-dtype: '{}' is not one of bf16, fp8, f32", name));
}

AnalyticMemory analytic_memory(const moe::ModelConfig& c, int context, int kv_bytes,
                               int prefill_chunk) {
  AnalyticMemory a;
  a.parameters = moe::count_parameters(c);
  a.weights = moe::weight_bytes(c);
  const moe::KvCacheFigures kv = moe::kv_cache_figures(c, kv_bytes);
  a.kv_bytes_per_element = kv_bytes;
  a.kv_latent_per_token = kv.latent_per_token;
  a.kv_mha_per_token = kv.mha_per_token;
  const std::int64_t layers = std::max(c.num_hidden_layers, 1);
  a.kv_latent_per_layer = kv.latent_per_token / layers;
  a.kv_mha_per_layer = kv.mha_per_token / layers;
  a.kv_latent_context = kv.latent_per_token * context;
  a.kv_mha_context = kv.mha_per_token * context;
  a.kv_saving = kv.reduction();
  a.workspace_bytes = moe::forward_workspace_bytes(c, std::min(context, prefill_chunk), 1);
  return a;
}

ClaimChecks claim_checks(const moe::ModelConfig&, const AnalyticMemory& a) {
  ClaimChecks k;
  k.v2_kv_per_token_deployed = static_cast<std::int64_t>(
      std::llround(kV2Layers * kV2CacheElements * kV2DeployedBitsPerElement / 8));
  k.v2_kv_per_token_bf16 = kV2Layers * kV2CacheElements * kBf16Bytes;
  k.llm67b_kv_per_token = kLlm67bLayers * 2 * kLlm67bKvHeads * kLlm67bHeadDim * kBf16Bytes;
  k.kv_saving_deployed = saving(k.v2_kv_per_token_deployed, k.llm67b_kv_per_token);
  k.kv_saving_bf16 = saving(k.v2_kv_per_token_bf16, k.llm67b_kv_per_token);
  k.kv_saving_ours = a.kv_saving;
  k.config_fp8_saving_vs_f32 = saving(a.weights.fp8, a.weights.f32);
  k.config_fp8_saving_vs_bf16 = saving(a.weights.fp8, a.weights.bf16);
  return k;
}

std::int64_t bytes_needed(const moe::ModelConfig& c, const FitInputs& in, std::int64_t batch,
                          std::int64_t context) {
  const std::int64_t step_sequences = std::min<std::int64_t>(batch, in.step_sequences);
  const std::int64_t step_tokens =
      step_sequences * std::min<std::int64_t>(context, in.prefill_chunk);
  return in.fixed_bytes + batch * context * in.kv_bytes_per_token +
         moe::forward_workspace_bytes(c, step_tokens, step_sequences);
}

MemoryFit fit_in_budget(const moe::ModelConfig& c, const FitInputs& in) {
  MemoryFit f;
  f.budget_bytes = in.budget_bytes;
  f.fixed_bytes = in.fixed_bytes;
  f.kv_bytes_per_token = in.kv_bytes_per_token;
  const auto fits = [&](std::int64_t batch, std::int64_t ctx) {
    return bytes_needed(c, in, batch, ctx) <= in.budget_bytes;
  };
  // The largest x in [0, hi] with pred(x), pred monotone decreasing and pred(0) true.
  const auto largest = [](std::int64_t hi, const auto& pred) {
    std::int64_t lo = 0;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo + 1) / 2;
      if (pred(mid)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  };
  const std::int64_t room = std::max<std::int64_t>(in.budget_bytes - in.fixed_bytes, 0);
  const std::int64_t per_token = std::max<std::int64_t>(in.kv_bytes_per_token, 1);
  std::vector<std::int64_t> contexts = {in.context, 4096, 32768};
  if (c.max_position_embeddings > 0) contexts.push_back(c.max_position_embeddings);
  std::sort(contexts.begin(), contexts.end());
  contexts.erase(std::unique(contexts.begin(), contexts.end()), contexts.end());
  for (std::int64_t ctx : contexts) {
    if (c.max_position_embeddings > 0 && ctx > c.max_position_embeddings) continue;
    const std::int64_t hi = room / (ctx * per_token) + 1;
    f.rows.push_back({ctx, largest(hi, [&](std::int64_t b) { return fits(b, ctx); })});
  }
  f.max_context_one_sequence =
      largest(room / per_token + 1, [&](std::int64_t t) { return t == 0 || fits(1, t); });
  return f;
}

MemoryReport probe_memory(const MemoryProbeOptions& o) {
  check_options(o);
  MemoryReport r;
  r.options = o;
  r.model = memory_model_name(o);
  r.device = device_memory();
  // The budget is read before anything is loaded: what this machine has for the model.
  std::int64_t budget = 0;
  if (o.memory_budget_gib) {
    budget = static_cast<std::int64_t>(*o.memory_budget_gib * 1024.0 * 1024.0 * 1024.0);
    r.fit.budget_source = "--memory-budget";
  } else if (const auto available = mem_available_bytes()) {
    budget = *available;
  } else {
    throw Error("probe memory: /proc/meminfo has no MemAvailable; give --memory-budget GiB");
  }
  const std::filesystem::path config_file =
      o.model_dir.empty() ? o.config_path : o.model_dir / "config.json";
  r.source = (o.model_dir.empty() ? o.config_path : o.model_dir).string();
  r.config = moe::load_config(config_file);
  r.analytic = analytic_memory(r.config, o.context, kv_dtype_bytes(o.kv_dtype), o.prefill_chunk);
  r.claims = claim_checks(r.config, r.analytic);
  if (!o.model_dir.empty()) {
    r.measured = measure(o, r.config);
    const MeasuredMemory& m = *r.measured;
    std::int64_t fixed = m.after_load.rss_bytes;
    if (m.device != "cpu") {
      // On a device: its memory, less what it holds besides our cache after the pass (weights,
      // scratch, the CUDA context, other processes), is what the caches may take.
      const moe::DeviceMemory& d = m.engine_memory;
      r.device = {m.device, d.free_bytes, d.total_bytes, d.device};
      if (!o.memory_budget_gib && d.total_bytes) budget = *d.total_bytes;
      if (d.total_bytes && d.free_bytes) fixed = *d.total_bytes - *d.free_bytes - d.cache_bytes;
    }
    r.fit = fit_in_budget(r.config, {.budget_bytes = budget,
                                     .fixed_bytes = fixed,
                                     .kv_bytes_per_token = m.kv_bytes_per_token_held,
                                     .context = o.context,
                                     .prefill_chunk = o.prefill_chunk,
                                     .step_sequences = o.step_sequences});
    r.fit.basis = m.device == "cpu" ? "measured" : "measured on " + m.device;
  } else {
    const std::int64_t weights =
        r.config.quantization ? r.analytic.weights.fp8 : r.analytic.weights.bf16;
    r.fit = fit_in_budget(r.config, {.budget_bytes = budget,
                                     .fixed_bytes = weights,
                                     .kv_bytes_per_token = r.analytic.kv_latent_per_token,
                                     .context = o.context,
                                     .prefill_chunk = o.prefill_chunk,
                                     .step_sequences = o.step_sequences});
    r.fit.basis = "analytic";
  }
  r.fit.budget_source = o.memory_budget_gib        ? "--memory-budget"
                        : r.device.device == "cpu" ? "MemAvailable"
                                                   : "the device's total memory";
  r.assumptions = assumptions(r);
  return r;
}

}  // namespace rbench::probe
