// The Markdown report's "Probes" section (reports/markdown_probes.h). It reads each probe's JSON
// document (harness/probe/probe_json.h) by JSON pointer, so a field an older probe lacks shows as
// a dash instead of failing the report.
#include "reports/markdown_probes.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <cmath>
#include <optional>

#include "reports/markdown_text.h"
#include "reports/probe_figures.h"

namespace rbench {
namespace {

using probe_figures::grouped;
using probe_figures::num;
using probe_figures::text;
using rapidjson::Value;

constexpr const char* kNone = "—";

// Latencies in ms with about three significant digits.
std::string ms(std::optional<double> v) {
  if (!v) return kNone;
  if (*v < 1) return fmt::format("{:.3f}", *v);
  if (*v < 10) return fmt::format("{:.2f}", *v);
  if (*v < 100) return fmt::format("{:.1f}", *v);
  return fmt::format("{:.0f}", *v);
}

std::string rate(std::optional<double> v) {
  if (!v) return kNone;
  return *v < 100 ? fmt::format("{:.2f}", *v) : grouped(std::llround(*v));
}

// A distribution's percentile, or a dash when it holds no request (every request failed).
std::optional<double> percentile(const Value& step, const char* metric, const char* which) {
  const std::optional<double> count = num(step, fmt::format("/{}/count", metric));
  if (!count || *count == 0) return std::nullopt;
  return num(step, fmt::format("/{}/{}", metric, which));
}

std::string failed_cell(const Value& step) {
  const std::optional<double> failed = num(step, "/failed");
  if (!failed) return kNone;
  std::string kinds;
  if (step.HasMember("failures") && step["failures"].IsObject()) {
    for (const auto& m : step["failures"].GetObject()) {
      if (!m.value.IsNumber()) continue;
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", m.value.GetDouble(),
                           md_text(m.name.GetString()));
    }
  }
  return kinds.empty() ? fmt::format("{:.0f}", *failed)
                       : fmt::format("{:.0f} ({})", *failed, kinds);
}

std::string slo_text(const Value& doc) {
  std::string out;
  for (const auto& [key, name] :
       {std::pair{"/slo/ttft_ms", "TTFT"}, {"/slo/tpot_ms", "TPOT"}, {"/slo/e2e_ms", "E2E"}}) {
    if (const auto v = num(doc, key)) {
      out += fmt::format("{}{} ≤ {} ms", out.empty() ? "" : ", ", name, ms(v));
    }
  }
  return out;
}

std::string latency_probe(const Value& doc) {
  const std::string slo = slo_text(doc);
  std::string out = fmt::format(
      "{}; {} input and {} output tokens asked per request, {} requests per step{}. Latencies in "
      "ms; failed requests are counted apart and never enter a latency.\n\n",
      md_text(text(doc, "/engine")), grouped(num(doc, "/config/input_tokens")),
      grouped(num(doc, "/config/output_tokens")), grouped(num(doc, "/config/requests_per_step")),
      slo.empty() ? "" : "; goodput SLOs: " + slo);
  out +=
      "| Load | OK / sent | Failed | Req/s | Output tok/s | TTFT p50 | TTFT p99 | TPOT p50 | TPOT "
      "p99 | ITL p50 | ITL p99 | E2E p50 | E2E p99 |";
  out += slo.empty() ? "\n" : " Goodput (req/s) |\n";
  out += "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";
  out += slo.empty() ? "\n" : "--:|\n";
  const Value* steps = rapidjson::Pointer("/steps").Get(doc);
  if (!steps || !steps->IsArray()) return out + "\nThe document holds no steps.\n";
  for (const Value& step : steps->GetArray()) {
    out +=
        fmt::format("| {} | {}/{} | {} | {} | {} |", md_text(probe_figures::load_label(step)),
                    grouped(num(step, "/ok")), grouped(num(step, "/requests")), failed_cell(step),
                    rate(num(step, "/request_throughput")), rate(num(step, "/output_throughput")));
    for (const char* metric : {"ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"}) {
      out += fmt::format(" {} | {} |", ms(percentile(step, metric, "median")),
                         ms(percentile(step, metric, "p99")));
    }
    if (!slo.empty()) {
      out +=
          fmt::format(" {} ({} good) |", rate(num(step, "/goodput")), grouped(num(step, "/good")));
    }
    out += "\n";
  }
  return out;
}

std::string figures_table(const std::vector<probe_figures::Figure>& figures) {
  std::string out = "| Figure | Value |\n|---|---|\n";
  for (const auto& f : figures)
    out += fmt::format("| {} | {} |\n", md_text(f.name), md_text(f.value));
  return out;
}

std::string assumptions(const Value& doc) {
  const Value* list = rapidjson::Pointer("/assumptions").Get(doc);
  if (!list || !list->IsArray() || list->Empty()) return "";
  std::string out = "\nAssumptions:\n\n";
  for (const Value& line : list->GetArray()) {
    if (line.IsString()) out += fmt::format("- {}\n", md_text(line.GetString()));
  }
  return out;
}

std::string finished_probe(const ReportProbe& p) {
  const ProbeRecord& r = p.record;
  std::string out =
      fmt::format("\n### {}{}{} (run {}, probe {})\n\n", md_text(r.kind),
                  r.model.empty() ? "" : ": ", md_text(r.model), md_text(p.run), r.id);
  rapidjson::Document doc;
  doc.Parse(r.result_json.c_str(), r.result_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return out + "Its stored document does not parse as a probe JSON object.\n";
  }
  // "From A to B." opens the probe's paragraph: a latency probe goes on with its settings.
  if (const std::string started = text(doc, "/started_at"); !started.empty()) {
    out += fmt::format("From {} to {}.", md_text(started), md_text(text(doc, "/finished_at")));
    out += r.kind == "latency" ? " " : "\n\n";
  }
  if (r.kind == "latency") {
    out += latency_probe(doc);
  } else if (r.kind == "memory") {
    out += figures_table(probe_figures::memory_figures(doc));
  } else if (r.kind == "ceiling") {
    out += figures_table(probe_figures::ceiling_figures(doc));
  } else if (r.kind == "decode") {
    out += figures_table(probe_figures::decode_figures(doc));
  } else {
    out += "A probe kind this report does not know; the JSON report holds its document.\n";
  }
  return out + assumptions(doc);
}

std::string unfinished_probes(const std::vector<ReportProbe>& probes) {
  std::string out;
  for (const ReportProbe& p : probes) {
    if (p.finished()) continue;
    out += fmt::format("| {} | {} | {} | {} | {} | {} ({} failed) |\n", p.record.id,
                       md_text(p.record.kind), md_text(p.record.model), md_text(p.run),
                       md_text(p.record.created_at), p.requests_stored, p.requests_failed);
  }
  if (out.empty()) return "";
  return "\n### Unfinished probes\n\nKilled before they wrote their document; what they measured "
         "is in the store's `probe_requests` table.\n\n| Probe | Kind | Model | Run | Started | "
         "Requests stored |\n|--:|---|---|---|---|--:|\n" +
         out;
}

}  // namespace

std::string markdown_probes_section(const std::vector<ReportProbe>& probes) {
  if (probes.empty()) return "";
  std::string out = "\n## Probes\n";
  for (const ReportProbe& p : probes) {
    if (p.finished()) out += finished_probe(p);
  }
  return out + unfinished_probes(probes);
}

}  // namespace rbench
