// The memory probe's table for people (stdout).
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "harness/probe/memory_probe.h"

namespace rbench::probe {
namespace {

std::string grouped(std::int64_t v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string human(std::int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (1LL << 30)) return fmt::format("{:.2f} GiB", b / (1LL << 30));
  if (bytes >= (1LL << 20)) return fmt::format("{:.2f} MiB", b / (1LL << 20));
  if (bytes >= (1LL << 10)) return fmt::format("{:.1f} KiB", b / (1LL << 10));
  return fmt::format("{} B", bytes);
}

std::string bytes(std::int64_t b) {
  if (b < 0) return "unknown";
  return b < 1024 ? fmt::format("{} B", b) : fmt::format("{} B ({})", grouped(b), human(b));
}

// Parameters: "671.026B", "1.30M", "324,160".
std::string count(std::int64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.3f}B", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f}M", n / 1e6);
  return grouped(n);
}

std::string pct(double fraction) {
  return fmt::format("{:.1f}%", 100.0 * fraction);
}
void table_measured(std::string& s, const MemoryReport& r) {
  const MeasuredMemory& m = *r.measured;
  s += fmt::format("\nMeasured on {} (device: {})\n", r.source, r.device.device);
  s += "  checkpoint on disk (safetensors headers):";
  for (const auto& [dtype, b] : m.checkpoint_bytes_by_dtype)
    s += fmt::format(" {} {}", dtype, human(b));
  s += fmt::format("; not loaded (MTP layers): {}\n", human(m.checkpoint_bytes_not_loaded));
  s += "  weights held by the engine:";
  for (const auto& [dtype, b] : m.held_bytes_by_dtype) s += fmt::format(" {} {}", dtype, human(b));
  s += fmt::format(" + f32 copy of kv_b_proj {}\n", human(m.held_kv_b_f32_bytes));
  s += fmt::format("  KV cache per token as allocated ({}): {}; after {} tokens: {}\n",
                   m.device == "cpu" ? "f32" : "on " + m.device, bytes(m.kv_bytes_per_token_held),
                   m.forward_tokens, bytes(m.kv_cache_bytes));
  const moe::DeviceMemory& d = m.engine_memory;
  s += fmt::format("  as the model accounts it on {}{}: weights {}, KV cache peak {}", m.device,
                   d.device == m.device ? "" : " (" + d.device + ")", human(d.weight_bytes),
                   human(d.cache_peak_bytes));
  if (d.total_bytes && d.free_bytes) {
    s += fmt::format("; device memory {} total, {} free after the pass", human(*d.total_bytes),
                     human(*d.free_bytes));
  }
  s += "\n";
  s += fmt::format("  RSS before loading {}; after loading {} (peak while loading {}), {:.2f} s\n",
                   human(m.before_load.rss_bytes), human(m.after_load.rss_bytes),
                   human(m.after_load.peak_rss_bytes), m.load_s);
  s += fmt::format(
      "  forward pass of {} tokens in chunks of {}: {:.3f} s ({:.0f} tokens/s); RSS after {}, "
      "peak during {}\n",
      m.forward_tokens, r.options.prefill_chunk, m.forward_s,
      m.forward_s > 0 ? m.forward_tokens / m.forward_s : 0.0, human(m.after_forward.rss_bytes),
      human(m.after_forward.peak_rss_bytes));
  s += fmt::format(
      "  workspace beyond the cache: measured {} (peak - RSS after load - cache), "
      "estimated {}\n",
      m.workspace_measured < 0 ? "unknown" : human(m.workspace_measured),
      human(m.workspace_estimate));
  s += fmt::format("  peak RSS of the process (getrusage, the larger of the two phases): {}\n",
                   human(m.peak_rss_process));
}

}  // namespace

