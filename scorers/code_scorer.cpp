#include "scorers/code_scorer.h"

#include <fmt/format.h>

#include "harness/core/error.h"
#include "scorers/code/extraction.h"

namespace rbench {

CodeScorer::CodeScorer(CodeScorerOptions options)
    : options_(std::move(options)),
      sandbox_(std::make_unique<sandbox::Sandbox>(options_.sandbox)) {}

std::string CodeScorer::describe() const {
  std::string layers;
  for (char c : sandbox_->isolation().describe()) {
    if (c != '\n') {
      layers += c;
    } else {
      layers += "; ";
    }
  }
  while (layers.ends_with("; ")) layers.resize(layers.size() - 2);
  return fmt::format("{} prompt; sandbox: {}; {} with a time limit of {} s x speed factor {:.2f}",
                     options_.completion_style ? "completion" : "chat", layers, sandbox_->python(),
                     options_.sandbox.limits.timeout_s, sandbox_->speed_factor());
}

Score CodeScorer::score(const Item& item, const std::string& answer) const {
  if (!item.is_code()) {
    throw Error(fmt::format("item {} has no tests: the code scorer cannot score it", item.id));
  }
  const code::Extracted extracted = code::extract_program(item, answer, options_.completion_style);
  sandbox::Program program;
  program.setup = item.code.setup;
  program.candidate = extracted.program;
  program.tests = item.code.tests;
  program.entry_point = item.code.entry_point;
  const sandbox::Result run = sandbox_->run(program);
  if (run.outcome == sandbox::Outcome::sandbox_error) {
    throw Error(fmt::format("sandbox error running {}: {}", item.id, run.message));
  }
  Score score;
  score.correct = run.outcome == sandbox::Outcome::passed;
  score.value = score.correct ? 1 : 0;
  score.extracted = extracted.program;
  score.method = extracted.method;
  score.outcome = std::string(sandbox::to_string(run.outcome));
  score.detail = run.message.empty() ? score.outcome : run.message;
  if (!extracted.detail.empty()) score.detail += fmt::format(" ({})", extracted.detail);
  score.duration_s = run.wall_s;
  if (!run.stderr_tail.empty()) score.log += "stderr (tail):\n" + run.stderr_tail;
  if (!run.stdout_head.empty()) {
    if (!score.log.empty()) score.log += "\n";
    score.log += fmt::format("stdout (head of {} bytes):\n{}", run.stdout_bytes, run.stdout_head);
  }
  return score;
}

}  // namespace rbench
