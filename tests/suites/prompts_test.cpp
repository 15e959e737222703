// Prompt templates: the math template's exact wording, and unknown names refused.
#include "suites/prompts.h"

#include <gtest/gtest.h>

#include "harness/error.h"

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
  EXPECT_EQ(prompt_template_names(), std::vector<std::string>{"math-cot-boxed-v1"});
}

}  // namespace
}  // namespace rbench
