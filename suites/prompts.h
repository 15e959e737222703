// Prompt templates: how a suite item becomes chat messages or a raw-text completion prompt. Every
// template has a versioned name stored with the suite (Suite::prompt_template) and so with every
// run, so a changed wording is a new name and shows up in results instead of silently mixing with
// old scores.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engines/api/engine.h"
#include "suites/suite.h"

namespace rbench {

// Zero-shot chain of thought for problems with one final answer: the problem, then an instruction
// to reason step by step and put the final answer in \boxed{}. One user message, no system
// prompt (what DeepSeek-R1 and Qwen recommend for their reasoning models).
inline constexpr std::string_view kMathCotBoxedV1 = "math-cot-boxed-v1";

// Code for chat models: one user message asking for a complete, self-contained Python solution in
// a single ```python block. Items with a function header (HumanEval) show the header to
// complete; items without (MBPP) show the task and its tests.
inline constexpr std::string_view kCodeChatV1 = "code-chat-v1";

// Code for base models: a raw-text completion of the function header itself (HumanEval's own
// protocol), or for items without a header the task and tests as Python comments, with stop
// strings that end the completion after the function.
inline constexpr std::string_view kCodeCompletionV1 = "code-completion-v1";

// Open-ended questions judged against a baseline answer (ArenaHard, AlpacaEval): the question
// verbatim as the one user message, no system prompt and no added wording, as those benchmarks
// generate their baseline answers; any wording would also be judged.
inline constexpr std::string_view kPairwisePlainV1 = "pairwise-plain-v1";

// The names build_prompt() knows, for `rbench suites` and validation.
std::vector<std::string> prompt_template_names();

// Whether a template is a raw-text completion (Prompt::text) rather than chat messages.
bool is_completion_template(std::string_view name);

// What is sent for one item: chat messages, or (completion templates only) raw text to continue
// and the stop strings that end it.
struct Prompt {
  std::vector<ChatMessage> messages;  // empty for completion templates
  std::string text;                   // non-empty only for completion templates
  std::vector<std::string> stop;
};

// The prompt for one item under suite.prompt_template.
// Throws UsageError for an unknown template name.
Prompt build_prompt(const Suite& suite, const Item& item);

// The chat messages for one item under suite.prompt_template. Throws UsageError for an unknown
// template name and for a completion template (those have no messages: use build_prompt).
std::vector<ChatMessage> build_messages(const Suite& suite, const Item& item);

// The stop strings of a code completion for `item` (also used to cut the completion again when
// scoring, in case a server ignored some of them).
std::vector<std::string> code_completion_stops(const Item& item);

// The code template for a `--prompt-style`: "chat" -> kCodeChatV1, "completion" ->
// kCodeCompletionV1. Throws UsageError for anything else.
std::string code_prompt_template(std::string_view style);

}  // namespace rbench
