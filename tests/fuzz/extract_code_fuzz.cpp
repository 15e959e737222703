// Fuzz target `extract_code`: program extraction for code items (scorers/code/extraction.h) on a
// response built from the input as reasoning + answer, like `extract_math`. The first byte picks
// the framing of the reasoning (bits 0-1, think_framing.h), the item and
// style (bits 2-3: chat with no header, chat with a HumanEval header, chat with a header that has
// a helper, completion style) and the split (the rest of it).
// Properties: extraction from the whole response equals extraction from the answer part alone
// (the reasoning never changes the program); with no header, each line of the chat-style program
// is text of the answer (line ends made LF; a fence's indentation and a final newline are the
// only changes extraction makes); in completion style, the program is the header followed by a
// prefix of the answer.
// fuzz-links: rbench_scorers_code
#include <algorithm>
#include <string>

#include "fuzz/fuzz_target.h"
#include "fuzz/think_framing.h"
#include "scorers/code/extraction.h"

namespace {

using rbench::Item;

constexpr std::size_t kMaxInput = 16 * 1024;

// CRLF made LF, as extract_program does before anything else.
std::string lf_only(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

Item code_item(int kind) {
  Item item;
  item.id = "HumanEval/0";
  item.code.tests = "def check(candidate):\n    assert candidate([1.0], 0.5) is False\n";
  if (kind == 0) {  // MBPP style: the tests call the function by name
    item.code.tests = "assert has_close_elements([1.0], 0.5) is False\n";
    return item;
  }
  item.code.entry_point = "has_close_elements";
  item.code.prompt =
      "from typing import List\n\n\n"
      "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
      "    \"\"\" Check if any two numbers are closer than threshold. \"\"\"\n";
  if (kind == 2) {
    item.code.prompt =
        "import math\n\n\ndef helper(x):\n    return math.fabs(x)\n\n\n" + item.code.prompt;
  }
  return item;
}

}  // namespace

RBENCH_FUZZ_TARGET(extract_code) {
  if (size < 1 || size > kMaxInput) return 0;
  const std::string_view rest = rbench::fuzz::as_text(data + 1, size - 1);
  const std::size_t split = (data[0] >> 4) * rest.size() / 15;
  const auto [reasoning, answer, response] =
      rbench::fuzz::frame_with_reasoning(data[0], rest.substr(0, split), rest.substr(split));
  const int kind = (data[0] >> 2) & 3;
  const bool completion_style = kind == 3;
  const Item item = code_item(completion_style ? 1 : kind);

  const auto whole = rbench::code::extract_program(item, response, completion_style);
  const auto alone = rbench::code::extract_program(item, answer, completion_style);
  rbench::fuzz::check(whole.program == alone.program && whole.method == alone.method,
                      "the reasoning does not change the program");
  rbench::fuzz::check(!whole.method.empty() && !whole.detail.empty(),
                      "every extraction says how it was found");
  const std::string lf_answer = lf_only(answer);
  if (completion_style) {
    const std::string_view program = whole.program;
    rbench::fuzz::check(program.starts_with(item.code.prompt) &&
                            lf_answer.starts_with(program.substr(item.code.prompt.size())),
                        "a completion-style program is the header and a prefix of the answer");
  } else if (kind == 0) {
    // A fenced block's lines lose up to the fence's indentation and each ends with a newline:
    // line by line, the program is text of the answer.
    for (std::string_view rest = whole.program; !rest.empty();) {
      const std::size_t end = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, end);
      if (lf_answer.find(line) == std::string::npos) {
        std::fprintf(stderr, "answer: [%s]\nprogram (%s): [%.*s]\nline: [%.*s]\n",
                     lf_answer.c_str(), whole.method.c_str(),
                     static_cast<int>(whole.program.size()), whole.program.data(),
                     static_cast<int>(line.size()), line.data());
      }
      rbench::fuzz::check(lf_answer.find(line) != std::string::npos,
                          "each line of a program without a header comes from the answer");
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
  }
  return 0;
}
