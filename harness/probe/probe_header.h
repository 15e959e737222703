// The keys every probe document (probe_json.h) starts with, written the same way for each kind:
// "rbench_probe", "kind", "model", "engine", "rbench_version", "git_sha", "started_at",
// "finished_at" and "config". The caller opens the object, writes the header, then its own keys.
#pragma once

#include <string>
#include <vector>

#include "harness/core/json_writer.h"
#include "harness/probe/probe_json.h"

namespace rbench::probe {

inline constexpr int kProbeFormatVersion = 1;

// `header.config_json` must be a JSON object (it is embedded as it is).
void write_probe_header(json::Writer& w, const ProbeHeader& header);

// The document's closing "assumptions" array (what the figures rest on, one line each).
void write_assumptions(json::Writer& w, const std::vector<std::string>& lines);

// Now in UTC, ISO 8601 with milliseconds, as the store stamps its rows: "2025-01-31T12:00:00.123Z".
std::string utc_now_iso8601();

}  // namespace rbench::probe
