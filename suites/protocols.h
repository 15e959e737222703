// Published protocols: the sampling settings a published table used, as presets of `rbench run
// --protocol NAME`, each written down with its source. Flags given on the command line override
// a preset's values; the run stores the protocol's name in its config ("protocol").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench {

struct Protocol {
  std::string name;
  std::string summary;  // one line: what the published tables report under it
  int samples = 1;      // per item: pass@1 is averaged over them; AIME also reports cons@samples
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;  // the maximum generation length, reasoning included
  std::string source;             // URL
  std::string quote;              // the source's own words for the settings
};

// The settings of a run a protocol fills: what the command line gave, and after
// apply_protocol, the protocol's values where it gave none.
struct ProtocolSettings {
  std::optional<int> samples;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
};

// Fills the unset settings from `protocol` (explicit flags override the preset) and returns the
// names of those it filled, for the run's stored sampling_source.
std::vector<std::string> apply_protocol(const Protocol& protocol, ProtocolSettings& settings);

// Every shipped protocol, in display order.
const std::vector<Protocol>& protocols();
std::optional<Protocol> find_protocol(std::string_view name);
// Throws UsageError naming the known protocols.
const Protocol& protocol_or_throw(std::string_view name);

}  // namespace rbench
