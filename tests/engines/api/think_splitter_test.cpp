// <think>...</think> splitting, checked for every way of cutting the text into chunks.
#include "engines/api/think_splitter.h"

#include <gtest/gtest.h>

namespace rbench {
namespace {

struct Result {
  std::string reasoning;
  std::string answer;
};

Result split_whole(ThinkTags mode, std::string_view text) {
  ThinkSplitter s(mode);
  auto a = s.feed(text);
  auto b = s.finish();
  return {a.reasoning + b.reasoning, a.answer + b.answer};
}

// Every split of `text` into three chunks must give the same result as the whole text.
void expect_chunking_invariant(ThinkTags mode, std::string_view text, const Result& expected) {
  for (std::size_t i = 0; i <= text.size(); ++i) {
    for (std::size_t j = i; j <= text.size(); ++j) {
      ThinkSplitter s(mode);
      Result r;
      for (auto part : {text.substr(0, i), text.substr(i, j - i), text.substr(j)}) {
        auto out = s.feed(part);
        r.reasoning += out.reasoning;
        r.answer += out.answer;
      }
      auto out = s.finish();
      r.reasoning += out.reasoning;
      r.answer += out.answer;
      ASSERT_EQ(r.reasoning, expected.reasoning) << "cuts at " << i << "," << j;
      ASSERT_EQ(r.answer, expected.answer) << "cuts at " << i << "," << j;
    }
  }
}

TEST(ThinkSplitter, LeadingBlockIsReasoning) {
  const auto r = split_whole(ThinkTags::leading, "<think>add 2 and 2</think>\n\nIt is 4.");
  EXPECT_EQ(r.reasoning, "add 2 and 2");
  EXPECT_EQ(r.answer, "It is 4.");
}

TEST(ThinkSplitter, LeadingBlockSurvivesAnyChunking) {
  expect_chunking_invariant(ThinkTags::leading, "  <think>a<b</th</think>\n The answer",
                            {"a<b</th", "The answer"});
}

TEST(ThinkSplitter, WithoutTagsAllIsAnswer) {
  expect_chunking_invariant(ThinkTags::leading, "<the answer> is 4", {"", "<the answer> is 4"});
  expect_chunking_invariant(ThinkTags::leading, "It is 4 <think>x</think>",
                            {"", "It is 4 <think>x</think>"});
}

TEST(ThinkSplitter, HeldBackPartialTagIsReleasedLater) {
  ThinkSplitter s(ThinkTags::leading);
  EXPECT_TRUE(s.feed("<thi").empty());
  auto out = s.feed("nk>step one </thi");
  EXPECT_EQ(out.reasoning, "step one ");  // "</thi" may be the closing tag: held back
  out = s.feed("s is not a tag");
  EXPECT_EQ(out.reasoning, "</this is not a tag");
  out = s.feed("</think>done");
  EXPECT_EQ(out.answer, "done");
}

TEST(ThinkSplitter, UnclosedThinkIsAllReasoning) {
  expect_chunking_invariant(ThinkTags::leading, "<think>still thinking</thi",
                            {"still thinking</thi", ""});
}

TEST(ThinkSplitter, ImplicitOpenTakesTextBeforeCloseAsReasoning) {
  expect_chunking_invariant(ThinkTags::implicit_open, "First, 2+2=4.\n</think>\n\n**4**",
                            {"First, 2+2=4.\n", "**4**"});
  expect_chunking_invariant(ThinkTags::implicit_open, "<think>x</think>y", {"x", "y"});
  // No closing tag: the whole content is reasoning (as vLLM's deepseek_r1 parser does).
  EXPECT_EQ(split_whole(ThinkTags::implicit_open, "just text").reasoning, "just text");
}

TEST(ThinkSplitter, LeadingModeLeavesUnopenedCloseTagInAnswer) {
  const auto r = split_whole(ThinkTags::leading, "First, 2+2=4.</think>4");
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.answer, "First, 2+2=4.</think>4");
}

TEST(ThinkSplitter, OffPassesEverythingThrough) {
  ThinkSplitter s(ThinkTags::off);
  EXPECT_EQ(s.feed("<think>x</think>y").answer, "<think>x</think>y");
  EXPECT_TRUE(s.finish().empty());
}

}  // namespace
}  // namespace rbench
