// Light fuzzing of the math scorer: random bytes, random LaTeX-ish token soup and large
// adversarial inputs must never throw, must give a well-formed Score, and must stay fast.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "scorers/math/text_util.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

constexpr std::uint64_t kSeed = 20240917;
constexpr int kIterations = 3000;

void expect_well_formed(const Score& s, const std::string& answer, const std::string& reference) {
  const bool known_method = s.method == "boxed" || s.method == "several boxed" ||
                            s.method == "several boxed (one value)" || s.method == "####" ||
                            s.method == "json answer" || s.method == "answer is" ||
                            s.method == "math env" || s.method == "whole text" ||
                            s.method == "last number" || s.method == "none";
  EXPECT_TRUE(known_method) << s.method;
  EXPECT_TRUE(s.value == 0.0 || s.value == 1.0);
  EXPECT_EQ(s.correct, s.value == 1.0);
  EXPECT_EQ(s.method == "none", s.extracted.empty())
      << "answer: [" << answer << "] reference: [" << reference << "]";
  EXPECT_FALSE(s.detail.empty());
  EXPECT_FALSE(s.rule.empty());  // every verdict names the rule that reached it
}

TEST(MathScorerFuzz, RandomBytes) {
  std::mt19937_64 rng(kSeed);
  const MathScorer scorer;
  for (int i = 0; i < kIterations; ++i) {
    auto random_text = [&] {
      std::string s(rng() % 300, '\0');
      for (char& c : s) c = static_cast<char>(rng() & 0xFF);
      return s;
    };
    const std::string answer = random_text();
    const std::string reference = random_text();
    Score s;
    ASSERT_NO_THROW(s = scorer.score(answer, reference)) << "iteration " << i;
    expect_well_formed(s, answer, reference);
  }
}

TEST(MathScorerFuzz, LatexTokenSoup) {
  static constexpr std::array<std::string_view, 48> kTokens = {"\\boxed{",
                                                               "\\boxed ",
                                                               "\\fbox{",
                                                               "{",
                                                               "}",
                                                               "\\frac",
                                                               "\\dfrac",
                                                               "\\sqrt",
                                                               "[",
                                                               "]",
                                                               "(",
                                                               ")",
                                                               "^",
                                                               "-",
                                                               "+",
                                                               "/",
                                                               "1",
                                                               "23",
                                                               "0.50",
                                                               ",",
                                                               "{,}",
                                                               ",\\!",
                                                               "\\pi",
                                                               "<think>",
                                                               "</think>",
                                                               "####",
                                                               "The answer is",
                                                               "**Answer:**",
                                                               "$",
                                                               "\\$",
                                                               "\\text{",
                                                               " cm",
                                                               "\\%",
                                                               ".",
                                                               "e5",
                                                               "\\left(",
                                                               "\\right)",
                                                               "\\\\",
                                                               "&",
                                                               "\\begin{pmatrix}",
                                                               "\\end{pmatrix}",
                                                               "\\{",
                                                               "\\}",
                                                               "x=",
                                                               " ",
                                                               "\n",
                                                               "\\cdot",
                                                               "\\infty"};
  std::mt19937_64 rng(kSeed + 1);
  const MathScorer scorer;
  auto soup = [&] {
    std::string s;
    for (std::uint64_t n = rng() % 40; n > 0; --n) s += kTokens[rng() % kTokens.size()];
    return s;
  };
  int reflexive_checks = 0;
  for (int i = 0; i < kIterations; ++i) {
    const std::string answer = soup();
    const std::string reference = soup();
    Score s;
    ASSERT_NO_THROW(s = scorer.score(answer, reference)) << "answer: [" << answer << "]";
    expect_well_formed(s, answer, reference);
    // Reflexivity: whatever was extracted, boxed again, equals itself as a reference (unless
    // it would not survive the trip: braces, a trailing backslash, tags, "####", boxes, and a
    // final-answer phrase, which a reference is read by too).
    const std::string& x = s.extracted;
    const bool survives =
        !x.empty() && x.find_first_of("{}") == std::string::npos && !x.ends_with("\\") &&
        x.find("####") == std::string::npos && x.find("think>") == std::string::npos &&
        x.find("box") == std::string::npos && x.find("nswer") == std::string::npos;
    if (survives && !math::trim(x).empty()) {
      ++reflexive_checks;
      const Score self = scorer.score("\\boxed{" + s.extracted + "}", s.extracted);
      EXPECT_TRUE(self.correct) << "extracted [" << s.extracted << "]: " << self.detail;
    }
  }
  EXPECT_GT(reflexive_checks, kIterations / 10);
}

TEST(MathScorerFuzz, LargeAdversarialInputsStayFast) {
  const std::vector<std::string> units = {
      "\\boxed{", "(",        "{",       "1,",    "1,000,",
      "\\frac",   "\\sqrt[",  "^",       "-",     "the answer is ",
      "<think>",  "</think>", "\\text{", "\\{1,", "2.50",
      "1e",       "\\left(",  "x=",      "\\\\",  "&",
      "\\fbox ",  "####",     "$",       "9"};
  const MathScorer scorer;
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& unit : units) {
    std::string big;
    while (big.size() < 200000) big += unit;
    Score s;
    ASSERT_NO_THROW(s = scorer.score(big, big)) << "unit [" << unit << "]";
    expect_well_formed(s, "<" + unit + " x N>", "same");
    ASSERT_NO_THROW(s = scorer.score("\\boxed{" + big + "}", big)) << "unit [" << unit << "]";
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10))
      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
}

}  // namespace
}  // namespace rbench
