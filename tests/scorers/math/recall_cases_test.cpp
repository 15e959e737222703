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

std::string unescape(std::string cell) {
  for (std::size_t pos; (pos = cell.find("<NL>")) != std::string::npos;) cell.replace(pos, 4, "\n");
  return cell;
}

std::vector<Case> load_cases() {
  const std::string path = std::string(RBENCH_SOURCE_DIR) + "/tests/scorers/math/recall_cases.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Case> cases;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line.starts_with("# ")) continue;
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, '\t');) cells.push_back(unescape(cell));
    if (cells.size() != 4 && cells.size() != 5) {
      ADD_FAILURE() << path << ":" << line_no << ": expected 4 or 5 tab-separated cells, got "
                    << cells.size();
      continue;
    }
    if (cells[2] != "equal" && cells[2] != "different") {
      ADD_FAILURE() << path << ":" << line_no << ": verdict must be equal|different";
      continue;
    }
    if (!kFamilies.contains(cells[3])) {
      ADD_FAILURE() << path << ":" << line_no << ": unknown family '" << cells[3] << "'";
      continue;
    }
    cases.push_back({line_no, cells[0], cells[1], cells[2], cells[3]});
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
