// Deciding whether two normalised answers are the same mathematical object. A unit of its own
// so that a deeper (symbolic, GiNaC) checker can later take the place of, or extend, this one.
#pragma once

#include <string>
#include <string_view>

namespace rbench::math {

// Relative tolerance for comparisons that involve an irrational or an inexact (double) value:
// |answer - reference| / |reference| <= kRelativeTolerance (absolute when the reference is 0).
// Two exact rationals are compared exactly: 0.333333 is not 1/3.
inline constexpr double kRelativeTolerance = 1e-6;

struct Verdict {
  bool equal = false;
  std::string reason;  // one line: the rule that decided, with the values it compared
};

class Equivalence {
 public:
  virtual ~Equivalence() = default;
  // Both arguments are already normalised (normalize_answer). Never throws.
  virtual Verdict compare(std::string_view answer, std::string_view reference) const = 0;
  virtual std::string name() const = 0;
};

// Exact string match; else tuples, intervals, sets, lists and matrices part by part; else each
// side evaluated by the expression parser: exact rational comparison when both are rational,
// numeric at kRelativeTolerance otherwise; an unparsable side leaves only the string match.
class NumericEquivalence : public Equivalence {
 public:
  Verdict compare(std::string_view answer, std::string_view reference) const override;
  std::string name() const override { return "numeric"; }

 protected:
  // One value against one value. The hook a symbolic checker overrides to handle what the
  // numeric parser cannot (variables, expressions in a different order).
  virtual Verdict compare_scalar(std::string_view answer, std::string_view reference) const;
};

}  // namespace rbench::math
