// DeepSeek-R1 chat template: the exact prompt string for a multi-turn conversation, and its special
// tokens coming out as single ids.
#include "engines/moe/tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include "engines/tokenizer_test_util.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "You are a careful solver."},
    {"user", "What is 2+2?"},
    {"assistant", "<think>\n2 plus 2 is 4.\n</think>\n\nThe answer is 4."},
    {"user", "And 3+3?"},
};

TEST(ChatTemplate, SystemUserAssistantWithThinkUser) {
  EXPECT_EQ(apply_chat_template(kConversation),
            "<｜begin▁of▁sentence｜>You are a careful solver."
            "<｜User｜>What is 2+2?"
            "<｜Assistant｜>\n\nThe answer is 4.<｜end▁of▁sentence｜>"
            "<｜User｜>And 3+3?"
            "<｜Assistant｜><think>\n");
}

TEST(ChatTemplate, GenerationPromptOptions) {
  const std::vector<ChatMessage> one = {{"user", "Hi"}};
  EXPECT_EQ(apply_chat_template(one, {.add_generation_prompt = true, .open_think = false}),
            "<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>");
  EXPECT_EQ(apply_chat_template(one, {.add_generation_prompt = false}),
            "<｜begin▁of▁sentence｜><｜User｜>Hi");
}

TEST(ChatTemplate, SystemMessagesJoinedAfterBosWhereverTheyStand) {
  const std::vector<ChatMessage> messages = {
      {"system", "First."}, {"user", "Q"}, {"system", "Second."}};
  EXPECT_EQ(apply_chat_template(messages, {.add_generation_prompt = false}),
            "<｜begin▁of▁sentence｜>First.\n\nSecond.<｜User｜>Q");
}

TEST(ChatTemplate, ReasoningDroppedUpToTheLastThinkClose) {
  const std::vector<ChatMessage> messages = {{"assistant", "a</think>b</think>c"},
                                             {"assistant", "no tags"}};
  EXPECT_EQ(apply_chat_template(messages, {.add_generation_prompt = false}),
            "<｜begin▁of▁sentence｜><｜Assistant｜>c<｜end▁of▁sentence｜>"
            "<｜Assistant｜>no tags<｜end▁of▁sentence｜>");
}

TEST(ChatTemplate, UnknownRoleRefused) {
  const std::vector<ChatMessage> messages = {{"tool", "42"}};
  EXPECT_THROW(apply_chat_template(messages), DataError);
}

TEST(ChatTemplate, SpecialTokensEncodeAsSingleIds) {
  const Tokenizer& tok = test::trained_tokenizer();
  const std::string prompt = apply_chat_template(kConversation);
  const auto ids = tok.encode(prompt);
  EXPECT_EQ(ids.front(), *tok.token_id(kBosToken));
  EXPECT_EQ(ids.back(), *tok.token_id("Ċ"));  // "\n" in the byte-level alphabet
  EXPECT_EQ(ids[ids.size() - 2], *tok.token_id("<think>"));
  EXPECT_EQ(ids[ids.size() - 3], *tok.token_id(kAssistantToken));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), *tok.token_id(kUserToken)), 2);
  EXPECT_EQ(tok.decode(ids), prompt);
}

}  // namespace
}  // namespace rbench::moe
