// MathScorer: extraction -> normalisation -> equivalence, with a one-line explanation.
#include "scorers/math_scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "scorers/math/answer_extraction.h"
#include "scorers/math/text_util.h"

namespace rbench {

MathScorer::MathScorer(math::EquivalenceOptions options) : equivalence_(std::move(options)) {}

std::string MathScorer::describe() const {
  const auto& o = equivalence_.options();
  return fmt::format(
      "math equivalence: structural, rational (exact), symbolic (GiNaC), numeric at relative "
      "tolerance {:g} ({} random points for variables){}; {} ms per comparison, past which the "
      "verdict is 'unknown' (scored wrong, counted apart)",
      o.relative_tolerance, o.random_points,
      o.accept_rounded_decimals ? ", decimals of 3+ significant digits rounded from irrationals"
                                : "",
      o.budget.count());
}

std::string reference_answer(const std::string& reference) {
  // A worked solution is read like a response, but only by the rules that mark a final answer
  // on purpose; a bare reference ("$9$", "x = 5", "1, 2") is the answer as a whole.
  math::Extraction e = math::extract_marked_answer(reference);
  return e.rule == math::ExtractionRule::none ? reference : std::move(e.text);
}

Score MathScorer::score(const std::string& answer, const std::string& reference) const {
  Score s;
  try {
    const math::Extraction extraction = math::extract_answer(answer);
    s.method = std::string(math::to_string(extraction.rule));
    s.extracted = extraction.text;
    if (extraction.rule == math::ExtractionRule::none) {
      s.rule = "no answer";
      s.detail = "no answer found";
      return s;
    }
    std::string answer_text = extraction.text;
    // "$\boxed{15\frac{39}{40}}$, or $\boxed{\frac{639}{40}}$": one answer written two ways is
    // that answer; boxes with different values stay a list (hedging earns nothing).
    if (extraction.rule == math::ExtractionRule::several_boxed) {
      const std::string& last = extraction.parts.back();
      const bool same = std::all_of(
          extraction.parts.begin(), extraction.parts.end() - 1, [&](const std::string& part) {
            return equivalence_.compare(part, last).equal == math::Tri::yes;
          });
      if (same) {
        answer_text = last;
        s.extracted = last;
        s.method = "several boxed (one value)";
      }
    }
    const math::Verdict verdict = equivalence_.compare(answer_text, reference_answer(reference));
    s.correct = verdict.equal == math::Tri::yes;
    s.value = s.correct ? 1 : 0;
    s.rule = verdict.rule;
    s.answer_form = verdict.answer_form;
    s.reference_form = verdict.reference_form;
    s.detail = verdict.reason;
  } catch (const std::exception& e) {
    // Only resource exhaustion can get here; a score of 0 with the reason beats a dead run.
    s.correct = false;
    s.value = 0;
    s.rule = "unknown";
    s.detail = fmt::format("scoring failed: {}", e.what());
  }
  return s;
}

}  // namespace rbench
