// Fuzz target `extract_math`: final-answer extraction (scorers/math/answer_extraction.h) on a
// response built from the input as reasoning + answer. The first byte picks how the reasoning is
// marked (bits 0-1, the framings of think_framing.h) and where to split the rest.
// Properties: strip_think gives back exactly the answer part; extraction from the whole response
// equals extraction from the answer part alone (the reasoning can never change the result); and
// what the verbatim rules return (a box, several boxes, the whole text) is a substring of the
// answer part, so no text of the reasoning can come out.
// fuzz-links: rbench_scorers_math
#include <string>

#include "fuzz/fuzz_target.h"
#include "fuzz/think_framing.h"
#include "scorers/math/answer_extraction.h"

namespace {

using namespace rbench::math;

// The responses the scorer sees are at most a few hundred kB; 16 KiB reach every rule.
constexpr std::size_t kMaxInput = 16 * 1024;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

RBENCH_FUZZ_TARGET(extract_math) {
  if (size < 1 || size > kMaxInput) return 0;
  const std::string_view rest = rbench::fuzz::as_text(data + 1, size - 1);
  const std::size_t split = (data[0] >> 2) % (rest.size() + 1);
  const auto [reasoning, answer, response] =
      rbench::fuzz::frame_with_reasoning(data[0], rest.substr(0, split), rest.substr(split));

  rbench::fuzz::check(strip_think(response) == answer, "strip_think leaves the answer part");
  const Extraction whole = extract_answer(response);
  const Extraction alone = extract_answer(answer);
  rbench::fuzz::check(
      whole.text == alone.text && whole.rule == alone.rule && whole.parts == alone.parts,
      "the reasoning does not change the extraction");
  rbench::fuzz::check((whole.rule == ExtractionRule::none) == whole.text.empty(),
                      "an extraction is empty exactly when no rule found one");
  switch (whole.rule) {
    case ExtractionRule::boxed:
    case ExtractionRule::whole_text:
      rbench::fuzz::check(contains(answer, whole.text), "the answer's text comes from it");
      break;
    case ExtractionRule::several_boxed:
      for (const std::string& part : whole.parts) {
        rbench::fuzz::check(contains(answer, part), "each box's text comes from the answer");
      }
      break;
    default:
      break;  // the other rules normalise what they take (separators, JSON escapes)
  }
  const Extraction marked = extract_marked_answer(answer);
  rbench::fuzz::check((marked.rule == ExtractionRule::none) == marked.text.empty(),
                      "a marked extraction is empty exactly when nothing is marked");
  return 0;
}
