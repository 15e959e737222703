#include "reports/stats/answer_style.h"

#include <gtest/gtest.h>

namespace rbench::stats {
namespace {

TEST(AnswerStyle, CountsMarkdownLikeArenaHard) {
  const AnswerStyle s = answer_style(
      "# Title\n## Sub\n####### not a header\n#nospace\n"
      "- one\n* two\n  + three\n1. first\n12. second\n-not a list\n"
      "**bold** and __also__ and **un\nclosed** and ****\n");
  EXPECT_EQ(s.headers, 2);
  EXPECT_EQ(s.lists, 5);
  EXPECT_EQ(s.bold, 3);  // as re.findall: "** and **" across the unclosed pair matches
}

TEST(AnswerStyle, IgnoresFencedCodeButCountsItsLength) {
  const std::string code = "```python\n# comment\n- x\n**y**\n```\n";
  const AnswerStyle s = answer_style(code + "# Real\n");
  EXPECT_EQ(s.headers, 1);
  EXPECT_EQ(s.lists, 0);
  EXPECT_EQ(s.bold, 0);
  EXPECT_DOUBLE_EQ(s.length, (code.size() + 7) / 4.0);
}

TEST(AnswerStyle, LengthCountsCodePoints) {
  EXPECT_DOUBLE_EQ(answer_style("").length, 0);
  EXPECT_DOUBLE_EQ(answer_style("\xC3\xA9t\xC3\xA9!").length, 1.0);  // "été!": 4 code points
  EXPECT_EQ(answer_style("-\n1.\n#\n").lists, 2);  // the newline is the \s after the marker
  EXPECT_EQ(answer_style("-\n1.\n#\n").headers, 1);
}

}  // namespace
}  // namespace rbench::stats
