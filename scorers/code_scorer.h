// The "code" scorer: takes the program out of the answer (fenced block or completion), runs it
// with the item's tests in the sandbox and passes it only on the driver's completion record.
// Used by HumanEval, MBPP and rbench's own code suites.
#pragma once

#include <memory>
#include <string>

#include "scorers/code/sandbox.h"
#include "scorers/scorer.h"

namespace rbench {

struct CodeScorerOptions {
  bool completion_style = false;  // the answer continues Item::code.prompt (a raw completion)
  // Limits::timeout_s defaults to 10 reference seconds (HumanEval's own harness uses 3 wall
  // seconds, which a loaded machine turns into spurious failures); speed_factor 0 calibrates.
  sandbox::Options sandbox{.speed_factor = 0};
};

class CodeScorer final : public Scorer {
 public:
  // Builds the sandbox (probing the kernel, calibrating the machine's speed). Throws
  // rbench::Error when no python3 can run.
  explicit CodeScorer(CodeScorerOptions options = {});

  // value 1 and correct only for Outcome::passed. extracted = the program that ran; method =
  // the extraction rule; detail = the outcome's message; outcome, log (stderr tail, stdout head)
  // and duration_s from the run. Throws rbench::Error on Outcome::sandbox_error, which is not a
  // verdict on the answer.
  Score score(const Item& item, const std::string& answer) const override;
  std::string name() const override { return "code"; }
  bool executes_code() const override { return true; }
  // "sandbox: network: own network namespace; ...; time limit 10 s x speed factor 1.62".
  std::string describe() const override;

  const sandbox::Sandbox& sandbox() const { return *sandbox_; }

 private:
  CodeScorerOptions options_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

}  // namespace rbench
