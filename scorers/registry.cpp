// Scorer registry: a constant table of names and factories.
#include "scorers/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "harness/error.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Scorer> (*make)();
};

constexpr std::array kScorers = {
    Entry{"math", []() -> std::unique_ptr<Scorer> { return std::make_unique<MathScorer>(); }},
};

}  // namespace

std::unique_ptr<Scorer> make_scorer(std::string_view name) {
  for (const Entry& e : kScorers) {
    if (e.name == name) return e.make();
  }
  throw UsageError(fmt::format("unknown scorer '{}' (known scorers: {})", name,
                               fmt::join(scorer_names(), ", ")));
}

std::vector<std::string> scorer_names() {
  std::vector<std::string> names;
  for (const Entry& e : kScorers) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace rbench
