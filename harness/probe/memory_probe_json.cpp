// The memory probe's JSON document (kind "memory", harness/probe/probe_json.h) and its config.
#include <string>

#include "harness/probe/memory_probe.h"
#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

void write_int_map(JsonWriter& w, const std::map<std::string, std::int64_t>& map) {
  w.StartObject();
  for (const auto& [k, v] : map) {
    w.Key(k.c_str());
    w.Int64(v);
  }
  w.EndObject();
}

void write_process_memory(JsonWriter& w, const ProcessMemory& m) {
  w.StartObject();
  w.Key("rss_bytes");
  w.Int64(m.rss_bytes);
  w.Key("peak_rss_bytes");
  w.Int64(m.peak_rss_bytes);
  w.EndObject();
}

void json_measured(JsonWriter& w, const MeasuredMemory& m) {
  w.StartObject();
  w.Key("checkpoint_bytes_by_dtype");
  write_int_map(w, m.checkpoint_bytes_by_dtype);
  w.Key("checkpoint_bytes_not_loaded");
  w.Int64(m.checkpoint_bytes_not_loaded);
  w.Key("held_bytes_by_dtype");
  write_int_map(w, m.held_bytes_by_dtype);
  w.Key("held_kv_b_f32_bytes");
  w.Int64(m.held_kv_b_f32_bytes);
  w.Key("kv_bytes_per_token_held");
  w.Int64(m.kv_bytes_per_token_held);
  w.Key("kv_cache_bytes");
  w.Int64(m.kv_cache_bytes);
  w.Key("forward_tokens");
  w.Int(m.forward_tokens);
  w.Key("load_s");
  w.Double(m.load_s);
  w.Key("forward_s");
  w.Double(m.forward_s);
  w.Key("peak_reset");
  w.Bool(m.peak_reset);
  w.Key("before_load");
  write_process_memory(w, m.before_load);
  w.Key("after_load");
  write_process_memory(w, m.after_load);
  w.Key("after_forward");
  write_process_memory(w, m.after_forward);
  w.Key("workspace_measured_bytes");
  w.Int64(m.workspace_measured);
  w.Key("workspace_estimate_bytes");
  w.Int64(m.workspace_estimate);
  w.Key("peak_rss_process_bytes");
  w.Int64(m.peak_rss_process);
  w.EndObject();
}

void json_claims(JsonWriter& w, const MemoryReport& r) {
  const ClaimChecks& k = r.claims;
  w.StartObject();
  w.Key("mla_kv_saving");
  w.StartObject();
  w.Key("published");
  w.Double(k.kv_published_saving);
  w.Key("compares");
  w.String(
      "DeepSeek-V2 (60 layers x 576 elements x ~6 bits) with DeepSeek 67B (95 layers x K,V "
      "x 8 KV heads x 128 x bf16)");
  w.Key("v2_bytes_per_token_deployed");
  w.Int64(k.v2_kv_per_token_deployed);
  w.Key("v2_bytes_per_token_bf16");
  w.Int64(k.v2_kv_per_token_bf16);
  w.Key("deepseek_67b_bytes_per_token");
  w.Int64(k.llm67b_kv_per_token);
  w.Key("saving_as_published");
  w.Double(k.kv_saving_deployed);
  w.Key("saving_without_v2_quantisation");
  w.Double(k.kv_saving_bf16);
  w.Key("ours");
  w.Double(k.kv_saving_ours);
  w.Key("ours_compares");
  const std::string ours =
      "this config's latent cache with its multi-head equivalent, both " + r.options.kv_dtype;
  w.String(ours.c_str());
  w.EndObject();
  w.Key("fp8_weight_saving");
  w.StartObject();
  w.Key("published");
  w.Double(k.weights_published_saving);
  w.Key("element_vs_f32");
  w.Double(k.element_saving_vs_f32);
  w.Key("element_vs_bf16");
  w.Double(k.element_saving_vs_bf16);
  w.Key("config_vs_f32");
  w.Double(k.config_fp8_saving_vs_f32);
  w.Key("config_vs_bf16");
  w.Double(k.config_fp8_saving_vs_bf16);
  w.EndObject();
  w.EndObject();
}

