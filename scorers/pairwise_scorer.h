// The "pairwise" scorer of ArenaHard- and AlpacaEval-style suites: an open-ended answer has no
// verdict of its own. It is stored with this marker score and judged afterwards against the
// item's baseline answer by a judge model (harness/run/judging.h); its results are the judgments'
// statistics (Bradley-Terry scores, win rates), never an accuracy.
#pragma once

#include <string>

#include "scorers/scorer.h"

namespace rbench {

inline constexpr const char* kPairwiseScorer = "pairwise";

class PairwiseScorer final : public Scorer {
 public:
  Score score(const Item& item, const std::string& answer) const override;
  std::string name() const override { return kPairwiseScorer; }
  std::string describe() const override {
    return "pairwise: answers are judged against the baseline's by --judge, two games each";
  }
};

}  // namespace rbench
