// Runs the MathScorer over the readable case table tests/scorers/math/math_cases.tsv (answer,
// reference, verdict, extracted text, extraction rule), printing every failing case in full.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scorers/math_scorer.h"

namespace rbench {
namespace {

struct Case {
  int line = 0;
  std::string answer, reference, verdict, extracted, method;
};

std::string unescape(std::string cell) {
  for (std::size_t pos; (pos = cell.find("<NL>")) != std::string::npos;) cell.replace(pos, 4, "\n");
  return cell;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, '\t');) cells.push_back(unescape(cell));
  if (!line.empty() && line.back() == '\t') cells.emplace_back();
  return cells;
}

std::vector<Case> load_cases() {
  const std::string path = std::string(RBENCH_SOURCE_DIR) + "/tests/scorers/math/math_cases.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Case> cases;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line.starts_with("# ")) continue;  // "####" lines are cases
    const auto cells = split_tabs(line);
    if (cells.size() != 5) {
      ADD_FAILURE() << path << ":" << line_no << ": expected 5 tab-separated cells, got "
                    << cells.size();
      continue;
    }
    cases.push_back({line_no, cells[0], cells[1], cells[2], cells[3], cells[4]});
  }
  return cases;
}

TEST(MathCases, TableHasAtLeastOneHundredCases) {
  EXPECT_GE(load_cases().size(), 100u);
}

TEST(MathCases, EveryCaseScoresAsExpected) {
  const MathScorer scorer;
  int failures = 0;
  const auto cases = load_cases();
  for (const Case& c : cases) {
    ASSERT_TRUE(c.verdict == "equal" || c.verdict == "different")
        << "math_cases.tsv:" << c.line << ": verdict must be equal|different";
    const Score s = scorer.score(c.answer, c.reference);
    const bool want_equal = c.verdict == "equal";
    const bool ok = s.correct == want_equal && s.value == (want_equal ? 1.0 : 0.0) &&
                    (c.extracted == "*" || s.extracted == c.extracted) && s.method == c.method;
    if (ok) continue;
    ++failures;
    ADD_FAILURE() << "math_cases.tsv:" << c.line << "\n  answer:     [" << c.answer
                  << "]\n  reference:  [" << c.reference << "]\n  expected:   " << c.verdict
                  << ", extracted [" << c.extracted << "] by " << c.method
                  << "\n  got:        " << (s.correct ? "equal" : "different") << ", extracted ["
                  << s.extracted << "] by " << s.method << "\n  forms:      [" << s.answer_form
                  << "] vs [" << s.reference_form << "] (rule " << s.rule << ")"
                  << "\n  detail:     " << s.detail;
  }
  std::printf("%d of %zu math cases pass\n", static_cast<int>(cases.size()) - failures,
              cases.size());
}

}  // namespace
}  // namespace rbench
