// Every MATH-500 reference answer must be judged equal to itself after a round trip through the
// printer, and to its rewritten forms (tests/common/math_rewrites.h): decimals for fractions,
// reordered sets and sums, \dfrac and \left( \right). Skipped where ../shared/data is missing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/math_rewrites.h"
#include "scorers/math/equivalence.h"
#include "scorers/math/latex_parser.h"

namespace rbench::math {
namespace {

std::vector<std::string> math500_answers() {
  const std::filesystem::path file =
      std::filesystem::path(RBENCH_SHARED_DATA_DIR) / "math500" / "test.jsonl";
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("answer")) continue;
    out.emplace_back(doc["answer"].GetString());
  }
  return out;
}

TEST(Math500Rewrites, EveryReferenceEqualsItsRewrittenForms) {
  const auto answers = math500_answers();
  if (answers.empty()) GTEST_SKIP() << "no MATH-500 at " << RBENCH_SHARED_DATA_DIR;
  ASSERT_EQ(answers.size(), 500u);
  const Equivalence equivalence;
  std::map<std::string, int> checked;
  std::map<std::string, int> rules;
  int failures = 0;
  for (const std::string& reference : answers) {
    const Parsed parsed = parse_answer(reference);
    if (!parsed.ok) {
      ADD_FAILURE() << "does not parse: [" << reference << "]: " << parsed.error;
      ++failures;
      continue;
    }
    for (const auto& rewrite : testing::rewrites(parsed.expr)) {
      ++checked[rewrite.name];
      const Verdict v = equivalence.compare(rewrite.text, reference);
      ++rules[v.rule];
      if (v.equal == Tri::yes) continue;
      ++failures;
      ADD_FAILURE() << rewrite.name << " form [" << rewrite.text << "] of [" << reference
                    << "] judged " << (v.equal == Tri::no ? "different" : "unknown") << " by "
                    << v.rule << ": " << v.reason;
    }
  }
  // The printed form exists for every reference; the others where they change something.
  EXPECT_EQ(checked["printed"], 500);
  EXPECT_GE(checked["decimal"], 60);
  EXPECT_GE(checked["reordered"], 20);
  std::string summary;
  for (const auto& [name, n] : checked) summary += " " + name + "=" + std::to_string(n);
  std::string by_rule;
  for (const auto& [name, n] : rules) by_rule += " " + name + "=" + std::to_string(n);
  std::printf("MATH-500 rewrites checked:%s; decided by:%s; %d failures\n", summary.c_str(),
              by_rule.c_str(), failures);
}

}  // namespace
}  // namespace rbench::math
