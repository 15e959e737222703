// Per-suite defaults that follow each suite's official harness (the table and its sources are in
// the README, "Published protocols"). A run stores the defaults it used in its config
// ("defaults"), so a stored run keeps them when these change: new defaults apply to new runs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rbench {

struct SuiteDefaults {
  // Code suites: seconds per program (rbench's reference seconds); absent: the scorer's own 10.
  std::optional<double> timeout_s;
  bool empty() const { return !timeout_s; }
};

// By suite name; suites without an entry run with the scorers' built-in settings.
using DefaultsBySuite = std::map<std::string, SuiteDefaults, std::less<>>;

// The official harness's defaults for a suite (humaneval: openai/human-eval's 3.0 s per program),
// or nullopt where rbench's own settings already match it or nothing differs.
std::optional<SuiteDefaults> official_defaults(std::string_view suite);

// As stored in a run's config: {"humaneval": {"timeout_s": 3}}.
std::string defaults_json(const DefaultsBySuite& defaults);
// Reads the "defaults" member of a stored run config; nullopt when the config has none (a run
// stored before defaults were recorded: it ran with the scorers' built-in settings).
std::optional<DefaultsBySuite> stored_defaults(std::string_view config_json);

}  // namespace rbench
