// Prompt templates: how a suite item becomes chat messages. Every template has a versioned name
// stored with the suite (Suite::prompt_template) and so with every run, so a changed wording is a
// new name and shows up in results instead of silently mixing with old scores.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engines/engine.h"
#include "suites/suite.h"

namespace rbench {

// Zero-shot chain of thought for problems with one final answer: the problem, then an instruction
// to reason step by step and put the final answer in \boxed{}. One user message, no system
// prompt (what DeepSeek-R1 and Qwen recommend for their reasoning models).
inline constexpr std::string_view kMathCotBoxedV1 = "math-cot-boxed-v1";

// The names build_messages() knows, for `rbench suites` and validation.
std::vector<std::string> prompt_template_names();

// The messages for one item under suite.prompt_template.
// Throws UsageError for an unknown template name.
std::vector<ChatMessage> build_messages(const Suite& suite, const Item& item);

}  // namespace rbench
