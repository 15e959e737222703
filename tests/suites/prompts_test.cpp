// Prompt templates: the math and code templates' exact wording, completion prompts and their stop
// strings, and unknown names refused.
#include "suites/prompts.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness/core/error.h"

namespace rbench {
namespace {

TEST(Prompts, MathCotBoxedV1IsOneUserMessage) {
  Suite suite;
  suite.name = "demo";
  suite.prompt_template = "math-cot-boxed-v1";
  Item item;
  item.question = "What is 2 + 3?";
  item.reference = "5";
  const std::vector<ChatMessage> messages = build_messages(suite, item);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].role, "user");
  EXPECT_EQ(messages[0].content,
            "What is 2 + 3?\n\nPlease reason step by step, and put your final answer within "
            "\\boxed{}.");
}

TEST(Prompts, ReferenceAndSolutionNeverReachThePrompt) {
  Suite suite;
  suite.prompt_template = std::string(kMathCotBoxedV1);
  Item item;
  item.question = "Q?";
  item.reference = "SECRET-REF";
  item.solution = "SECRET-SOL";
  for (const ChatMessage& message : build_messages(suite, item)) {
    EXPECT_EQ(message.content.find("SECRET"), std::string::npos);
  }
}

TEST(Prompts, UnknownTemplateIsAUsageError) {
  Suite suite;
  suite.name = "x";
  suite.prompt_template = "math-cot-boxed-v0";
  EXPECT_THROW(build_messages(suite, Item{}), UsageError);
  EXPECT_THROW(build_prompt(suite, Item{}), UsageError);
  EXPECT_EQ(prompt_template_names(),
            (std::vector<std::string>{"math-cot-boxed-v1", "code-chat-v1", "code-completion-v1",
                                      "pairwise-plain-v1"}));
}

TEST(Prompts, PairwisePlainV1SendsTheQuestionVerbatim) {
  Suite suite;
  suite.prompt_template = std::string(kPairwisePlainV1);
  Item item;
  item.question = "  Write a haiku about rain.\n";
  item.baseline_answer = "SECRET-BASELINE";
  item.baseline_model = "SECRET-MODEL";
  const Prompt prompt = build_prompt(suite, item);
  ASSERT_EQ(prompt.messages.size(), 1u);
  EXPECT_EQ(prompt.messages[0].role, "user");
  EXPECT_EQ(prompt.messages[0].content, item.question);
  EXPECT_TRUE(prompt.text.empty());
  EXPECT_TRUE(prompt.stop.empty());
  EXPECT_FALSE(is_completion_template(kPairwisePlainV1));
}

Item humaneval_item() {
  Item item;
  item.id = "HumanEval/0";
  item.code.prompt =
      "from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    \"\"\"Sum.\"\"\"\n";
  item.code.entry_point = "f";
  item.code.tests = "def check(candidate):\n    assert candidate([1]) == 1\n";
  item.question = item.code.prompt;
  item.reference = "    return SECRET\n";
  return item;
}

Item mbpp_item() {
  Item item;
  item.id = "mbpp/11";
  item.question =
      "Write a function to add two numbers. Your code should pass these tests:\n\n"
      "assert add(1, 2) == 3\nassert add(0, 0) == 0";
  item.code.tests = "assert add(1, 2) == 3\nassert add(0, 0) == 0";
  item.reference = "def add(a, b): return SECRET";
  return item;
}

Suite code_suite(std::string_view style) {
  Suite suite;
  suite.name = "code";
  suite.prompt_template = code_prompt_template(style);
  return suite;
}

