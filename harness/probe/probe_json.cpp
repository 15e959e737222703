// Writing the probe JSON document (format in probe_json.h).
#include "harness/probe/probe_json.h"

#include <cmath>

#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

// JSON has no NaN or infinity: those become null.
json::OutValue number(double v) {
  return std::isfinite(v) ? json::OutValue(v) : json::null;
}

json::OutValue distribution(const Distribution& d) {
  return json::object({{"count", d.count},
                       {"mean", number(d.mean)},
                       {"median", number(d.median)},
                       {"p90", number(d.p90)},
                       {"p95", number(d.p95)},
                       {"p99", number(d.p99)},
                       {"min", number(d.min)},
                       {"max", number(d.max)},
                       {"stdev", number(d.stdev)}});
}

json::OutValue samples(const std::vector<double>& values) {
  return json::array(values, [](json::Writer& w, double v) { w.value(number(v)); });
}

void write_step(json::Writer& w, const StepSummary& s) {
  w.object({{"step", s.step},
            {"load", s.load},
            {"load_value", number(s.load_value)},
            {"requests", s.requests},
            {"ok", s.ok},
            {"failed", s.failed},
            {"failures", json::map(s.failures)},
            {"duration_s", number(s.duration_s)},
            {"input_tokens", s.input_tokens},
            {"output_tokens", s.output_tokens},
            {"tokens_from_usage", s.tokens_from_usage},
            {"request_throughput", number(s.request_throughput)},
            {"output_throughput", number(s.output_throughput)},
            {"total_throughput", number(s.total_throughput)},
            {"good", s.good},
            {"goodput", number(s.goodput)},
            {"ttft_ms", distribution(s.ttft_ms)},
            {"tpot_ms", distribution(s.tpot_ms)},
            {"itl_ms", distribution(s.itl_ms)},
            {"e2e_ms", distribution(s.e2e_ms)},
            {"samples", json::object({{"ttft_ms", samples(s.ttft_samples)},
                                      {"tpot_ms", samples(s.tpot_samples)},
                                      {"e2e_ms", samples(s.e2e_samples)},
                                      {"itl_ms", samples(s.itl_samples)}})}});
}

}  // namespace

std::string latency_probe_json(const ProbeHeader& h, const Slo& slo,
                               const std::vector<StepSummary>& steps) {
  json::Writer w;
  w.object([&](json::Writer& w) {
    write_probe_header(w, h);
    w.fields(
        {{"slo", json::object(
                     {{"ttft_ms", slo.ttft_ms}, {"tpot_ms", slo.tpot_ms}, {"e2e_ms", slo.e2e_ms}})},
         {"steps", json::array(steps, write_step)}});
  });
  return w.str();
}

}  // namespace rbench::probe
