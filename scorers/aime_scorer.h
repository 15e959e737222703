// The "aime" scorer: AIME answers are integers 0..999, so the extracted answer counts only when it
// is written as one, and is compared with the reference as an integer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scorers/scorer.h"

namespace rbench {

// An answer read as an AIME integer: the value, or why it is not one (for Score::detail).
struct AimeInteger {
  std::optional<int> value;
  std::string cleaned;  // the text after stripping, as compared
  std::string why_not;  // "" when value is set
};

// Strips `$`, whitespace, \text{...} (keeping its content), a trailing period and leading zeros,
// then accepts only decimal digits with a value in 0..999 ("070" -> 70). A sign, a decimal point
// ("70.0"), an exponent ("7e1") or anything else is not an integer here (see aime_scorer.cpp).
AimeInteger parse_aime_integer(std::string_view text);

class AimeScorer final : public Scorer {
 public:
  // Score::value is 1 or 0; method is the math extraction rule ("none" when nothing was found);
  // detail says what was compared, or why the answer (or reference) is not an integer 0..999.
  // Never throws.
  Score score(const std::string& answer, const std::string& reference) const;
  Score score(const Item& item, const std::string& answer) const override {
    return score(answer, item.reference);
  }
  std::string name() const override { return "aime"; }
};

}  // namespace rbench
