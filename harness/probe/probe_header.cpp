#include "harness/probe/probe_header.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "harness/core/version.h"

namespace rbench::probe {

void write_probe_header(json::Writer& w, const ProbeHeader& h) {
  w.fields({{"rbench_probe", kProbeFormatVersion},
            {"kind", h.kind},
            {"model", h.model},
            {"engine", h.engine},
            {"rbench_version", version()},
            {"git_sha", git_sha()},
            {"started_at", h.started_at},
            {"finished_at", h.finished_at},
            {"config", json::raw(h.config_json.empty() ? std::string_view("{}") : h.config_json)}});
}

void write_assumptions(json::Writer& w, const std::vector<std::string>& lines) {
  w.field("assumptions", json::array(lines));
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::tm utc = fmt::gmtime(std::chrono::system_clock::to_time_t(now));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, static_cast<int>(ms));
}

}  // namespace rbench::probe
