// Numeric equivalence of normalised answers: strings, then structure, then values.
#include "scorers/math/equivalence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "scorers/math/expression_parser.h"
#include "scorers/math/sequence.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

// Sets are matched pairwise (quadratic); beyond this size only the exact string match counts.
constexpr std::size_t kMaxSetItems = 64;

bool is_plain_words(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || c == ' '; });
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string describe_shape(const Sequence& seq) {
  if (!seq.row_lengths.empty()) {
    std::string rows;
    for (std::size_t n : seq.row_lengths) rows += fmt::format("{}{}", rows.empty() ? "" : ",", n);
    return fmt::format("{} with rows of [{}]", seq.open, rows);
  }
  if (seq.open.empty()) return fmt::format("list of {}", seq.items.size());
  return fmt::format("{}..{} of {}", seq.open, seq.close, seq.items.size());
}

Verdict compare_numbers(const Number& a, const Number& b) {
  if (a.exact() && b.exact()) {
    const bool same = a.num() == b.num() && a.den() == b.den();
    return {same, fmt::format("{}rational {} {} {}", same ? "" : "different: ", a.to_string(),
                              same ? "=" : "!=", b.to_string())};
  }
  const double x = a.to_double();
  const double y = b.to_double();
  if (y == 0) {
    const double diff = std::fabs(x);
    const bool close = diff <= kRelativeTolerance;
    return {close,
            fmt::format("{}numeric |a-b| = {:.3g} {} {:g} (reference is 0)",
                        close ? "" : "different: ", diff, close ? "<=" : ">", kRelativeTolerance)};
  }
  const double rel = std::fabs(x - y) / std::fabs(y);
  const bool close = rel <= kRelativeTolerance;
  return {close, fmt::format("{}numeric {:.12g} vs {:.12g}: |a-b|/|b| = {:.3g} {} {:g}",
                             close ? "" : "different: ", x, y, rel, close ? "<=" : ">",
                             kRelativeTolerance)};
}

}  // namespace

Verdict NumericEquivalence::compare_scalar(std::string_view answer,
                                           std::string_view reference) const {
  if (answer == reference) return {true, "exact match after normalisation"};
  if (is_plain_words(answer) && equal_ignoring_case(answer, reference)) {
    return {true, "exact match ignoring case"};
  }
  const auto a = evaluate_expression(answer);
  const auto b = evaluate_expression(reference);
  if (a && b) return compare_numbers(*a, *b);
  const char* unparsable =
      !a && !b ? "neither side is" : (!a ? "the answer is not" : "the reference is not");
  return {false, fmt::format("different: strings differ and {} a numeric expression", unparsable)};
}

Verdict NumericEquivalence::compare(std::string_view answer, std::string_view reference) const {
  if (answer == reference) return {true, "exact match after normalisation"};
  const auto sa = split_sequence(answer);
  const auto sb = split_sequence(reference);
  if (!sa && !sb) return compare_scalar(answer, reference);
  if (!sa || !sb) {
    return {false, fmt::format("different: {} vs {}", sa ? describe_shape(*sa) : "a single value",
                               sb ? describe_shape(*sb) : "a single value")};
  }
  if (sa->open != sb->open || sa->close != sb->close || sa->row_lengths != sb->row_lengths ||
      sa->items.size() != sb->items.size()) {
    return {false, fmt::format("different: {} vs {}", describe_shape(*sa), describe_shape(*sb))};
  }
  const std::size_t n = sa->items.size();
  if (sa->unordered) {
    if (n > kMaxSetItems) return {false, fmt::format("different: sets of {} items differ", n)};
    std::vector<bool> used(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      bool found = false;
      for (std::size_t j = 0; j < n && !found; ++j) {
        if (!used[j] && compare_scalar(sa->items[i], sb->items[j]).equal) used[j] = found = true;
      }
      if (!found) {
        return {false, fmt::format("different: set item '{}' has no equal in the reference",
                                   sa->items[i])};
      }
    }
    return {true, fmt::format("sets equal ({} items)", n)};
  }
  for (std::size_t i = 0; i < n; ++i) {
    Verdict v = compare_scalar(sa->items[i], sb->items[i]);
    if (!v.equal) {
      return {false, fmt::format("different at item {} of {} ('{}' vs '{}'): {}", i + 1, n,
                                 sa->items[i], sb->items[i], v.reason)};
    }
  }
  return {true, fmt::format("{} equal item by item", describe_shape(*sa))};
}

}  // namespace rbench::math
