#include "harness/probe/probe_header.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "harness/core/version.h"

namespace rbench::probe {

void write_probe_header(JsonWriter& w, const ProbeHeader& h) {
  w.Key("rbench_probe");
  w.Int(kProbeFormatVersion);
  w.Key("kind");
  w.String(h.kind.c_str());
  w.Key("model");
  w.String(h.model.c_str());
  w.Key("engine");
  w.String(h.engine.c_str());
  w.Key("rbench_version");
  w.String(version().c_str());
  w.Key("git_sha");
  w.String(git_sha().c_str());
  w.Key("started_at");
  w.String(h.started_at.c_str());
  w.Key("finished_at");
  w.String(h.finished_at.c_str());
  w.Key("config");
  const std::string& config = h.config_json.empty() ? std::string("{}") : h.config_json;
  w.RawValue(config.c_str(), config.size(), rapidjson::kObjectType);
}

void write_assumptions(JsonWriter& w, const std::vector<std::string>& lines) {
  w.Key("assumptions");
  w.StartArray();
  for (const std::string& line : lines) w.String(line.c_str());
  w.EndArray();
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::tm utc = fmt::gmtime(std::chrono::system_clock::to_time_t(now));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, static_cast<int>(ms));
}

}  // namespace rbench::probe
