// The "math" scorer: extracts the final answer from a response, normalises it and the
// reference, and decides equivalence (numeric by default). Used by GSM8K, MATH-500, AIME and
// custom exact-answer suites.
#pragma once

#include <memory>
#include <string>

#include "scorers/math/equivalence.h"
#include "scorers/scorer.h"

namespace rbench {

class MathScorer final : public Scorer {
 public:
  // `equivalence` decides between two normalised answers; null means math::NumericEquivalence.
  explicit MathScorer(std::unique_ptr<math::Equivalence> equivalence = nullptr);

  // Score::value is 1 or 0; method is the extraction rule ("none" when nothing was found).
  // Never throws: an input that breaks a step scores 0 with the reason in detail.
  Score score(const std::string& answer, const std::string& reference) const;
  Score score(const Item& item, const std::string& answer) const override {
    return score(answer, item.reference);
  }
  std::string name() const override { return "math"; }

 private:
  std::unique_ptr<math::Equivalence> equivalence_;
};

// The final answer a reference string stands for: the last \boxed{} of a worked solution, the
// number after "####" of a GSM8K solution, else the whole string.
std::string reference_answer(const std::string& reference);

}  // namespace rbench
