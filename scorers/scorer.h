// Scoring one sample: the model's answer text against the item's reference.
#pragma once

#include <string>

namespace rbench {

struct Score {
  double value = 0;       // 1 or 0 for exact-answer suites
  bool correct = false;
  std::string extracted;  // what was taken from the answer ("" when nothing was found)
  std::string method;     // the extraction rule that fired: "boxed", "####", "answer is", "last number"
  std::string detail;     // why the verdict: normalised forms compared and the rule that decided
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  // `answer` is the visible answer (reasoning already removed by the engine); the scorer must
  // still ignore any inline <think>...</think> a server left in it.
  virtual Score score(const std::string& answer, const std::string& reference) const = 0;
  virtual std::string name() const = 0;
};

}  // namespace rbench
