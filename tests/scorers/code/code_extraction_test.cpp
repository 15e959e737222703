// Program extraction for code items: which fenced block is taken, how it is stitched onto the
// header, and how completions are cut.
#include "scorers/code/extraction.h"

#include <gtest/gtest.h>

#include <string>

namespace rbench::code {
namespace {

// A HumanEval-shaped item: imports, then the entry point's header and docstring.
Item header_item() {
  Item item;
  item.id = "t/0";
  item.code.prompt =
      "from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    \"\"\"Sum xs.\"\"\"\n";
  item.code.entry_point = "total";
  item.code.tests = "def check(candidate):\n    assert candidate([1, 2]) == 3\n";
  item.question = item.code.prompt;
  return item;
}

// An MBPP-shaped item: no header, the tests call the function by name.
Item mbpp_item() {
  Item item;
  item.id = "mbpp/11";
  item.question = "Write add. Your code should pass these tests:\n\nassert add(1, 2) == 3";
  item.code.tests = "assert add(1, 2) == 3";
  return item;
}

TEST(CodeExtraction, TakesTheLastCompleteFence) {
  const std::string answer =
      "First try:\n```python\ndef add(a, b):\n    return a - b\n```\n"
      "Fixed:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.";
  const Extracted e = extract_program(mbpp_item(), answer, false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.method, "fenced block");
  EXPECT_EQ(e.detail, "block 2 of 2 (python)");
}

TEST(CodeExtraction, AnUnterminatedFenceLosesToACompleteOne) {
  const std::string answer =
      "```python\ndef add(a, b):\n    return a + b\n```\nNow a faster version:\n```python\n"
      "def add(a, b):\n    return sum((a,";
  const Extracted e = extract_program(mbpp_item(), answer, false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.method, "fenced block");
}

TEST(CodeExtraction, AnUnterminatedFenceAloneIsTaken) {
  const Extracted e =
      extract_program(mbpp_item(), "Here:\n```python\ndef add(a, b):\n    return a + b\n", false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.method, "unterminated fence");
}

TEST(CodeExtraction, ThinkBlocksAreIgnored) {
  const std::string answer =
      "<think>Maybe\n```python\ndef add(a, b):\n    return 0\n```\nno.</think>\n"
      "```python\ndef add(a, b):\n    return a + b\n```";
  EXPECT_EQ(extract_program(mbpp_item(), answer, false).program,
            "def add(a, b):\n    return a + b\n");
  // Cut off while thinking: nothing visible is left.
  EXPECT_EQ(extract_program(mbpp_item(), "<think>```python\nx = 1\n```", false).method, "empty");
}

TEST(CodeExtraction, UnlabeledFencesCount) {
  const Extracted e =
      extract_program(mbpp_item(), "```\ndef add(a, b):\n    return a + b\n```", false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.detail, "block 1 of 1 (unlabeled)");
}

TEST(CodeExtraction, OtherLanguagesAreSkipped) {
  const std::string answer =
      "```py\ndef add(a, b):\n    return a + b\n```\nRun it with:\n```bash\npython3 add.py\n```\n"
      "Output:\n```text\n3\n```";
  const Extracted e = extract_program(mbpp_item(), answer, false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.detail, "block 1 of 3 (py)");
  const Extracted none = extract_program(mbpp_item(), "```bash\necho hi\n```", false);
  EXPECT_EQ(none.method, "no python fence");
}

TEST(CodeExtraction, UsageExamplesAfterTheSolutionAreNotTakenForIt) {
  // The last block only calls the function; the one defining it wins.
  const std::string answer =
      "```python\ndef add(a, b):\n    return a + b\n```\nExample:\n```python\nprint(add(1, 2))\n"
      "```\nOutput:\n```\n3\n```";
  const Extracted e = extract_program(mbpp_item(), answer, false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.detail, "block 1 of 3 (python)");
}

TEST(CodeExtraction, NoFenceTakesTheWholeAnswer) {
  const Extracted e = extract_program(mbpp_item(), "def add(a, b):\n    return a + b\n", false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.method, "no fence");
}

TEST(CodeExtraction, ABodyIsAppendedToTheHeader) {
  const Item item = header_item();
  const Extracted e = extract_program(item, "```python\n    return sum(xs)\n```", false);
  EXPECT_EQ(e.program, item.code.prompt + "    return sum(xs)\n");
  EXPECT_EQ(e.detail, "block 1 of 1 (python); taken as the body and appended to the header");
  // A body written at column 0 is indented under the header.
  const Extracted flat =
      extract_program(item,
                      "```python\nresult = 0\nfor x in xs:\n    result += x\n\nreturn "
                      "result\n```",
                      false);
  EXPECT_EQ(flat.program, item.code.prompt +
                              "    result = 0\n    for x in xs:\n        result += x\n\n"
                              "    return result\n");
  EXPECT_NE(flat.detail.find("body indented by 4 spaces"), std::string::npos);
}

TEST(CodeExtraction, AWholeFunctionGetsTheHeadersImports) {
  const Item item = header_item();
  const Extracted e = extract_program(
      item, "Sure!\n```python\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n```", false);
  EXPECT_EQ(e.program,
            "from typing import List\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n");
  EXPECT_EQ(e.detail, "block 1 of 1 (python); defines total, the header's imports prepended");
}

TEST(CodeExtraction, AWholeFunctionWithoutTheHeadersHelperGetsTheHeaderCode) {
  Item item;
  item.code.prompt =
      "import math\n\n\ndef helper(x):\n    return x * 2\n\n\ndef main(x):\n    \"\"\"Use "
      "helper.\"\"\"\n";
  item.code.entry_point = "main";
  item.code.tests = "def check(candidate):\n    assert candidate(1) == 2\n";
  const Extracted e =
      extract_program(item, "```python\ndef main(x):\n    return helper(x)\n```", false);
  EXPECT_EQ(e.program,
            "import math\n\n\ndef helper(x):\n    return x * 2\n\n\n\ndef main(x):\n    return "
            "helper(x)\n");
  EXPECT_NE(e.detail.find("the header's code before it prepended"), std::string::npos);
  // A block that redefines the helper too needs only the imports.
  const Extracted both = extract_program(
      item,
      "```python\ndef helper(x):\n    return x + x\n\ndef main(x):\n    return helper(x)\n```",
      false);
  EXPECT_EQ(both.program,
            "import math\n\ndef helper(x):\n    return x + x\n\ndef main(x):\n    return "
            "helper(x)\n");
}

TEST(CodeExtraction, CompletionsFollowTheHeaderAndAreCutAtStops) {
  const Item item = header_item();
  const Extracted e = extract_program(
      item, "    return sum(xs)\n\n\ndef unused():\n    pass\nprint(total([1]))", true);
  EXPECT_EQ(e.program, item.code.prompt + "    return sum(xs)\n\n");
  EXPECT_EQ(e.method, "prompt + completion");
  EXPECT_EQ(e.detail, "cut at stop \"\\ndef\"");
  // The earliest stop wins, whichever string it is.
  EXPECT_EQ(extract_program(item, "    return 1\n# note\ndef x", true).program,
            item.code.prompt + "    return 1");
  const Extracted uncut = extract_program(item, "    return sum(xs)\n", true);
  EXPECT_EQ(uncut.program, item.code.prompt + "    return sum(xs)\n");
  EXPECT_EQ(uncut.detail, "no stop string in the completion");
}

TEST(CodeExtraction, MbppCompletionsKeepHelpersAndStopAtTests) {
  const Extracted e = extract_program(
      mbpp_item(), "import math\ndef add(a, b):\n    return a + b\nassert add(1, 2) == 3\n", true);
  EXPECT_EQ(e.program, "import math\ndef add(a, b):\n    return a + b");
}

TEST(CodeExtraction, LongerFencesMayContainShorterOnes) {
  // CommonMark: a fence closes only with at least as many backticks as opened it.
  const std::string answer =
      "````python\ndef add(a, b):\n    s = \"\"\"\n```\nnot a fence\n```\n\"\"\"\n"
      "    return a + b\n````\n";
  const Extracted e = extract_program(mbpp_item(), answer, false);
  EXPECT_EQ(e.program,
            "def add(a, b):\n    s = \"\"\"\n```\nnot a fence\n```\n\"\"\"\n    return a + b\n");
  EXPECT_EQ(e.method, "fenced block");
  // Backticks inside a line are no fence at all.
  const Extracted inline_ticks = extract_program(
      mbpp_item(), "```python\ndef add(a, b):\n    return a + b  # not ```this```\n```", false);
  EXPECT_EQ(inline_ticks.program, "def add(a, b):\n    return a + b  # not ```this```\n");
  // Tilde fences and indented fences (inside a list item) work too.
  EXPECT_EQ(extract_program(mbpp_item(), "~~~python\nx = 1\n~~~", false).program, "x = 1\n");
  EXPECT_EQ(extract_program(mbpp_item(),
                            "1. Code:\n   ```python\n   def add(a, b):\n       "
                            "return a + b\n   ```",
                            false)
                .program,
            "def add(a, b):\n    return a + b\n");
}

TEST(CodeExtraction, CrlfLineEndsBecomeLf) {
  const Extracted e = extract_program(
      mbpp_item(), "Here:\r\n```Python\r\ndef add(a, b):\r\n    return a + b\r\n```\r\n", false);
  EXPECT_EQ(e.program, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(e.method, "fenced block");
  const Item item = header_item();
  EXPECT_EQ(extract_program(item, "    return sum(xs)\r\n\r\ndef x", true).program,
            item.code.prompt + "    return sum(xs)\n");
}

TEST(CodeExtraction, EmptyAnswers) {
  EXPECT_EQ(extract_program(mbpp_item(), "", false).method, "empty");
  EXPECT_EQ(extract_program(mbpp_item(), " \n\t", false).program, "");
  const Item item = header_item();
  EXPECT_EQ(extract_program(item, "", true).program, item.code.prompt);
}

}  // namespace
}  // namespace rbench::code
