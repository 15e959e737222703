// Runs the MathScorer over the readable case table tests/scorers/math/math_cases.tsv (answer,
// reference, verdict, extracted text, extraction rule), printing every failing case in full.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/case_table.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

struct Case {
  int line = 0;
  std::string answer, reference, verdict, extracted, method;
};

std::vector<Case> load_cases() {
  const std::string path = "math_cases.tsv";
  std::vector<Case> cases;
  for (const rbench::testing::TableRow& row : rbench::testing::math_table_rows(path)) {
    const auto& cells = row.cells;
    if (cells.size() != 5) {
      ADD_FAILURE() << path << ":" << row.line << ": expected 5 tab-separated cells, got "
                    << cells.size();
      continue;
    }
    cases.push_back({row.line, cells[0], cells[1], cells[2], cells[3], cells[4]});
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