TEST(Prompts, CodeChatShowsTheHeaderToComplete) {
  const Prompt prompt = build_prompt(code_suite("chat"), humaneval_item());
  EXPECT_TRUE(prompt.text.empty());
  EXPECT_TRUE(prompt.stop.empty());
  ASSERT_EQ(prompt.messages.size(), 1u);
  EXPECT_EQ(prompt.messages[0].role, "user");
  EXPECT_EQ(prompt.messages[0].content,
            "Complete the following Python function. Reply with the complete function, including "
            "the imports it needs, as a self-contained Python program in a single ```python code "
            "block.\n\n```python\nfrom typing import List\n\n\ndef f(xs: List[int]) -> int:\n"
            "    \"\"\"Sum.\"\"\"\n```");
  EXPECT_EQ(build_messages(code_suite("chat"), humaneval_item()).size(), 1u);
  // A custom suite's own question comes first.
  Item custom = humaneval_item();
  custom.question = "Implement f for the billing module.";
  EXPECT_EQ(
      build_prompt(code_suite("chat"), custom)
          .messages[0]
          .content.rfind(
              "Implement f for the billing module.\n\nComplete the following Python function.", 0),
      0u);
}

TEST(Prompts, CodeChatShowsMbppTaskAndTests) {
  const Prompt prompt = build_prompt(code_suite("chat"), mbpp_item());
  ASSERT_EQ(prompt.messages.size(), 1u);
  EXPECT_EQ(prompt.messages[0].content,
            "You are an expert Python programmer, and here is your task: Write a function to add "
            "two numbers. Your code should pass these tests:\n\nassert add(1, 2) == 3\nassert "
            "add(0, 0) == 0\n\nReply with a complete, self-contained Python solution in a single "
            "```python code block.");
}

TEST(Prompts, CodeCompletionContinuesTheHeader) {
  const Suite suite = code_suite("completion");
  EXPECT_TRUE(is_completion_template(suite.prompt_template));
  const Item item = humaneval_item();
  const Prompt prompt = build_prompt(suite, item);
  EXPECT_TRUE(prompt.messages.empty());
  EXPECT_EQ(prompt.text, item.code.prompt);  // verbatim, final newline included
  EXPECT_EQ(prompt.stop,
            (std::vector<std::string>{"\nclass", "\ndef", "\n#", "\nif __name__", "\nprint("}));
  EXPECT_THROW(build_messages(suite, item), UsageError);
}

TEST(Prompts, CodeCompletionWithoutHeaderPutsTheTaskInADocstring) {
  const Prompt prompt = build_prompt(code_suite("completion"), mbpp_item());
  EXPECT_EQ(prompt.text,
            "\"\"\"\nWrite a function to add two numbers. Your code should pass these tests:\n\n"
            "assert add(1, 2) == 3\nassert add(0, 0) == 0\n\"\"\"\n");
  // Whole definitions follow, so def and class must not stop them.
  for (const std::string& stop : prompt.stop) {
    EXPECT_NE(stop, "\ndef");
    EXPECT_NE(stop, "\nclass");
  }
  EXPECT_NE(std::find(prompt.stop.begin(), prompt.stop.end(), "\nassert"), prompt.stop.end());
}

TEST(Prompts, CodeReferencesNeverReachThePrompt) {
  for (const char* style : {"chat", "completion"}) {
    for (const Item& item : {humaneval_item(), mbpp_item()}) {
      const Prompt prompt = build_prompt(code_suite(style), item);
      EXPECT_EQ(prompt.text.find("SECRET"), std::string::npos);
      for (const ChatMessage& message : prompt.messages) {
        EXPECT_EQ(message.content.find("SECRET"), std::string::npos);
      }
    }
  }
}

TEST(Prompts, CodePromptStyles) {
  EXPECT_EQ(code_prompt_template("chat"), kCodeChatV1);
  EXPECT_EQ(code_prompt_template("completion"), kCodeCompletionV1);
  EXPECT_THROW(code_prompt_template("base"), UsageError);
  EXPECT_THROW(code_prompt_template(""), UsageError);
  EXPECT_FALSE(is_completion_template(kCodeChatV1));
  EXPECT_FALSE(is_completion_template(kMathCotBoxedV1));
}

TEST(Prompts, MathPromptHasNoTextOrStops) {
  Suite suite;
  suite.prompt_template = std::string(kMathCotBoxedV1);
  Item item;
  item.question = "1+1?";
  const Prompt prompt = build_prompt(suite, item);
  EXPECT_EQ(prompt.messages.size(), 1u);
  EXPECT_TRUE(prompt.text.empty());
  EXPECT_TRUE(prompt.stop.empty());
}

}  // namespace
}  // namespace rbench
