// Scorer registry: a constant table of names and factories.
#include "scorers/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "harness/core/error.h"
#include "scorers/aime_scorer.h"
#include "scorers/code_scorer.h"
#include "scorers/math_scorer.h"
#include "scorers/pairwise_scorer.h"

namespace rbench {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Scorer> (*make)(const ScorerOptions&);
};

constexpr std::array kScorers = {
    Entry{"math",
          [](const ScorerOptions&) -> std::unique_ptr<Scorer> {
            return std::make_unique<MathScorer>();
          }},
    Entry{"aime",
          [](const ScorerOptions&) -> std::unique_ptr<Scorer> {
            return std::make_unique<AimeScorer>();
          }},
    Entry{kPairwiseScorer,
          [](const ScorerOptions&) -> std::unique_ptr<Scorer> {
            return std::make_unique<PairwiseScorer>();
          }},
    Entry{"code",
          [](const ScorerOptions& o) -> std::unique_ptr<Scorer> {
            CodeScorerOptions code;
            code.completion_style = o.completion_style;
            if (o.code_timeout_s > 0) code.sandbox.limits.timeout_s = o.code_timeout_s;
            code.sandbox.speed_factor = o.sandbox_speed_factor;
            return std::make_unique<CodeScorer>(std::move(code));
          }},
};

}  // namespace

std::unique_ptr<Scorer> make_scorer(std::string_view name, const ScorerOptions& options) {
  for (const Entry& e : kScorers) {
    if (e.name == name) return e.make(options);
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
