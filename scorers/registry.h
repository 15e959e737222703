// The scorer registry: the one table mapping scorer names (Suite::scorer) to implementations.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scorers/scorer.h"

namespace rbench {

// What a scorer may need beyond its name; each scorer reads what concerns it.
struct ScorerOptions {
  bool completion_style = false;    // code: the answer continues the prompt (no fenced block)
  double code_timeout_s = 0;        // code: per-program limit in reference seconds; 0 = default
  double sandbox_speed_factor = 0;  // code: 0 = measure this machine once (Sandbox::calibrate)
};

// A new scorer for `name`; throws UsageError naming the known scorers when there is none.
std::unique_ptr<Scorer> make_scorer(std::string_view name, const ScorerOptions& options = {});

// Every registered name, sorted.
std::vector<std::string> scorer_names();

}  // namespace rbench
