// The Markdown report's "Probes" section: a steps table per latency probe, the key figures of a
// memory probe, ours against wrk for a ceiling probe, and the unfinished probes with what they
// stored.
#pragma once

#include <string>
#include <vector>

#include "reports/reporters.h"

namespace rbench {

// "" when there are no probes.
std::string markdown_probes_section(const std::vector<ReportProbe>& probes);

}  // namespace rbench
