// Reading probe documents for the reports (reports/probe_figures.h).
#include "reports/probe_figures.h"

#include <fmt/format.h>
#include <rapidjson/pointer.h>

#include <array>
#include <cmath>

namespace rbench::probe_figures {
namespace {

using rapidjson::Value;

constexpr const char* kNone = "—";

// Probe documents are read leniently through JSON pointers: an older or partial document shows
// "—" for what it lacks instead of failing the report, so this stays raw RapidJSON.
const Value* at(const Value& doc, const std::string& pointer) {
  return rapidjson::Pointer(pointer.c_str()).Get(doc);
}

// Parameter counts as the README writes them: 671.0B, 36.6B, 324.2K, with the exact count.
std::string parameters(std::optional<double> v) {
  if (!v) return kNone;
  constexpr std::array<std::pair<double, const char*>, 3> kScales = {
      {{1e9, "B"}, {1e6, "M"}, {1e3, "K"}}};
  for (const auto& [scale, suffix] : kScales) {
    if (*v >= scale) return fmt::format("{:.1f}{} ({})", *v / scale, suffix, grouped(v));
  }
  return grouped(v);
}

std::string seconds(std::optional<double> v) {
  return v ? fmt::format("{:.3f} s", *v) : kNone;
}

std::string ms(std::optional<double> v) {
  return v ? fmt::format("{:.2f} ms", *v) : kNone;
}

void memory_claims(const Value& doc, std::vector<Figure>& out) {
  const std::string kv = "/figures/claims/mla_kv_saving/";
  out.push_back(
      {fmt::format("Claim: MLA cuts the KV cache by {}", share(num(doc, kv + "published"))),
       fmt::format("{} as published (DeepSeek-V2 at {} against DeepSeek 67B at {} per token); {} "
                   "without V2's quantisation; ours {} ({})",
                   share(num(doc, kv + "saving_as_published")),
                   bytes(num(doc, kv + "v2_bytes_per_token_deployed")),
                   bytes(num(doc, kv + "deepseek_67b_bytes_per_token")),
                   share(num(doc, kv + "saving_without_v2_quantisation")),
                   share(num(doc, kv + "ours")), text(doc, kv + "ours_compares"))});
  const std::string w = "/figures/claims/fp8_weight_saving/";
  out.push_back(
      {fmt::format("Claim: 8-bit weights cut memory by {}", share(num(doc, w + "published"))),
       fmt::format("per element {} against f32, {} against bf16; this config's fp8 layout {} "
                   "against f32, {} against bf16",
                   share(num(doc, w + "element_vs_f32")), share(num(doc, w + "element_vs_bf16")),
                   share(num(doc, w + "config_vs_f32")), share(num(doc, w + "config_vs_bf16")))});
}

void memory_measured(const Value& doc, std::vector<Figure>& out) {
  const std::string m = "/figures/measured/";
  std::string by_dtype;
  if (const Value* dtypes = at(doc, m + "checkpoint_bytes_by_dtype");
      dtypes && dtypes->IsObject()) {
    for (const auto& d : dtypes->GetObject()) {
      if (d.value.IsNumber()) {
        by_dtype += fmt::format("{}{} {}", by_dtype.empty() ? "" : ", ", d.name.GetString(),
                                bytes(d.value.GetDouble()));
      }
    }
  }
  out.push_back({"Measured: checkpoint bytes by dtype", by_dtype.empty() ? kNone : by_dtype});
  out.push_back(
      {"Measured: KV cache held per token", bytes(num(doc, m + "kv_bytes_per_token_held"))});
  out.push_back({"Measured: resident before loading / after loading / after the forward pass",
                 fmt::format("{} / {} / {}", bytes(num(doc, m + "before_load/rss_bytes")),
                             bytes(num(doc, m + "after_load/rss_bytes")),
                             bytes(num(doc, m + "after_forward/rss_bytes")))});
  out.push_back({"Measured: peak resident while loading / during the forward pass",
                 fmt::format("{} / {}", bytes(num(doc, m + "after_load/peak_rss_bytes")),
                             bytes(num(doc, m + "after_forward/peak_rss_bytes")))});
  out.push_back({fmt::format("Measured: workspace of a {}-token forward pass, measured / estimated",
                             grouped(num(doc, m + "forward_tokens"))),
                 fmt::format("{} / {}", bytes(num(doc, m + "workspace_measured_bytes")),
                             bytes(num(doc, m + "workspace_estimate_bytes")))});
  out.push_back(
      {"Measured: load / forward time", fmt::format("{} / {}", seconds(num(doc, m + "load_s")),
                                                    seconds(num(doc, m + "forward_s")))});
}

void memory_fit(const Value& doc, std::vector<Figure>& out) {
  const std::string f = "/figures/fit/";
  out.push_back({"Fit: budget",
                 fmt::format("{} ({}); {} basis: {} fixed + {} of KV cache per token",
                             bytes(num(doc, f + "budget_bytes")), text(doc, f + "budget_source"),
                             text(doc, f + "basis"), bytes(num(doc, f + "fixed_bytes")),
                             bytes(num(doc, f + "kv_bytes_per_token")))});
  if (const Value* rows = at(doc, f + "rows"); rows && rows->IsArray()) {
    for (const Value& row : rows->GetArray()) {
      out.push_back(
          {fmt::format("Fit: largest batch at {} tokens of context", grouped(num(row, "/context"))),
           grouped(num(row, "/max_batch"))});
    }
  }
  out.push_back({"Fit: longest single context",
                 grouped(num(doc, f + "max_context_one_sequence")) + " tokens"});
}

}  // namespace

std::optional<double> num(const Value& doc, const std::string& pointer) {
  const Value* v = at(doc, pointer);
  if (!v || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::string text(const Value& doc, const std::string& pointer) {
  const Value* v = at(doc, pointer);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::string grouped(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return kNone;
  const long long n = std::llround(*v);
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string bytes(std::optional<double> v) {
  if (!v) return kNone;
  // Below 10 MiB the exact count reads well (a KV cache per token: 70,272 B).
  if (*v < 10.0 * 1024 * 1024) return grouped(v) + " B";
  constexpr std::array<const char*, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  double x = *v;
  std::size_t unit = 0;
  for (x /= 1024; x >= 1024 && unit + 1 < kUnits.size(); x /= 1024) ++unit;
  if (x < 10) return fmt::format("{:.2f} {}", x, kUnits[unit]);
  if (x < 100) return fmt::format("{:.1f} {}", x, kUnits[unit]);
  return grouped(x) + " " + kUnits[unit];
}

std::string share(std::optional<double> v) {
  return v ? fmt::format("{:.1f}%", *v * 100) : kNone;
}

std::string load_label(const Value& step) {
  const std::string load = text(step, "/load");
  const std::optional<double> value = num(step, "/load_value");
  if (load == "rate") return value ? fmt::format("rate {:g}/s", *value) : "rate ∞ (all at once)";
  return fmt::format("{} {}", load.empty() ? "load" : load,
                     value ? fmt::format("{:g}", *value) : kNone);
}

std::vector<Figure> memory_figures(const Value& doc) {
  const std::string a = "/figures/";
  const std::string kv = "/figures/kv_cache/";
  std::vector<Figure> out;
  out.push_back(
      {"Source", fmt::format("{} ({})", text(doc, a + "source"), text(doc, a + "architecture"))});
  out.push_back({"Parameters, total / active per token",
                 fmt::format("{} / {}", parameters(num(doc, a + "parameters/total")),
                             parameters(num(doc, a + "parameters/active_per_token")))});
  out.push_back({"Weights in f32 / bf16 / fp8 (DeepSeek-V3's layout)",
                 fmt::format("{} / {} / {}", bytes(num(doc, a + "weight_bytes/f32")),
                             bytes(num(doc, a + "weight_bytes/bf16")),
                             bytes(num(doc, a + "weight_bytes/fp8")))});
  out.push_back(
      {fmt::format("KV cache per token ({}), MLA latent / multi-head", text(doc, kv + "dtype")),
       fmt::format("{} / {}: {} less", bytes(num(doc, kv + "latent_per_token")),
                   bytes(num(doc, kv + "mha_per_token")), share(num(doc, kv + "saving")))});
  out.push_back({fmt::format("KV cache for {} tokens, latent / multi-head",
                             grouped(num(doc, kv + "context"))),
                 fmt::format("{} / {}", bytes(num(doc, kv + "latent_context")),
                             bytes(num(doc, kv + "mha_context")))});
  out.push_back(
      {"Activation workspace (estimate)", bytes(num(doc, a + "workspace_bytes_estimate"))});
  memory_claims(doc, out);
  if (const Value* m = at(doc, "/figures/measured"); m && m->IsObject()) memory_measured(doc, out);
  memory_fit(doc, out);
  const std::string note = text(doc, "/figures/device/note");
  out.push_back({"Device", text(doc, "/figures/device/name") + (note.empty() ? "" : ": " + note)});
  return out;
}

std::vector<Figure> ceiling_figures(const Value& doc) {
  const std::string f = "/figures/";
  std::vector<Figure> out;
  const std::string first_error = text(doc, f + "ours/first_error");
  out.push_back(
      {fmt::format("rbench's client, {} connections for {} s", grouped(num(doc, f + "connections")),
                   grouped(num(doc, f + "duration_s"))),
       fmt::format("{} requests/s ({} ok, {} failed{}; latency p50 {}, p99 {})",
                   grouped(num(doc, f + "ours/requests_per_s")), grouped(num(doc, f + "ours/ok")),
                   grouped(num(doc, f + "ours/failed")),
                   first_error.empty() ? "" : ", first error: " + first_error,
                   ms(num(doc, f + "ours/latency_median_ms")),
                   ms(num(doc, f + "ours/latency_p99_ms")))});
  if (const Value* wrk = at(doc, f + "wrk"); wrk && wrk->IsObject()) {
    out.push_back(
        {fmt::format("wrk, {} threads", grouped(num(*wrk, "/threads"))),
         fmt::format("{} requests/s ({} requests, {} non-2xx, {} socket errors; mean "
                     "latency {})",
                     grouped(num(*wrk, "/requests_per_s")), grouped(num(*wrk, "/requests")),
                     grouped(num(*wrk, "/non_2xx")), grouped(num(*wrk, "/socket_errors")),
                     ms(num(*wrk, "/latency_avg_ms")))});
  } else {
    const std::string why = text(doc, f + "wrk_error");
    out.push_back({"wrk", "not run" + (why.empty() ? std::string() : ": " + why)});
  }
  const std::optional<double> ratio = num(doc, f + "ratio_ours_to_wrk");
  out.push_back({"Ours / wrk", ratio ? fmt::format("{:.2f}", *ratio) : kNone});
  return out;
}

std::vector<Figure> decode_figures(const Value& doc) {
  const std::string f = "/figures/";
  std::vector<Figure> out;
  out.push_back({"Device", text(doc, f + "device_description")});
  out.push_back({"Copy in the same memory (read + written)",
                 fmt::format("{} GB/s ({} per copy)", grouped(num(doc, f + "copy/gb_per_s")),
                             bytes(num(doc, f + "copy/bytes")))});
  out.push_back({"Context", fmt::format("{} positions", grouped(num(doc, f + "context")))});
  if (const Value* rows = at(doc, f + "rows"); rows && rows->IsArray()) {
    for (const Value& r : rows->GetArray()) {
      out.push_back(
          {fmt::format("Batch {}", grouped(num(r, "/batch"))),
           fmt::format("{} tokens/s, {} of the roofline ({}/step, {} read/step)",
                       grouped(num(r, "/tokens_per_s")), share(num(r, "/roofline_fraction")),
                       ms(num(r, "/step_ms_median")), bytes(num(r, "/bytes_per_step")))});
    }
  }
  if (const Value* m = at(doc, f + "mtp"); m && m->IsObject()) {
    const std::optional<double> verify = num(*m, "/verify_ratio");
    const std::optional<double> draft = num(*m, "/draft_ratio");
    out.push_back({"MTP at batch 1: verification step (2 tokens) / plain step",
                   verify ? fmt::format("{:.3f}x", *verify) : kNone});
    out.push_back({"MTP at batch 1: draft pass / plain step",
                   draft ? fmt::format("{:.3f}x", *draft) : kNone});
    if (const Value* implied = at(*m, "/implied_speedup"); implied && implied->IsArray()) {
      std::string speedups;
      for (const Value& p : implied->GetArray()) {
        const std::optional<double> a = num(p, "/acceptance");
        const std::optional<double> x = num(p, "/speedup");
        if (!a || !x) continue;
        speedups += fmt::format("{}{}: {:.2f}x", speedups.empty() ? "" : ", ", share(a), *x);
      }
      out.push_back({"MTP implied speedup by acceptance, " + text(*m, "/implied_speedup_formula"),
                     speedups.empty() ? kNone : speedups});
    }
  }
  return out;
}

}  // namespace rbench::probe_figures
