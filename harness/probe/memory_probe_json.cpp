// The memory probe's JSON document (kind "memory", harness/probe/probe_json.h) and its config.
#include <string>

#include "harness/probe/memory_probe.h"
#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

json::OutValue process_memory(const ProcessMemory& m) {
  return json::object({{"rss_bytes", m.rss_bytes}, {"peak_rss_bytes", m.peak_rss_bytes}});
}

// ForwardModel::memory() after the pass.
json::OutValue engine_memory(const moe::DeviceMemory& d) {
  return json::object({{"device_name", d.device},
                       {"total_bytes", json::nullable(d.total_bytes)},
                       {"free_bytes", json::nullable(d.free_bytes)},
                       {"weight_bytes", d.weight_bytes},
                       {"cache_bytes", d.cache_bytes},
                       {"cache_peak_bytes", d.cache_peak_bytes},
                       {"cache_capacity_bytes", json::nullable(d.cache_capacity_bytes)}});
}

json::OutValue measured(const MeasuredMemory& m) {
  return json::object({{"checkpoint_bytes_by_dtype", json::map(m.checkpoint_bytes_by_dtype)},
                       {"checkpoint_bytes_not_loaded", m.checkpoint_bytes_not_loaded},
                       {"held_bytes_by_dtype", json::map(m.held_bytes_by_dtype)},
                       {"held_kv_b_f32_bytes", m.held_kv_b_f32_bytes},
                       {"kv_bytes_per_token_held", m.kv_bytes_per_token_held},
                       {"kv_cache_bytes", m.kv_cache_bytes},
                       {"forward_tokens", m.forward_tokens},
                       {"load_s", m.load_s},
                       {"forward_s", m.forward_s},
                       {"peak_reset", m.peak_reset},
                       {"before_load", process_memory(m.before_load)},
                       {"after_load", process_memory(m.after_load)},
                       {"after_forward", process_memory(m.after_forward)},
                       {"workspace_measured_bytes", m.workspace_measured},
                       {"workspace_estimate_bytes", m.workspace_estimate},
                       {"peak_rss_process_bytes", m.peak_rss_process},
                       {"device", m.device},
                       {"engine_memory", engine_memory(m.engine_memory)}});
}

json::OutValue claims(const MemoryReport& r) {
  const ClaimChecks& k = r.claims;
  return json::object(
      {{"mla_kv_saving",
        json::object(
            {{"published", k.kv_published_saving},
             {"compares",
              "DeepSeek-V2 (60 layers x 576 elements x ~6 bits) with DeepSeek 67B (95 "
              "layers x K,V x 8 KV heads x 128 x bf16)"},
             {"v2_bytes_per_token_deployed", k.v2_kv_per_token_deployed},
             {"v2_bytes_per_token_bf16", k.v2_kv_per_token_bf16},
             {"deepseek_67b_bytes_per_token", k.llm67b_kv_per_token},
             {"saving_as_published", k.kv_saving_deployed},
             {"saving_without_v2_quantisation", k.kv_saving_bf16},
             {"ours", k.kv_saving_ours},
             {"ours_compares", "this config's latent cache with its multi-head equivalent, both " +
                                   r.options.kv_dtype}})},
       {"fp8_weight_saving", json::object({{"published", k.weights_published_saving},
                                           {"element_vs_f32", k.element_saving_vs_f32},
                                           {"element_vs_bf16", k.element_saving_vs_bf16},
                                           {"config_vs_f32", k.config_fp8_saving_vs_f32},
                                           {"config_vs_bf16", k.config_fp8_saving_vs_bf16}})}});
}

json::OutValue fit(const MemoryFit& f) {
  return json::object(
      {{"budget_bytes", f.budget_bytes},
       {"budget_source", f.budget_source},
       {"basis", f.basis},
       {"fixed_bytes", f.fixed_bytes},
       {"kv_bytes_per_token", f.kv_bytes_per_token},
       {"rows", json::array(f.rows,
                            [](json::Writer& w, const FitRow& row) {
                              w.object({{"context", row.context}, {"max_batch", row.max_batch}});
                            })},
       {"max_context_one_sequence", f.max_context_one_sequence}});
}

// The analytic figures: members of "figures", between "architecture" and "claims".
std::vector<json::Field> analytic(const MemoryReport& r) {
  const AnalyticMemory& a = r.analytic;
  return {{"parameters", json::object({{"total", a.parameters.total},
                                       {"active_per_token", a.parameters.active_per_token},
                                       {"embedding", a.parameters.embedding},
                                       {"routed_experts", a.parameters.routed_experts},
                                       {"mtp_not_counted", a.parameters.mtp}})},
          {"weight_bytes", json::object({{"f32", a.weights.f32},
                                         {"bf16", a.weights.bf16},
                                         {"fp8", a.weights.fp8},
                                         {"fp8_kept_bf16_params", a.weights.fp8_kept_bf16_params},
                                         {"fp8_scale_bytes", a.weights.fp8_scale_bytes}})},
          {"kv_cache", json::object({{"dtype", r.options.kv_dtype},
                                     {"bytes_per_element", a.kv_bytes_per_element},
                                     {"latent_per_layer", a.kv_latent_per_layer},
                                     {"mha_per_layer", a.kv_mha_per_layer},
                                     {"latent_per_token", a.kv_latent_per_token},
                                     {"mha_per_token", a.kv_mha_per_token},
                                     {"context", r.options.context},
                                     {"latent_context", a.kv_latent_context},
                                     {"mha_context", a.kv_mha_context},
                                     {"saving", a.kv_saving}})},
          {"workspace_bytes_estimate", a.workspace_bytes}};
}

json::OutValue device(const DeviceMemory& d) {
  return json::object({{"name", d.device},
                       {"free_bytes", json::nullable(d.free_bytes)},
                       {"total_bytes", json::nullable(d.total_bytes)},
                       {"note", d.note}});
}

}  // namespace

std::string memory_probe_json(const ProbeHeader& header, const MemoryReport& r) {
  json::Writer w;
  w.object([&](json::Writer& w) {
    write_probe_header(w, header);
    w.field("figures", [&](json::Writer& w) {
      w.object([&](json::Writer& w) {
        w.fields({{"source", r.source}, {"architecture", r.config.architecture}});
        w.fields(analytic(r));
        w.fields({{"claims", claims(r)},
                  {"measured", r.measured ? measured(*r.measured) : json::null},
                  {"fit", fit(r.fit)},
                  {"device", device(r.device)}});
      });
    });
    write_assumptions(w, r.assumptions);
  });
  return w.str();
}

std::string memory_probe_config_json(const MemoryProbeOptions& o) {
  json::Writer w;
  w.object({{"model", o.model_dir.empty() ? std::nullopt : std::optional(o.model_dir.string())},
            {"config", o.model_dir.empty() ? std::optional(o.config_path.string()) : std::nullopt},
            {"memory_budget_gib", json::nullable(o.memory_budget_gib)},
            {"context", o.context},
            {"kv_dtype", o.kv_dtype},
            {"prefill_chunk", o.prefill_chunk}});
  return w.str();
}

}  // namespace rbench::probe
