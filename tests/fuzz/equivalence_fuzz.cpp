// Fuzz target `equivalence`: the equivalence checker (scorers/math/equivalence.h) on a pair of
// texts, the input split in two at the point its first byte names, with GiNaC's time and size
// bounds in force (SymbolicBounds). Properties, beyond no crash and no exception:
// - no comparison runs past its budget (plus a fixed allowance for parsing and scheduling: the
//   point is that nothing hangs, so the allowance is loose);
// - reflexive: a parseable answer equals itself, as text and as a tree (the tree comparison skips
//   the "exact" rule, so canonical forms, relations and collections are exercised);
// - symmetric where the checker claims it (tests/scorers/math/equivalence_cases_test.cpp,
//   EqualCasesAreEqualBothWays): an equality by any rule but "rounded" and "decimal comma",
//   which accept a rounded or comma-written answer for an exact reference by design, and but an
//   answer that is a chain of equalities (its last side is its value only as the answer), is
//   not a difference the other way round.
// Inputs are capped at 1 KiB: the parser is linear and the symbolic steps are bounded by
// SymbolicBounds, so longer pairs only make each run slower, not reach new code.
// fuzz-links: rbench_scorers_math
#include <chrono>
#include <string>

#include "fuzz/fuzz_target.h"
#include "scorers/math/equivalence.h"
#include "scorers/math/latex_parser.h"
#include "scorers/math/text_util.h"

namespace {

using namespace rbench::math;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxInput = 1024;
constexpr std::chrono::milliseconds kBudget{1000};
constexpr std::chrono::milliseconds kAllowance{5000};

// One checker for the whole fuzzing process: its GiNaC thread is what the bounds protect.
const Equivalence& checker() {
  static const Equivalence equivalence([] {
    EquivalenceOptions options;
    options.budget = kBudget;
    options.symbolic.timeout = kBudget / 2;
    return options;
  }());
  return equivalence;
}

template <typename A, typename B>
Verdict timed_compare(const A& answer, const B& reference) {
  const auto start = Clock::now();
  Verdict v = checker().compare(answer, reference);
  rbench::fuzz::check(Clock::now() - start < kBudget + kAllowance,
                      "a comparison returns within its budget");
  rbench::fuzz::check(!v.rule.empty(), "every verdict names its rule");
  return v;
}

void check_reflexive(std::string_view text) {
  const Parsed parsed = parse_answer(text);
  if (!parsed.ok) return;
  const Verdict as_text = timed_compare(text, text);
  rbench::fuzz::check(as_text.equal == Tri::yes || trim(text).empty(),
                      "a parseable answer equals itself as text");
  const Verdict as_tree = timed_compare(parsed.expr, parsed.expr);
  if (as_tree.equal == Tri::no) {
    std::fprintf(stderr, "'%.*s' differs from itself: %s: %s\n", static_cast<int>(text.size()),
                 text.data(), as_tree.rule.c_str(), as_tree.reason.c_str());
  }
  rbench::fuzz::check(as_tree.equal != Tri::no, "a parsed answer is not different from itself");
}

bool claims_symmetry(const Verdict& v, std::string_view answer) {
  if (v.equal != Tri::yes || v.rule == "rounded" || v.rule == "decimal comma") return false;
  const Parsed parsed = parse_answer(answer);
  return parsed.ok && parsed.expr.kind != Kind::relation;
}

void check_symmetric(std::string_view a, std::string_view b, const Verdict& ab, const Verdict& ba) {
  if (!claims_symmetry(ab, a) || ba.equal != Tri::no) return;
  std::fprintf(stderr, "a: '%.*s'\nb: '%.*s'\na vs b: yes by %s (%s)\nb vs a: no by %s (%s)\n",
               static_cast<int>(a.size()), a.data(), static_cast<int>(b.size()), b.data(),
               ab.rule.c_str(), ab.reason.c_str(), ba.rule.c_str(), ba.reason.c_str());
  rbench::fuzz::check(false, "an equality the checker claims symmetric holds both ways");
}

}  // namespace

RBENCH_FUZZ_TARGET(equivalence) {
  if (size < 1 || size > kMaxInput) return 0;
  const std::string_view rest = rbench::fuzz::as_text(data + 1, size - 1);
  const std::size_t split = rest.empty() ? 0 : data[0] % (rest.size() + 1);
  const std::string_view a = rest.substr(0, split);
  const std::string_view b = rest.substr(split);

  const Verdict ab = timed_compare(a, b);
  const Verdict ba = timed_compare(b, a);
  check_symmetric(a, b, ab, ba);
  check_symmetric(b, a, ba, ab);
  check_reflexive(a);
  check_reflexive(b);
  return 0;
}
