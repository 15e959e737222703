// The prompt templates. All wording lives here; change it only together with a new template name.
#include "suites/prompts.h"

#include <fmt/core.h>

#include "harness/core/error.h"

namespace rbench {
namespace {

// The widely used wording of the Qwen2.5-Math and DeepSeek-R1 evaluations, so scores are
// comparable with published ones.
constexpr std::string_view kMathCotBoxedV1Instruction =
    "Please reason step by step, and put your final answer within \\boxed{}.";

std::vector<ChatMessage> math_cot_boxed_v1(const Item& item) {
  return {ChatMessage{"user", fmt::format("{}\n\n{}", item.question, kMathCotBoxedV1Instruction)}};
}

std::string_view trim_end(std::string_view text) {
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

std::vector<ChatMessage> code_chat_v1(const Item& item) {
  const CodeTask& code = item.code;
  if (!code.prompt.empty()) {
    // A header to complete (HumanEval). The whole function is asked for, not just the body:
    // chat models reliably write whole functions, and the scorer stitches either shape back
    // onto the header.
    std::string text;
    if (trim_end(item.question) != trim_end(code.prompt)) {
      text = fmt::format("{}\n\n", trim_end(item.question));  // a custom suite's own wording
    }
    text += fmt::format(
        "Complete the following Python function. Reply with the complete function, including "
        "the imports it needs, as a self-contained Python program in a single ```python code "
        "block.\n\n```python\n{}\n```",
        trim_end(code.prompt));
    return {ChatMessage{"user", std::move(text)}};
  }
  // No header (MBPP): the MBPP paper's wording, which most MBPP evaluations reuse; the question
  // already ends with "Your code should pass these tests:" and the asserts.
  return {ChatMessage{
      "user", fmt::format("You are an expert Python programmer, and here is your task: {}\n\n"
                          "Reply with a complete, self-contained Python solution in a single "
                          "```python code block.",
                          trim_end(item.question))}};
}

Prompt code_completion_v1(const Item& item) {
  if (!item.code.prompt.empty()) {
    // The header exactly as published: it ends with a newline after the docstring, and the
    // model continues with the indented body.
    return Prompt{.messages = {}, .text = item.code.prompt, .stop = code_completion_stops(item)};
  }
  // No header: the task and its tests in a docstring, and the model writes the function after it
  // (the zero-shot MBPP prompt of bigcode-evaluation-harness).
  return Prompt{.messages = {},
                .text = fmt::format("\"\"\"\n{}\n\"\"\"\n", trim_end(item.question)),
                .stop = code_completion_stops(item)};
}

}  // namespace

std::vector<std::string> prompt_template_names() {
  return {std::string(kMathCotBoxedV1), std::string(kCodeChatV1), std::string(kCodeCompletionV1),
          std::string(kPairwisePlainV1)};
}

bool is_completion_template(std::string_view name) {
  return name == kCodeCompletionV1;
}

std::vector<std::string> code_completion_stops(const Item& item) {
  if (!item.code.prompt.empty()) {
    // HumanEval's stop sequences (Chen et al. 2021): the body ends where the next top-level
    // statement starts. A completion then holds one function body; helpers would have to come
    // before the entry point, which the header already fixes.
    return {"\nclass", "\ndef", "\n#", "\nif __name__", "\nprint("};
  }
  // Without a header the model writes whole top-level definitions, so "\ndef" and "\nclass"
  // cannot stop it (imports, helpers and classes come first; MBPP solutions define classes); it
  // stops at what follows a solution instead: the tests repeated, the docstring reopened, a main
  // block, prints or a markdown fence (bigcode-evaluation-harness's MBPP stops, "\nclass" less).
  return {"\nassert", "\n\"\"\"", "\nif __name__", "\nprint(", "\n```"};
}

Prompt build_prompt(const Suite& suite, const Item& item) {
  if (suite.prompt_template == kMathCotBoxedV1) return Prompt{.messages = math_cot_boxed_v1(item)};
  if (suite.prompt_template == kCodeChatV1) return Prompt{.messages = code_chat_v1(item)};
  if (suite.prompt_template == kCodeCompletionV1) return code_completion_v1(item);
  if (suite.prompt_template == kPairwisePlainV1) {
    return Prompt{.messages = {ChatMessage{"user", item.question}}};
  }
  throw UsageError(fmt::format("suite {}: unknown prompt template \"{}\" (known: {}, {}, {}, {})",
                               suite.name, suite.prompt_template, kMathCotBoxedV1, kCodeChatV1,
                               kCodeCompletionV1, kPairwisePlainV1));
}

std::vector<ChatMessage> build_messages(const Suite& suite, const Item& item) {
  if (is_completion_template(suite.prompt_template)) {
    throw UsageError(
        fmt::format("suite {}: prompt template \"{}\" is a raw-text completion, not chat messages",
                    suite.name, suite.prompt_template));
  }
  return build_prompt(suite, item).messages;
}

std::string code_prompt_template(std::string_view style) {
  if (style == "chat") return std::string(kCodeChatV1);
  if (style == "completion") return std::string(kCodeCompletionV1);
  throw UsageError(
      fmt::format("unknown prompt style \"{}\" (use \"chat\" or \"completion\")", style));
}

}  // namespace rbench
