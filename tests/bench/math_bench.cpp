// How fast the math scorer grades: MATH-500's 500 reference answers as responses ("The answer is
// $\boxed{...}$") in their own form and in rewritten forms (tests/common/math_rewrites.h:
// printed, decimal, reordered, LaTeX variants), scored against the references by MathScorer
// (extraction, parsing, the equivalence rules, GiNaC where reached). items_per_second = answers
// graded per second; counters give the share each rule decided. A third set is our equivalence
// case table (tests/scorers/math/equivalence_cases.tsv), which reaches every rule. Wall time: GiNaC
// runs on the checker's own thread.
//   build/rbench_bench --benchmark_filter=Math
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/math_rewrites.h"
#include "scorers/math/latex_parser.h"
#include "scorers/math_scorer.h"

namespace rbench {
namespace {

struct Case {
  std::string response;
  std::string reference;
};

struct Corpus {
  std::vector<Case> identical;
  std::vector<Case> rewritten;
  std::vector<Case>
      table;  // tests/scorers/math/equivalence_cases.tsv without its pathological rows
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::filesystem::path dir;
    if (const char* env = std::getenv("RBENCH_SHARED_DATA")) dir = env;
#ifdef RBENCH_SHARED_DATA_DIR
    if (dir.empty()) dir = RBENCH_SHARED_DATA_DIR;
#endif
    std::ifstream in(dir / "math500" / "test.jsonl");
    for (std::string line; std::getline(in, line);) {
      rapidjson::Document doc;
      doc.Parse(line.c_str());
      if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("answer")) continue;
      const std::string reference = doc["answer"].GetString();
      out.identical.push_back({"The answer is $\\boxed{" + reference + "}$.", reference});
      const math::Parsed parsed = math::parse_answer(reference);
      if (!parsed.ok) continue;
      for (const auto& r : math::testing::rewrites(parsed.expr)) {
        if (r.name == "printed") continue;
        out.rewritten.push_back({"So the final answer is $\\boxed{" + r.text + "}$.", reference});
      }
    }
    std::ifstream cases(std::filesystem::path(RBENCH_SOURCE_DIR) / "tests" / "scorers" / "math" /
                        "equivalence_cases.tsv");
    for (std::string line; std::getline(cases, line);) {
      if (line.empty() || line.starts_with("#")) continue;
      std::vector<std::string> cells;
      std::stringstream in(line);
      for (std::string cell; std::getline(in, cell, '\t');) cells.push_back(cell);
      if (cells.size() != 4 || cells[3] == "pathological") continue;
      out.table.push_back({"\\boxed{" + cells[0] + "}", cells[1]});
    }
    return out;
  }();
  return c;
}

void grade(benchmark::State& state, const std::vector<Case>& cases) {
  if (cases.empty()) {
    state.SkipWithError("MATH-500 not found: set RBENCH_SHARED_DATA");
    return;
  }
  const MathScorer scorer;
  std::map<std::string, double> rules;
  std::int64_t graded = 0, correct = 0;
  for (auto _ : state) {
    for (const Case& c : cases) {
      const Score s = scorer.score(c.response, c.reference);
      ++rules[s.rule];
      correct += s.correct ? 1 : 0;
      ++graded;
    }
  }
  state.SetItemsProcessed(graded);
  state.counters["correct_share"] = static_cast<double>(correct) / static_cast<double>(graded);
  for (const auto& [rule, n] : rules) {
    state.counters["rule_" + rule] = n / static_cast<double>(graded);
  }
}

void BM_MathGradeIdentical(benchmark::State& state) {
  grade(state, corpus().identical);
}
void BM_MathGradeRewritten(benchmark::State& state) {
  grade(state, corpus().rewritten);
}
// Our equivalence case table: every rule, symbolic and numeric ones included (the pathological
// rows, which run to the time bound on purpose, are left out).
void BM_MathGradeCaseTable(benchmark::State& state) {
  grade(state, corpus().table);
}
BENCHMARK(BM_MathGradeIdentical)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MathGradeRewritten)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MathGradeCaseTable)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace rbench
