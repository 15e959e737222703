// The math scorer against the published references: every GSM8K solution must yield its own
// "#### N", every MATH-500 answer must be judged equal to itself wrapped in a boxed sentence, and
// every MATH-500 worked solution must be judged equal to its answer.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scorers/math/answer_extraction.h"
#include "scorers/math/text_util.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

// The string field `field` of every line of a jsonl file; empty when the file is absent.
std::vector<std::string> read_field(const std::filesystem::path& path, const char* field) {
  std::vector<std::string> values;
  std::ifstream in(path);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(field) || !doc[field].IsString()) {
      ADD_FAILURE() << path << ":" << line_no << ": no string field '" << field << "'";
      continue;
    }
    values.emplace_back(doc[field].GetString(), doc[field].GetStringLength());
  }
  return values;
}

const std::filesystem::path kData = RBENCH_SHARED_DATA_DIR;

TEST(MathScorerData, Gsm8kSolutionsYieldTheirFinalNumber) {
  const auto path = kData / "gsm8k" / "test.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "GSM8K data absent: " << path;
  const auto solutions = read_field(path, "answer");
  ASSERT_EQ(solutions.size(), 1319u);
  const MathScorer scorer;
  int failures = 0;
  for (std::size_t i = 0; i < solutions.size(); ++i) {
    const std::string& solution = solutions[i];
    const auto hashes = solution.rfind("####");
    ASSERT_NE(hashes, std::string::npos) << "item " << i << " has no ####";
    const std::string n(math::trim(std::string_view(solution).substr(hashes + 4)));
    const math::Extraction got = math::extract_answer(solution);
    const Score s = scorer.score(solution, n);
    if (got.text == n && got.rule == math::ExtractionRule::hashes && s.correct) continue;
    if (++failures <= 20) {
      ADD_FAILURE() << "gsm8k item " << i << ": expected " << n << ", extracted [" << got.text
                    << "] by " << math::to_string(got.rule) << "; score: " << s.detail;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(MathScorerData, Math500AnswersEqualThemselvesBoxed) {
  const auto path = kData / "math500" / "test.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "MATH-500 data absent: " << path;
  const auto answers = read_field(path, "answer");
  ASSERT_EQ(answers.size(), 500u);
  const MathScorer scorer;
  int failures = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const Score s = scorer.score("The answer is $\\boxed{" + answers[i] + "}$.", answers[i]);
    if (s.correct && s.extracted == answers[i] && s.method == "boxed") continue;
    if (++failures <= 20) {
      ADD_FAILURE() << "math500 item " << i << ": [" << answers[i] << "] extracted [" << s.extracted
                    << "]: " << s.detail;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(MathScorerData, Math500SolutionsYieldTheirAnswer) {
  const auto path = kData / "math500" / "test.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "MATH-500 data absent: " << path;
  const auto solutions = read_field(path, "solution");
  const auto answers = read_field(path, "answer");
  ASSERT_EQ(solutions.size(), answers.size());
  const MathScorer scorer;
  int failures = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const Score s = scorer.score(solutions[i], answers[i]);
    if (s.correct && (s.method == "boxed" || s.method == "several boxed (one value)")) continue;
    if (++failures <= 20) {
      ADD_FAILURE() << "math500 item " << i << ": answer [" << answers[i] << "] extracted ["
                    << s.extracted << "] by " << s.method << ": " << s.detail;
    }
  }
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace rbench
