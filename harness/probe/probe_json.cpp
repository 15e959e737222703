// Writing the probe JSON document (format in probe_json.h).
#include "harness/probe/probe_json.h"

#include <rapidjson/writer.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>

#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

using Writer = JsonWriter;

void string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// JSON has no NaN or infinity: those become null.
void number(Writer& w, double v) {
  if (std::isfinite(v)) {
    w.Double(v);
  } else {
    w.Null();
  }
}

void distribution(Writer& w, const char* key, const Distribution& d) {
  w.Key(key);
  w.StartObject();
  w.Key("count");
  w.Uint64(d.count);
  for (const auto& [name, value] : {std::pair{"mean", d.mean},
                                    {"median", d.median},
                                    {"p90", d.p90},
                                    {"p95", d.p95},
                                    {"p99", d.p99},
                                    {"min", d.min},
                                    {"max", d.max},
                                    {"stdev", d.stdev}}) {
    w.Key(name);
    number(w, value);
  }
  w.EndObject();
}

void samples(Writer& w, const char* key, const std::vector<double>& values) {
  w.Key(key);
  w.StartArray();
  for (double v : values) number(w, v);
  w.EndArray();
}

}  // namespace

std::string latency_probe_json(const ProbeHeader& h, const Slo& slo,
                               const std::vector<StepSummary>& steps) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  write_probe_header(w, h);
  w.Key("slo");
  w.StartObject();
  if (slo.ttft_ms) {
    w.Key("ttft_ms");
    w.Double(*slo.ttft_ms);
  }
  if (slo.tpot_ms) {
    w.Key("tpot_ms");
    w.Double(*slo.tpot_ms);
  }
  if (slo.e2e_ms) {
    w.Key("e2e_ms");
    w.Double(*slo.e2e_ms);
  }
  w.EndObject();
  w.Key("steps");
  w.StartArray();
  for (const StepSummary& s : steps) {
    w.StartObject();
    w.Key("step");
    w.Int(s.step);
    w.Key("load");
    string(w, s.load);
    w.Key("load_value");
    number(w, s.load_value);
    w.Key("requests");
    w.Uint64(s.requests);
    w.Key("ok");
    w.Uint64(s.ok);
    w.Key("failed");
    w.Uint64(s.failed);
    w.Key("failures");
    w.StartObject();
    for (const auto& [kind, count] : s.failures) {
      string(w, kind);
      w.Uint64(count);
    }
    w.EndObject();
    w.Key("duration_s");
    number(w, s.duration_s);
    w.Key("input_tokens");
    w.Int64(s.input_tokens);
    w.Key("output_tokens");
    w.Int64(s.output_tokens);
    w.Key("tokens_from_usage");
    w.Bool(s.tokens_from_usage);
    w.Key("request_throughput");
    number(w, s.request_throughput);
    w.Key("output_throughput");
    number(w, s.output_throughput);
    w.Key("total_throughput");
    number(w, s.total_throughput);
    w.Key("good");
    w.Uint64(s.good);
    w.Key("goodput");
    number(w, s.goodput);
    distribution(w, "ttft_ms", s.ttft_ms);
    distribution(w, "tpot_ms", s.tpot_ms);
    distribution(w, "itl_ms", s.itl_ms);
    distribution(w, "e2e_ms", s.e2e_ms);
    w.Key("samples");
    w.StartObject();
    samples(w, "ttft_ms", s.ttft_samples);
    samples(w, "tpot_ms", s.tpot_samples);
    samples(w, "e2e_ms", s.e2e_samples);
    samples(w, "itl_ms", s.itl_samples);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace rbench::probe
