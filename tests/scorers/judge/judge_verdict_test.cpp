// Unit tests of the verdict labels and of reading the verdict from a judge's text.
#include "scorers/judge/verdict.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rbench::judge {
namespace {

constexpr Label kAll[] = {Label::a_much_better, Label::a_better, Label::tie, Label::b_better,
                          Label::b_much_better};

TEST(Label, ToStringAndBack) {
  const std::vector<std::string> names = {"A>>B", "A>B", "A=B", "B>A", "B>>A"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(to_string(kAll[i]), names[i]);
    EXPECT_EQ(label_from_string(names[i]), kAll[i]) << names[i];
  }
}

TEST(Label, MirroredSpellings) {
  const struct {
    const char* text;
    Label label;
  } cases[] = {
      {"B<<A", Label::a_much_better}, {"B<A", Label::a_better},       {"B=A", Label::tie},
      {"A<B", Label::b_better},       {"A<<B", Label::b_much_better},
  };
  for (const auto& c : cases) EXPECT_EQ(label_from_string(c.text), c.label) << c.text;
}

TEST(Label, EverythingElseIsNotALabel) {
  for (const char* text : {"", "A", "B", "C", "A>C", "A>>>B", "A><B", "A>A", "B>B", "a>b", " A>B",
                           "A>B ", "[[A>B]]", "A==B", "AB", "=", "A>>B>>A"}) {
    EXPECT_EQ(label_from_string(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(Label, SwappedExchangesPositionsAndIsAnInvolution) {
  EXPECT_EQ(swapped(Label::a_much_better), Label::b_much_better);
  EXPECT_EQ(swapped(Label::a_better), Label::b_better);
  EXPECT_EQ(swapped(Label::tie), Label::tie);
  EXPECT_EQ(swapped(Label::b_better), Label::a_better);
  EXPECT_EQ(swapped(Label::b_much_better), Label::a_much_better);
  for (Label l : kAll) EXPECT_EQ(swapped(swapped(l)), l);
}

TEST(Label, SwappedMatchesReadingTheMirroredSpelling) {
  // Exchanging the letters of a label's spelling ("A>B" -> "B>A") reads as the swapped label.
  for (Label l : kAll) {
    std::string text(to_string(l));
    for (char& c : text) c = c == 'A' ? 'B' : c == 'B' ? 'A' : c;
    EXPECT_EQ(label_from_string(text), swapped(l)) << text;
  }
}

struct Case {
  const char* name;
  std::string text;
  std::optional<Label> label;
  std::string why;  // exact expected `why`; "" = not checked
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class ParseVerdict : public testing::TestWithParam<Case> {};

TEST_P(ParseVerdict, ReadsTheVerdict) {
  const Case& c = GetParam();
  const ParsedVerdict v = parse_verdict(c.text);
  EXPECT_EQ(v.label, c.label) << c.text << "\nwhy: " << v.why;
  if (!c.why.empty()) {
    EXPECT_EQ(v.why, c.why) << c.text;
  }
  if (!v.label) {
    EXPECT_FALSE(v.why.empty());
  }
}

constexpr auto A2 = Label::a_much_better;
constexpr auto A1 = Label::a_better;
constexpr auto T = Label::tie;
constexpr auto B1 = Label::b_better;
constexpr auto B2 = Label::b_much_better;
const std::optional<Label> kNone = std::nullopt;

INSTANTIATE_TEST_SUITE_P(
    Labels, ParseVerdict,
    testing::Values(
        Case{"a_much", "My final verdict is: [[A>>B]]", A2, "last label [[A>>B]]"},
        Case{"a_slightly", "Assistant A is slightly better: [[A>B]]", A1, "last label [[A>B]]"},
        Case{"tie", "Tie, relatively the same: [[A=B]]", T, "last label [[A=B]]"},
        Case{"b_slightly", "[[B>A]]", B1, "last label [[B>A]]"},
        Case{"b_much", "My final verdict is: Assistant B is significantly better: [[B>>A]]", B2,
             "last label [[B>>A]]"},
        Case{"mirrored_b_much_less", "[[B<<A]]", A2, "last label [[A>>B]]"},
        Case{"mirrored_b_less", "[[B<A]]", A1, ""}, Case{"mirrored_tie", "[[B=A]]", T, ""},
        Case{"mirrored_a_less", "[[A<B]]", B1, ""},
        Case{"mirrored_a_much_less", "[[A<<B]]", B2, ""},
        Case{"period_after", "My final verdict is: [[B>A]].", B1, ""},
        Case{"bold", "**My final verdict is [[A>B]]**", A1, ""},
        Case{"bold_label", "Final verdict: **[[A>B]]**", A1, ""},
        Case{"code_span", "Final verdict: `[[B>>A]]`", B2, ""},
        Case{"spaces_inside", "Verdict: [[ A > B ]]", A1, ""},
        Case{"spaces_double_sign", "Verdict: [[B >> A]]", B2, ""},
        Case{"tab_inside", "Verdict: [[A\t=\tB]]", T, ""},
        Case{"lowercase", "verdict: [[a>b]]", A1, ""},
        Case{"mixed_case", "verdict: [[b>>A]]", B2, ""},
        Case{"full_width", "最终裁决：［［Ｂ＞Ａ］］", B1, "last label [[B>A]]"},
        Case{"full_width_letters_only", "[[Ａ＝Ｂ]]", T, ""},
        Case{"full_width_lowercase", "［［ａ＞＞ｂ］］", A2, ""},
        Case{"much_greater_sign", "[[A≫B]]", A2, ""},
        Case{"triple_brackets", "Verdict: [[[A>B]]]", A1, ""},
        Case{"crlf", "Evaluation...\r\n\r\nMy final verdict is [[A>B]]\r\n", A1, ""}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    LastWins, ParseVerdict,
    testing::Values(
        Case{"body_label_overridden",
             "At first glance [[A>B]] seems right.\n\nBut B handles the edge case.\n\n"
             "My final verdict is [[B>A]].",
             B1, "last label [[B>A]]"},
        Case{"options_listed_early",
             "The possible labels are [[A>>B]], [[A>B]], [[A=B]], [[B>A]], [[B>>A]].\n\n"
             "A is wrong about the date; B is right.\n\nFinal verdict: [[B>>A]]",
             B2, ""},
        Case{"body_without_blank_lines_but_far_above",
             "I lean [[A>B]].\nline 2\nline 3\nline 4\nFinal: [[A=B]]", T, ""},
        Case{"text_after_the_label",
             "My final verdict is [[A>B]].\n\nLet me know if you need anything else.", A1,
             "last label [[A>B]]"},
        Case{"same_label_twice_at_the_end", "Verdict: [[A>B]]\n**[[A>B]]**", A1,
             "last label [[A>B]]"},
        Case{"same_label_two_spellings_at_the_end", "A is better: [[A>B]], i.e. [[B<A]]", A1, ""},
        Case{"unknown_contents_ignored", "Verdict: [[A>B]] (not [[C]] nor [[A]] or [[AB]])", A1,
             ""},
        Case{"unknown_only", "[[C]] [[A>>>B]] [[A>C]] [[see above]]", kNone, "no label"},
        Case{"labels_four_lines_up_not_final",
             "[[A>B]] vs [[B>A]] was my dilemma.\nline\nline\nSo: [[B>A]]", B1, ""}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Conflicting, ParseVerdict,
    testing::Values(
        Case{"hedging_on_one_line", "My verdict is [[A>B]] or perhaps [[A=B]].", kNone,
             "conflicting labels [[A>B]] and [[A=B]] in the final verdict"},
        Case{"listing_options_at_the_end",
             "Evaluation done.\n\n[[A>>B]]\n[[A>B]]\n[[A=B]]\n[[B>A]]\n[[B>>A]]", kNone,
             "conflicting labels [[A=B]], [[B>A]] and [[B>>A]] in the final verdict"},
        Case{"two_lines_of_final_paragraph",
             "Body with [[A>B]].\n\nFinal verdict: [[B>A]]\nActually, [[A=B]].", kNone,
             "conflicting labels [[B>A]] and [[A=B]] in the final verdict"},
        Case{"hedge_then_sign_off",
             "Both are close.\nI would say [[A>B]] or [[A=B]].\n\nHope this helps!\n", kNone,
             "conflicting labels [[A>B]] and [[A=B]] in the final verdict"},
        Case{"hedge_two_lines_above_the_last_label",
             "Maybe [[B>A]].\nOn reflection, A's code runs.\nFinal verdict: [[A>B]]", kNone, ""},
        Case{"conflict_survives_trailing_whitespace", "[[A>B]] [[B>>A]]\n\n  \n", kNone, ""},
        Case{"lowercase_and_full_width_conflict", "[[a>b]] or ［［Ｂ＞Ａ］］", kNone, ""},
        Case{"single_bracket_conflict", "Either [A>B] or [B>A].", kNone,
             "conflicting labels [A>B] and [B>A] in the final verdict"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Think, ParseVerdict,
    testing::Values(
        Case{"labels_in_think_ignored",
             "<think>Maybe [[A>B]]... or [[B>>A]]?</think>\nMy final verdict is [[A=B]]", T,
             "last label [[A=B]]"},
        Case{"think_label_only", "<think>[[A>B]]</think>\nI cannot decide.", kNone, "no label"},
        Case{"unterminated_think", "<think>Comparing... A seems better [[A>B]] but", kNone,
             "no label"},
        Case{"cut_off_after_visible_label", "Verdict [[B>A]]\n<think>wait, maybe [[A>B]]", B1, ""},
        Case{"lone_closing_tag", "reasoning [[A>>B]] and more</think>\n\nFinal: [[B>A]]", B1, ""},
        Case{"think_conflict_not_counted", "Final verdict: [[A>B]]<think>or [[B>A]]</think>", A1,
             "last label [[A>B]]"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    SingleBracket, ParseVerdict,
    testing::Values(Case{"fallback", "My final verdict is [A>B].", A1,
                         "last label [A>B] (single brackets, no [[...]] label)"},
                    Case{"fallback_mirrored", "Verdict: [A<<B]", B2, ""},
                    Case{"fallback_last_wins", "Initially [A>B].\n\nA\nB\nC\nFinal: [B>A]", B1, ""},
                    Case{"double_anywhere_beats_single",
                         "Verdict: [[A>B]]\n\nOn reflection [B>>A].", A1, "last label [[A>B]]"},
                    Case{"unclosed_double_read_as_single", "Verdict: [[B>A]", B1, ""},
                    Case{"code_index_not_a_label", "The code `mask = df[A>B]` is fine.", kNone,
                         "no label"},
                    Case{"lowercase_single_not_a_label", "x = y [a<b]", kNone, "no label"},
                    Case{"single_with_spaces_not_a_label", "see [A > B]", kNone, "no label"},
                    Case{"single_unknown", "[A] [B] [C] [=]", kNone, "no label"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Garbage, ParseVerdict,
    testing::Values(Case{"empty", "", kNone, "no label"},
                    Case{"whitespace", " \n\n\t ", kNone, "no label"},
                    Case{"refusal", "I cannot help with that.", kNone, "no label"},
                    Case{"prose_verdict", "Assistant A is better.", kNone, "no label"},
                    Case{"unclosed", "My final verdict is [[A>B", kNone, "no label"},
                    Case{"empty_brackets", "[[]] [] [[ ]]", kNone, "no label"},
                    Case{"brackets_only", "[[[[[[]]]]]]", kNone, "no label"},
                    Case{"newline_inside", "[[A\n>B]]", kNone, "no label"},
                    Case{"binary", std::string("\0\xff\xfe[[\xef\xbc", 7), kNone, "no label"},
                    Case{"truncated_full_width", "[[A>B]] \xef\xbc", A1, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseVerdictSize, OneMegabyteWithTheLabelAtTheEnd) {
  std::string text;
  while (text.size() < (1u << 20)) text += "Assistant A [considers] [[x]] [A] the < and > [[\n\n";
  text += "My final verdict is [[B>>A]]";
  const auto start = std::chrono::steady_clock::now();
  const ParsedVerdict v = parse_verdict(text);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(v.label, Label::b_much_better);
}

TEST(ParseVerdictSize, OneMegabyteLineOfBracketsStaysFast) {
  // One single line: the whole text is the final region, and every '[' starts a candidate.
  std::string text(1u << 20, '[');
  for (std::size_t i = 0; i < text.size(); i += 7) text[i] = 'A';
  text += "[[A=B]]";
  const auto start = std::chrono::steady_clock::now();
  const ParsedVerdict v = parse_verdict(text);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(v.label, Label::tie);
}

TEST(ParseVerdictSize, ManyLabelsAllTheSame) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "[[A>B]] ";
  const ParsedVerdict v = parse_verdict(text);
  EXPECT_EQ(v.label, Label::a_better);
}

}  // namespace
}  // namespace rbench::judge
