// Runs the MathScorer over tests/scorers/math/recall_cases.tsv: whole responses as models write
// them (answers without a box, Unicode math, labelled, chained and several answers, decimal
// commas, bases, double escaping) against references, each with its expected verdict and the
// family of readings it exercises. Every family must have at least 40 cases, both verdicts among
// them, and every case must score as expected; failures print in full.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/case_table.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

struct Case {
  int line = 0;
  std::string response, reference, verdict, family;
};

const std::set<std::string> kFamilies = {"extraction", "relations", "labelled",
                                         "several",    "numbers",   "matrices",
                                         "unicode",    "bases",     "escaping"};

std::vector<Case> load_cases() {
  const std::string path = "recall_cases.tsv";
  std::vector<Case> cases;
  for (const rbench::testing::TableRow& row : rbench::testing::math_table_rows(path)) {
    const auto& cells = row.cells;
    const std::string where = path + ":" + std::to_string(row.line) + ": ";
    if (cells.size() != 4 && cells.size() != 5) {
      ADD_FAILURE() << where << "expected 4 or 5 tab-separated cells, got " << cells.size();
    } else if (cells[2] != "equal" && cells[2] != "different") {
      ADD_FAILURE() << where << "verdict must be equal|different";
    } else if (!kFamilies.contains(cells[3])) {
      ADD_FAILURE() << where << "unknown family '" << cells[3] << "'";
    } else {
      cases.push_back({row.line, cells[0], cells[1], cells[2], cells[3]});
    }
  }
  return cases;
}

TEST(RecallCases, EveryFamilyHasFortyCasesOfBothVerdicts) {
  std::map<std::string, std::map<std::string, int>> counts;
  for (const Case& c : load_cases()) ++counts[c.family][c.verdict];
  for (const std::string& family : kFamilies) {
    const int equal = counts[family]["equal"];
    const int different = counts[family]["different"];
    EXPECT_GE(equal + different, 40) << family;
    EXPECT_GE(equal, 10) << family;
    EXPECT_GE(different, 10) << family;
  }
}

TEST(RecallCases, EveryCaseScoresAsExpected) {
  const MathScorer scorer;
  const auto cases = load_cases();
  int failures = 0;
  for (const Case& c : cases) {
    const Score s = scorer.score(c.response, c.reference);
    if (s.correct == (c.verdict == "equal")) continue;
    ++failures;
    ADD_FAILURE() << "recall_cases.tsv:" << c.line << " (" << c.family << ")\n  response:  ["
                  << c.response << "]\n  reference: [" << c.reference
                  << "]\n  expected:  " << c.verdict
                  << "\n  got:       " << (s.correct ? "equal" : "different") << ", extracted ["
                  << s.extracted << "] by " << s.method << "\n  forms:     [" << s.answer_form
                  << "] vs [" << s.reference_form << "] (rule " << s.rule
                  << ")\n  detail:    " << s.detail;
  }
  std::printf("%d of %zu recall cases pass\n", static_cast<int>(cases.size()) - failures,
              cases.size());
}

}  // namespace
}  // namespace rbench
