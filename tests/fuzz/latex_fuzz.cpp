// Fuzz target `latex`: the LaTeX lexer and parser (scorers/math/latex_parser.h) on any bytes, then
// the printer (scorers/math/printer.h) as its inverse. For every input that parses:
//   parse(to_latex(e)) == e                       (structural equality, Expr::operator==),
//   canonicalize is idempotent, and parse(to_latex(canonicalize(e))) == canonicalize(e).
// The parser refuses input past ParseLimits::max_length itself; longer inputs only re-test that
// refusal, so they are cut off here to keep the fuzzer on inputs that reach the grammar.
// fuzz-links: rbench_scorers_math
#include <string>

#include "fuzz/fuzz_target.h"
#include "scorers/math/expr.h"
#include "scorers/math/latex_parser.h"
#include "scorers/math/printer.h"

namespace {

using namespace rbench::math;

constexpr std::size_t kMaxInput = 4096;

// The printed form may be longer than the input ("½" prints as \frac{1}{2}) and nest deeper
// (parentheses the input left implicit), so it is read back under looser limits: the property is
// about the grammar, not the size refusal.
ParseLimits read_back_limits(std::size_t printed_size) {
  return ParseLimits{.max_length = printed_size + 1, .max_depth = 2 * ParseLimits{}.max_depth};
}

}  // namespace

RBENCH_FUZZ_TARGET(latex) {
  if (size > kMaxInput) return 0;
  const Parsed parsed = parse_answer(rbench::fuzz::as_text(data, size));
  if (!parsed.ok) {
    rbench::fuzz::check(!parsed.error.empty(), "a refused parse says why");
    return 0;
  }
  const std::string printed = to_latex(parsed.expr);
  const Parsed again = parse_answer(printed, read_back_limits(printed.size()));
  if (!again.ok || !(again.expr == parsed.expr)) {
    std::fprintf(stderr, "parsed:  %s\nprinted: %s\nread back: %s\n",
                 debug_string(parsed.expr).c_str(), printed.c_str(),
                 again.ok ? debug_string(again.expr).c_str() : again.error.c_str());
  }
  rbench::fuzz::check(again.ok, "the printed form of a parsed answer parses");
  rbench::fuzz::check(again.expr == parsed.expr, "parse(to_latex(e)) == e");

  const Expr canonical = canonicalize(parsed.expr);
  rbench::fuzz::check(canonicalize(canonical) == canonical, "canonicalize is idempotent");
  const std::string canonical_printed = to_latex(canonical);
  const Parsed canonical_again =
      parse_answer(canonical_printed, read_back_limits(canonical_printed.size()));
  if (!canonical_again.ok || !(canonical_again.expr == canonical)) {
    std::fprintf(stderr, "canonical: %s\nprinted: %s\nread back: %s\n",
                 debug_string(canonical).c_str(), canonical_printed.c_str(),
                 canonical_again.ok ? debug_string(canonical_again.expr).c_str()
                                    : canonical_again.error.c_str());
  }
  rbench::fuzz::check(canonical_again.ok && canonical_again.expr == canonical,
                      "parse(to_latex(canonicalize(e))) == canonicalize(e)");
  return 0;
}
