// Unit tests of the extraction steps: think stripping, boxed scanning, rule order and names.
#include "scorers/math/answer_extraction.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rbench::math {
namespace {

TEST(StripThink, RemovesClosedBlocks) {
  EXPECT_EQ(strip_think("a<think>x</think>b<think>y</think>c"), "abc");
}

TEST(StripThink, DropsAnUnterminatedTail) {
  EXPECT_EQ(strip_think("answer 3 <think>but maybe 4"), "answer 3 ");
}

TEST(StripThink, DropsEverythingBeforeALoneClosingTag) {
  EXPECT_EQ(strip_think("reasoning \\boxed{1}</think>final"), "final");
  EXPECT_EQ(strip_think("a<think>x</think>b</think>c"), "c");
}

TEST(StripThink, LeavesTextWithoutTagsAlone) {
  EXPECT_EQ(strip_think("plain \\boxed{2}"), "plain \\boxed{2}");
  EXPECT_EQ(strip_think(""), "");
}

TEST(StripThink, StaysLinearWithManyTags) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "</think>";
  text += "42";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(strip_think(text), "42");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(LastBoxed, NestedBracesAndEscapedBraces) {
  EXPECT_EQ(last_boxed("\\boxed{\\frac{a}{\\sqrt{b}}}"), "\\frac{a}{\\sqrt{b}}");
  EXPECT_EQ(last_boxed("\\boxed{\\{1, 2\\}}"), "\\{1, 2\\}");
}

TEST(LastBoxed, TakesTheLastOfSeveral) {
  EXPECT_EQ(last_boxed("\\boxed{1} \\fbox{2} \\boxed{3}"), "3");
  EXPECT_EQ(final_boxes("\\boxed{1} \\fbox{2} \\boxed{3}"),
            (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(final_boxes("$\\boxed{2}$ and $\\boxed{-2}$."), (std::vector<std::string>{"2", "-2"}));
  EXPECT_EQ(final_boxes("\\[\\boxed{2}\\]\\[\\boxed{2}\\]"), (std::vector<std::string>{"2"}));
  EXPECT_EQ(final_boxes("\\boxed{3}, then corrected: \\boxed{5}"), (std::vector<std::string>{"5"}));
  EXPECT_EQ(extract_answer("so $x=\\boxed{1}$ or $x=\\boxed{3}$").text, "3");
  EXPECT_EQ(extract_answer("$\\boxed{1}$ or $\\boxed{3}$").text, "1, 3");
  EXPECT_EQ(to_string(extract_answer("$\\boxed{1}$ or $\\boxed{3}$").rule), "several boxed");
  EXPECT_EQ(last_boxed("\\boxed{1} \\fbox{2}"), "2");
}

TEST(LastBoxed, SpaceFormTakesOneToken) {
  EXPECT_EQ(last_boxed("$\\boxed 12$."), "12");
  EXPECT_EQ(last_boxed("\\boxed  -3 apples"), "-3");
}

TEST(LastBoxed, SkipsUnclosedEmptyAndOtherCommands) {
  EXPECT_EQ(last_boxed("\\boxed{7} then \\boxed{\\frac{1"), "7");
  EXPECT_EQ(last_boxed("\\boxed{7} \\boxed{ }"), "7");
  EXPECT_EQ(last_boxed("\\boxed{7} \\boxedfoo{8}"), "7");
  EXPECT_EQ(last_boxed("no box here"), "");
  EXPECT_EQ(last_boxed("\\boxed"), "");
}

TEST(LastBoxed, StaysLinearOnManyUnclosedBoxes) {
  std::string text = "\\boxed{5}";
  for (int i = 0; i < 100000; ++i) text += "\\boxed{";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(last_boxed(text), "5");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(ExtractAnswer, RuleOrderBoxedThenHashesThenPhraseThenNumber) {
  EXPECT_EQ(extract_answer("The answer is 1. #### 2\n\\boxed{3}").rule, ExtractionRule::boxed);
  EXPECT_EQ(extract_answer("The answer is 1.\n#### 2").rule, ExtractionRule::hashes);
  EXPECT_EQ(extract_answer("The answer is 1. Check: 2").rule, ExtractionRule::answer_is);
  EXPECT_EQ(extract_answer("It is 1, or 2").rule, ExtractionRule::last_number);
  EXPECT_EQ(extract_answer("nothing").rule, ExtractionRule::none);
  EXPECT_EQ(extract_answer("nothing").text, "");
}

TEST(ExtractAnswer, PhraseVariants) {
  EXPECT_EQ(extract_answer("The final answer is $\\frac{1}{2}$. I hope").text, "\\frac{1}{2}");
  EXPECT_EQ(extract_answer("**Answer:** 12").text, "12");
  EXPECT_EQ(extract_answer("**Answer**: 12").text, "12");
  EXPECT_EQ(extract_answer("Final Answer: 12.").text, "12");
  EXPECT_EQ(extract_answer("ANSWER: (B)").text, "(B)");
  EXPECT_EQ(extract_answer("The answer is \\[ 3 \\]").text, "3");
  EXPECT_EQ(extract_answer("the answer is 2.5.").text, "2.5");
  // "answers" or "answered" are not the phrase: the last number decides.
  EXPECT_EQ(extract_answer("Both answers is wrong; 4").rule, ExtractionRule::last_number);
}

TEST(ExtractAnswer, LastNumberKeepsSignsAndSeparators) {
  EXPECT_EQ(extract_answer("went from 3 to -12").text, "-12");
  EXPECT_EQ(extract_answer("a well-known 7").text, "7");
  EXPECT_EQ(extract_answer("x-5").text, "5");
  EXPECT_EQ(extract_answer("total 12,345,678 units").text, "12,345,678");
  EXPECT_EQ(extract_answer("total .5 units").text, ".5");
  EXPECT_EQ(extract_answer("ratio 3/4").text, "3/4");
}

// The order without a box: "####", a JSON answer field, a final-answer phrase, the last math
// environment, a whole-math response, the last number.
TEST(ExtractAnswer, RuleOrderWithoutABox) {
  const std::string json =
      "```json\n{\"reasoning\": \"2 + 2\", \"answer\": \"\\\\frac{1}{2}\"}\n```";
  EXPECT_EQ(extract_answer(json).rule, ExtractionRule::json_answer);
  EXPECT_EQ(extract_answer(json).text, "\\frac{1}{2}");
  EXPECT_EQ(extract_answer("{\"reasoning\": \"r\", \"answer\": 45}").text, "45");
  EXPECT_EQ(extract_answer(json + "\n#### 7").rule, ExtractionRule::hashes);
  EXPECT_EQ(extract_answer("So $x = 3$. The answer is 4").rule, ExtractionRule::answer_is);
  EXPECT_EQ(extract_answer("Therefore $x \\geq 5$ is the solution.").text, "x \\geq 5");
  EXPECT_EQ(extract_answer("Therefore $x \\geq 5$ is the solution.").rule,
            ExtractionRule::math_env);
  EXPECT_EQ(extract_answer("\\frac{10}{9}").rule, ExtractionRule::whole_text);
  EXPECT_EQ(extract_answer("it is 10/9").rule, ExtractionRule::last_number);
}

// Replies as models write them: raw line breaks and LaTeX's backslashes unescaped inside the
// JSON strings (o1-mini's ZeroEval GSM8K replies). The answer field is still read.
TEST(ExtractAnswer, JsonAnswerWithUnescapedLatex) {
  const std::string reply =
      "```json\n{\n    \"reasoning\": \"The winner got \\( \\frac{3}{4} \\times 80 = 60 \\) "
      "votes.\n"
      "So the loser got 20, not 60.\",\n    \"answer\": \"20\"\n}\n```";
  EXPECT_EQ(extract_answer(reply).rule, ExtractionRule::json_answer);
  EXPECT_EQ(extract_answer(reply).text, "20");
  // \frac, \beta, \times, \right: commands, not form feed, backspace, tab, carriage return.
  const std::string latex =
      "{\"reasoning\": \"\\left(3 \\times \\theta\\right)\", \"answer\": \"\\frac{\\beta}{2}\"}";
  EXPECT_EQ(extract_answer(latex).rule, ExtractionRule::json_answer);
  EXPECT_EQ(extract_answer(latex).text, "\\frac{\\beta}{2}");
  // Escaped properly, the same text reads the same.
  EXPECT_EQ(extract_answer("{\"answer\": \"\\\\frac{1}{2}\"}").text, "\\frac{1}{2}");
}

TEST(ExtractAnswer, MathEnvironments) {
  EXPECT_EQ(extract_answer("Answer \\[ 9 \\]").text, "9");
  EXPECT_EQ(extract_answer("Answer $$ 9 $$").text, "9");
  EXPECT_EQ(extract_answer("Answer \\( (9+1) \\)").text, "(9+1)");
  EXPECT_EQ(extract_answer("Answer \\[\n9\n\\]").text, "9");  // display math spans lines
  // Inline math stays on one line: "$ \n 9 \n $" is no environment; the last number decides.
  EXPECT_EQ(extract_answer("Answer $ \n 9 \n $").rule, ExtractionRule::last_number);
  // Environments parted only by "or" are one answer; prices are not math.
  EXPECT_EQ(extract_answer("so $x = 2$ or $x = -2$.").text, "x = 2, x = -2");
  EXPECT_EQ(extract_answer("It costs $5 and $7 in all").rule, ExtractionRule::last_number);
  EXPECT_EQ(extract_answer("It costs $5 and $7 in all").text, "7");
  // A number written after the last environment is the later, final answer.
  EXPECT_EQ(extract_answer("we get $y = 2$, so there are 12 marbles").text, "12");
  // A bare matrix is taken whole, not its last entry.
  EXPECT_EQ(extract_answer("The result: \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}").text,
            "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}");
}

// Unclosed openers repeated many times must not make the environment scan quadratic.
TEST(ExtractAnswer, MathEnvironmentScanStaysLinear) {
  std::string text;
  for (int i = 0; i < 40000; ++i) text += "\\( \\[ \\begin{pmatrix} $$ ";
  const auto start = std::chrono::steady_clock::now();
  const Extraction e = extract_answer(text);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.rule, ExtractionRule::none);
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(ExtractAnswer, PhraseSentencesAndLateFinalAnswers) {
  EXPECT_EQ(extract_answer("Final Answer: The largest $n$ is 34.").text, "34");
  EXPECT_EQ(extract_answer("**Answer:** the value of $k$ is $\\frac{1}{3}$").text, "\\frac{1}{3}");
  // A final-answer phrase after the last box is the final word; commentary words are not.
  EXPECT_EQ(extract_answer("so \\boxed{255}. Final Answer: The final answer is $10,455$.").text,
            "10,455");
  EXPECT_EQ(extract_answer("\\boxed{44}. The answer is correct.").text, "44");
  // Boxes parted by a connective in \text{} are one answer in parts.
  EXPECT_EQ(extract_answer("\\boxed{(3,3)} \\text{ for part (a) and } \\boxed{(1,1)}").text,
            "(3,3), (1,1)");
  EXPECT_EQ(extract_answer("\\boxed{1} is wrong, so \\boxed{2}").text, "2");
}

TEST(ExtractAnswer, MarkedAnswersOfWorkedSolutions) {
  EXPECT_EQ(extract_marked_answer("so $\\boxed{3}$ and $\\boxed{5}$.").text, "3, 5");
  EXPECT_EQ(extract_marked_answer("48/2 = 24\n#### 72").text, "72");
  EXPECT_EQ(extract_marked_answer("Thus the answer is 12.").text, "12");
  EXPECT_EQ(extract_marked_answer("$x = 5$").rule, ExtractionRule::none);
  EXPECT_EQ(extract_marked_answer("1, 2").rule, ExtractionRule::none);
}

TEST(ExtractAnswer, RuleNames) {
  EXPECT_EQ(to_string(ExtractionRule::boxed), "boxed");
  EXPECT_EQ(to_string(ExtractionRule::hashes), "####");
  EXPECT_EQ(to_string(ExtractionRule::json_answer), "json answer");
  EXPECT_EQ(to_string(ExtractionRule::math_env), "math env");
  EXPECT_EQ(to_string(ExtractionRule::whole_text), "whole text");
  EXPECT_EQ(to_string(ExtractionRule::answer_is), "answer is");
  EXPECT_EQ(to_string(ExtractionRule::last_number), "last number");
  EXPECT_EQ(to_string(ExtractionRule::none), "none");
}

}  // namespace
}  // namespace rbench::math
