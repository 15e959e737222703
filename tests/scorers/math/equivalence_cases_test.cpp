// Runs rbench::math::Equivalence over the case table tests/scorers/math/equivalence_cases.tsv
// (answer, reference, verdict, category): checks the table's format, then that every case gets
// its verdict, printing each failure in full (the deciding rule, its reason and both canonical
// forms) and a summary per category and per deciding rule. A second test checks that every
// `equal` case is also equal the other way round.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/case_table.h"
#include "scorers/math/equivalence.h"

// CMake defines the source directory (CMakeLists.txt); a bare compile reads from the current one.
#ifndef RBENCH_SOURCE_DIR
#define RBENCH_SOURCE_DIR "."
#endif

namespace rbench::math {
namespace {

constexpr std::size_t kMinimumCases = 400;
constexpr const char* kTableName = "equivalence_cases.tsv";

struct Case {
  int line = 0;
  std::string answer, reference, verdict, category;
};

struct Table {
  std::vector<Case> cases;
  std::vector<std::string> errors;  // format problems, one line each
};

std::string table_path() {
  return std::string(RBENCH_SOURCE_DIR) + "/tests/scorers/math/" + kTableName;
}

bool known_verdict(const std::string& verdict) {
  return verdict == "equal" || verdict == "different" || verdict == "unknown";
}

// Reads the table once; every test works on the same copy.
const Table& table() {
  static const Table loaded = [] {
    Table t;
    const std::string path = table_path();
    const rbench::testing::CaseTable rows =
        rbench::testing::read_case_table(path, /*expand_newlines=*/false);
    if (!rows.opened) {
      t.errors.push_back("cannot open " + path);
      return t;
    }
    for (const rbench::testing::TableRow& row : rows.rows) {
      const int line_no = row.line;
      const auto& cells = row.cells;
      const std::string where = std::string(kTableName) + ":" + std::to_string(line_no) + ": ";
      if (cells.size() != 4) {
        t.errors.push_back(where + "expected 4 tab-separated cells, got " +
                           std::to_string(cells.size()));
        continue;
      }
      Case c{line_no, cells[0], cells[1], cells[2], cells[3]};
      if (c.answer.empty() || c.reference.empty() || c.category.empty()) {
        t.errors.push_back(where + "empty answer, reference or category");
      }
      if (!known_verdict(c.verdict)) {
        t.errors.push_back(where + "verdict must be equal|different|unknown, got [" + c.verdict +
                           "]");
      }
      t.cases.push_back(std::move(c));
    }
    return t;
  }();
  return loaded;
}

// One grader for every case, as the scorer uses one for a whole run.
const Equivalence& shared_equivalence() {
  static const Equivalence equivalence;
  return equivalence;
}

Tri expected_tri(const std::string& verdict) {
  if (verdict == "equal") return Tri::yes;
  if (verdict == "different") return Tri::no;
  return Tri::unknown;
}

const char* tri_name(Tri t) {
  switch (t) {
    case Tri::yes:
      return "equal";
    case Tri::no:
      return "different";
    case Tri::unknown:
      return "unknown";
  }
  return "?";
}

std::string describe(const Case& c, const std::string& expected, const Verdict& v,
                     const std::string& extra = "") {
  std::ostringstream out;
  out << kTableName << ":" << c.line << " [" << c.category << "]"
      << "\n  answer:         [" << c.answer << "]"
      << "\n  reference:      [" << c.reference << "]"
      << "\n  expected:       " << expected << "\n  got:            " << tri_name(v.equal)
      << "\n  rule:           " << v.rule << "\n  reason:         " << v.reason
      << "\n  answer_form:    [" << v.answer_form << "]"
      << "\n  reference_form: [" << v.reference_form << "]";
  if (!extra.empty()) out << "\n  " << extra;
  return out.str();
}

TEST(EquivalenceCases, TableIsWellFormed) {
  const Table& t = table();
  for (const std::string& error : t.errors) ADD_FAILURE() << error;
  EXPECT_GE(t.cases.size(), kMinimumCases);

  std::map<std::pair<std::string, std::string>, int> first_line;
  std::map<std::string, std::set<std::string>> verdicts_by_category;
  for (const Case& c : t.cases) {
    const auto [it, inserted] = first_line.emplace(std::pair(c.answer, c.reference), c.line);
    EXPECT_TRUE(inserted) << kTableName << ":" << c.line << ": duplicate of line " << it->second
                          << ": [" << c.answer << "] vs [" << c.reference << "]";
    verdicts_by_category[c.category].insert(c.verdict);
  }
  // Every category pins both sides: at least one `equal` case and one that is not.
  for (const auto& [category, verdicts] : verdicts_by_category) {
    EXPECT_TRUE(verdicts.contains("equal")) << "category " << category << " has no equal case";
    EXPECT_TRUE(verdicts.contains("different") || verdicts.contains("unknown"))
        << "category " << category << " has only equal cases";
  }
}

TEST(EquivalenceCases, EveryCaseGetsItsVerdict) {
  const Equivalence& equivalence = shared_equivalence();
  const auto time_limit = equivalence.options().budget + std::chrono::seconds(1);
  const std::vector<Case>& cases = table().cases;
  ASSERT_FALSE(cases.empty()) << "no cases loaded from " << table_path();

  std::map<std::string, std::pair<int, int>> by_category;  // passed, total
  std::map<std::string, int> by_rule;                      // deciding rule of every case
  int passed = 0;
  for (const Case& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    const Verdict v = equivalence.compare(c.answer, c.reference);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    ++by_rule[v.rule.empty() ? "(none)" : v.rule];
    auto& [category_passed, category_total] = by_category[c.category];
    ++category_total;

    bool ok = v.equal == expected_tri(c.verdict);
    std::string extra;
    if (c.verdict == "unknown" && elapsed > time_limit) {
      ok = false;
      extra =
          "took " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()) +
          " ms, over the budget of " + std::to_string(equivalence.options().budget.count()) +
          " ms + 1 s";
    }
    if (ok) {
      ++passed;
      ++category_passed;
      continue;
    }
    ADD_FAILURE() << describe(c, c.verdict, v, extra);
  }