void json_fit(JsonWriter& w, const MemoryFit& f) {
  w.StartObject();
  w.Key("budget_bytes");
  w.Int64(f.budget_bytes);
  w.Key("budget_source");
  w.String(f.budget_source.c_str());
  w.Key("basis");
  w.String(f.basis.c_str());
  w.Key("fixed_bytes");
  w.Int64(f.fixed_bytes);
  w.Key("kv_bytes_per_token");
  w.Int64(f.kv_bytes_per_token);
  w.Key("rows");
  w.StartArray();
  for (const FitRow& row : f.rows) {
    w.StartObject();
    w.Key("context");
    w.Int64(row.context);
    w.Key("max_batch");
    w.Int64(row.max_batch);
    w.EndObject();
  }
  w.EndArray();
  w.Key("max_context_one_sequence");
  w.Int64(f.max_context_one_sequence);
  w.EndObject();
}

void json_analytic(JsonWriter& w, const MemoryReport& r) {
  const AnalyticMemory& a = r.analytic;
  w.Key("parameters");
  w.StartObject();
  w.Key("total");
  w.Int64(a.parameters.total);
  w.Key("active_per_token");
  w.Int64(a.parameters.active_per_token);
  w.Key("embedding");
  w.Int64(a.parameters.embedding);
  w.Key("routed_experts");
  w.Int64(a.parameters.routed_experts);
  w.Key("mtp_not_counted");
  w.Int64(a.parameters.mtp);
  w.EndObject();
  w.Key("weight_bytes");
  w.StartObject();
  w.Key("f32");
  w.Int64(a.weights.f32);
  w.Key("bf16");
  w.Int64(a.weights.bf16);
  w.Key("fp8");
  w.Int64(a.weights.fp8);
  w.Key("fp8_kept_bf16_params");
  w.Int64(a.weights.fp8_kept_bf16_params);
  w.Key("fp8_scale_bytes");
  w.Int64(a.weights.fp8_scale_bytes);
  w.EndObject();
  w.Key("kv_cache");
  w.StartObject();
  w.Key("dtype");
  w.String(r.options.kv_dtype.c_str());
  w.Key("bytes_per_element");
  w.Int(a.kv_bytes_per_element);
  w.Key("latent_per_layer");
  w.Int64(a.kv_latent_per_layer);
  w.Key("mha_per_layer");
  w.Int64(a.kv_mha_per_layer);
  w.Key("latent_per_token");
  w.Int64(a.kv_latent_per_token);
  w.Key("mha_per_token");
  w.Int64(a.kv_mha_per_token);
  w.Key("context");
  w.Int(r.options.context);
  w.Key("latent_context");
  w.Int64(a.kv_latent_context);
  w.Key("mha_context");
  w.Int64(a.kv_mha_context);
  w.Key("saving");
  w.Double(a.kv_saving);
  w.EndObject();
  w.Key("workspace_bytes_estimate");
  w.Int64(a.workspace_bytes);
}

}  // namespace

std::string memory_probe_json(const ProbeHeader& header, const MemoryReport& r) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_probe_header(w, header);
  w.Key("figures");
  w.StartObject();
  w.Key("source");
  w.String(r.source.c_str());
  w.Key("architecture");
  w.String(r.config.architecture.c_str());
  json_analytic(w, r);
  w.Key("claims");
  json_claims(w, r);
  w.Key("measured");
  if (r.measured) {
    json_measured(w, *r.measured);
  } else {
    w.Null();
  }
  w.Key("fit");
  json_fit(w, r.fit);
  w.Key("device");
  w.StartObject();
  w.Key("name");
  w.String(r.device.device.c_str());
  w.Key("free_bytes");
  r.device.free_bytes ? w.Int64(*r.device.free_bytes) : w.Null();
  w.Key("total_bytes");
  r.device.total_bytes ? w.Int64(*r.device.total_bytes) : w.Null();
  w.Key("note");
  w.String(r.device.note.c_str());
  w.EndObject();
  w.EndObject();
  write_assumptions(w, r.assumptions);
  w.EndObject();
  return buffer.GetString();
}

std::string memory_probe_config_json(const MemoryProbeOptions& o) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (!o.model_dir.empty()) {
    w.Key("model");
    w.String(o.model_dir.string().c_str());
  } else {
    w.Key("config");
    w.String(o.config_path.string().c_str());
  }
  w.Key("memory_budget_gib");
  o.memory_budget_gib ? w.Double(*o.memory_budget_gib) : w.Null();
  w.Key("context");
  w.Int(o.context);
  w.Key("kv_dtype");
  w.String(o.kv_dtype.c_str());
  w.Key("prefill_chunk");
  w.Int(o.prefill_chunk);
  w.EndObject();
  return buffer.GetString();
}

}  // namespace rbench::probe
