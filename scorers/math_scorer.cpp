// MathScorer: extraction -> normalisation -> equivalence, with a one-line explanation.
#include "scorers/math_scorer.h"

#include <fmt/format.h>

#include <exception>

#include "scorers/math/answer_extraction.h"
#include "scorers/math/normalize.h"
#include "scorers/math/text_util.h"

namespace rbench {

MathScorer::MathScorer(std::unique_ptr<math::Equivalence> equivalence)
    : equivalence_(equivalence ? std::move(equivalence)
                               : std::make_unique<math::NumericEquivalence>()) {}

std::string reference_answer(const std::string& reference) {
  if (std::string boxed = math::last_boxed(reference); !boxed.empty()) return boxed;
  if (const auto pos = reference.rfind("####"); pos != std::string::npos) {
    const auto end = reference.find('\n', pos);
    const auto rest = reference.substr(pos + 4, end == std::string::npos ? end : end - pos - 4);
    if (!math::trim(rest).empty()) return std::string(math::trim(rest));
  }
  return reference;
}

Score MathScorer::score(const std::string& answer, const std::string& reference) const {
  Score s;
  try {
    const math::Extraction extraction = math::extract_answer(answer);
    s.method = std::string(math::to_string(extraction.rule));
    s.extracted = extraction.text;
    if (extraction.rule == math::ExtractionRule::none) {
      s.detail = "no answer found";
      return s;
    }
    const std::string got = math::normalize_answer(extraction.text);
    const std::string want = math::normalize_answer(reference_answer(reference));
    if (want.empty()) {
      s.detail = fmt::format("answer '{}' but the reference is empty after normalisation", got);
      return s;
    }
    const math::Verdict verdict = equivalence_->compare(got, want);
    s.correct = verdict.equal;
    s.value = verdict.equal ? 1 : 0;
    s.detail = fmt::format("'{}' vs reference '{}': {}", got, want, verdict.reason);
  } catch (const std::exception& e) {
    // Only resource exhaustion can get here; a score of 0 with the reason beats a dead run.
    s.correct = false;
    s.value = 0;
    s.detail = fmt::format("scoring failed: {}", e.what());
  }
  return s;
}

}  // namespace rbench