std::string memory_report_table(const MemoryReport& r) {
  const AnalyticMemory& a = r.analytic;
  const ClaimChecks& k = r.claims;
  const moe::ModelConfig& c = r.config;
  std::string s = fmt::format("memory probe: {} ({}), {} {} layers; device: {}\n", r.model,
                              r.source, c.architecture, c.num_hidden_layers, r.device.device);
  s += fmt::format(
      "\nParameters\n  total {}, active per token {} ({}), MTP modules {} (not "
      "counted)\n",
      count(a.parameters.total), count(a.parameters.active_per_token),
      pct(static_cast<double>(a.parameters.active_per_token) /
          std::max<std::int64_t>(a.parameters.total, 1)),
      count(a.parameters.mtp));
  s += "\nWeights (analytic)\n";
  s += fmt::format("  f32 (reference)    {}\n", bytes(a.weights.f32));
  s += fmt::format("  bf16               {}\n", bytes(a.weights.bf16));
  s += fmt::format("  fp8 e4m3 + scales  {}  ({} less than bf16, {} less than f32)\n",
                   bytes(a.weights.fp8), pct(k.config_fp8_saving_vs_bf16),
                   pct(k.config_fp8_saving_vs_f32));
  s += fmt::format("\nKV cache ({}, {} bytes per element)   MLA latent | multi-head equivalent\n",
                   r.options.kv_dtype, a.kv_bytes_per_element);
  s += fmt::format("  per layer and token   {} | {}\n", bytes(a.kv_latent_per_layer),
                   bytes(a.kv_mha_per_layer));
  s += fmt::format("  per token ({} layers) {} | {}  saving {}\n", c.num_hidden_layers,
                   bytes(a.kv_latent_per_token), bytes(a.kv_mha_per_token), pct(a.kv_saving));
  s += fmt::format("  context of {} tokens  {} | {}\n", r.options.context,
                   human(a.kv_latent_context), human(a.kv_mha_context));
  s += fmt::format("  forward workspace ({} tokens, estimate) {}\n",
                   std::min(r.options.context, r.options.prefill_chunk), human(a.workspace_bytes));
  s += "\nClaims\n";
  s += fmt::format(
      "  \"MLA cuts the KV cache by 93.3%\" (DeepSeek-V2 paper) compares DeepSeek-V2 with "
      "DeepSeek 67B:\n    V2 latent at ~6 bits {} B vs 67B GQA (8 KV heads, bf16) {} B per token: "
      "{} (as published)\n    V2 latent in bf16 {} B: {} (without V2's cache quantisation)\n"
      "    ours, this config's latent vs its own multi-head equivalent ({}): {}\n",
      grouped(k.v2_kv_per_token_deployed), grouped(k.llm67b_kv_per_token),
      pct(k.kv_saving_deployed), grouped(k.v2_kv_per_token_bf16), pct(k.kv_saving_bf16),
      r.options.kv_dtype, pct(k.kv_saving_ours));
  s += fmt::format(
      "  \"8-bit weights cut memory by 75%\": 1 byte vs 4 (f32) {}; 1 byte vs 2 (bf16) {}\n"
      "    this config's fp8 layout: {} vs f32, {} vs bf16\n",
      pct(k.element_saving_vs_f32), pct(k.element_saving_vs_bf16), pct(k.config_fp8_saving_vs_f32),
      pct(k.config_fp8_saving_vs_bf16));
  if (r.measured) table_measured(s, r);
  const MemoryFit& f = r.fit;
  s += fmt::format("\nFit in {} ({}), {}: fixed {} + {} B of KV per token\n", human(f.budget_bytes),
                   f.budget_source, f.basis, human(f.fixed_bytes), grouped(f.kv_bytes_per_token));
  for (const FitRow& row : f.rows) {
    s += fmt::format("  context {:>7}: max batch {}\n", row.context, row.max_batch);
  }
  s += fmt::format("  one sequence: max context {} tokens\n", grouped(f.max_context_one_sequence));
  s += "\nAssumptions\n";
  for (const std::string& line : r.assumptions) s += "  - " + line + "\n";
  return s;
}

}  // namespace rbench::probe
