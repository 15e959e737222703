// The prompt templates. All wording lives here; change it only together with a new template name.
#include "suites/prompts.h"

#include <fmt/core.h>

#include "harness/error.h"

namespace rbench {
namespace {

// The widely used wording of the Qwen2.5-Math and DeepSeek-R1 evaluations, so scores are
// comparable with published ones.
constexpr std::string_view kMathCotBoxedV1Instruction =
    "Please reason step by step, and put your final answer within \\boxed{}.";

std::vector<ChatMessage> math_cot_boxed_v1(const Item& item) {
  return {ChatMessage{"user", fmt::format("{}\n\n{}", item.question, kMathCotBoxedV1Instruction)}};
}

}  // namespace

std::vector<std::string> prompt_template_names() {
  return {std::string(kMathCotBoxedV1)};
}

std::vector<ChatMessage> build_messages(const Suite& suite, const Item& item) {
  if (suite.prompt_template == kMathCotBoxedV1) return math_cot_boxed_v1(item);
  throw UsageError(fmt::format("suite {}: unknown prompt template \"{}\" (known: {})", suite.name,
                               suite.prompt_template, kMathCotBoxedV1));
}

}  // namespace rbench