  std::printf("%d of %zu equivalence cases pass\n", passed, cases.size());
  std::printf("per category (passed of total):\n");
  for (const auto& [category, counts] : by_category) {
    std::printf("  %-14s %3d of %3d\n", category.c_str(), counts.first, counts.second);
  }
  std::printf("per deciding rule (all cases):\n");
  for (const auto& [rule, count] : by_rule) std::printf("  %-14s %3d\n", rule.c_str(), count);
}

// Equality is symmetric for every rule but one: "rounded" accepts a decimal answer for an
// irrational reference (3.14 for \pi) and, by design, not an exact answer for a rounded
// reference (\pi for 3.14), so the `rounded` category is skipped. Relations ("x = 5" vs 5) and
// choices ("(B)" vs B) are kept: the conventions make them match either way round.
TEST(EquivalenceCases, EqualCasesAreEqualBothWays) {
  const Equivalence& equivalence = shared_equivalence();
  int checked = 0;
  int failed = 0;
  for (const Case& c : table().cases) {
    if (c.verdict != "equal" || c.category == "rounded") continue;
    ++checked;
    const Verdict v = equivalence.compare(c.reference, c.answer);
    if (v.equal == Tri::yes) continue;
    ++failed;
    Case swapped = c;
    std::swap(swapped.answer, swapped.reference);
    ADD_FAILURE() << describe(swapped, "equal (the case swapped)", v);
  }
  std::printf("%d of %d equal cases are equal both ways\n", checked - failed, checked);
}

}  // namespace
}  // namespace rbench::math
