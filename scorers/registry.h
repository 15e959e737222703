// The scorer registry: the one table mapping scorer names (Suite::scorer) to implementations.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scorers/scorer.h"

namespace rbench {

// A new scorer for `name`; throws UsageError naming the known scorers when there is none.
std::unique_ptr<Scorer> make_scorer(std::string_view name);

// Every registered name, sorted.
std::vector<std::string> scorer_names();

}  // namespace rbench
