// The "math" scorer: extracts the final answer from a response, parses it and the reference into
// expression trees and decides equivalence by the rules of scorers/math/equivalence.h. Used by
// GSM8K, MATH-500 and custom exact-answer suites.
#pragma once

#include <string>

#include "scorers/math/equivalence.h"
#include "scorers/scorer.h"

namespace rbench {

class MathScorer final : public Scorer {
 public:
  explicit MathScorer(math::EquivalenceOptions options = {});

  // Score::value is 1 or 0; method is the extraction rule ("none" when nothing was found), rule
  // the equivalence rule ("no answer" when nothing was extracted, "unknown" when no rule could
  // decide in time: scored 0 and counted apart), answer_form / reference_form the canonical
  // forms compared. Never throws: an input that breaks a step scores 0 with the reason in detail.
  Score score(const std::string& answer, const std::string& reference) const;
  Score score(const Item& item, const std::string& answer) const override {
    return score(answer, item.reference);
  }
  std::string name() const override { return "math"; }
  std::string describe() const override;

 private:
  math::Equivalence equivalence_;
};

// The final answer a reference string stands for: the final box(es) of a worked solution
// (two final boxes are a list of both), the number after "####" of a GSM8K solution, the answer
// after "The answer is" / "Final Answer:", else the whole string.
std::string reference_answer(const std::string& reference);

}  // namespace rbench
