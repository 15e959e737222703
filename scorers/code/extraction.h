// Finding the program in a model's answer to a code item: the Python block of a chat answer, or
// the raw completion of a function header, stitched onto the item's header where needed so the
// result runs on its own.
#pragma once

#include <string>
#include <string_view>

#include "suites/suite.h"

namespace rbench::code {

struct Extracted {
  std::string program;  // what the sandbox runs as the candidate
  std::string method;   // how it was found, stored with the score: "fenced block",
                        // "unterminated fence", "no fence", "no python fence", "empty",
                        // "prompt + completion"
  std::string detail;   // which block, and how it was stitched, for drill-down
};

// The program in `answer`, after <think> blocks are removed and CRLF line ends made LF.
//
// Chat style (completion_style false): the Python fenced block (``` or ~~~, three or more, closed
// by a fence of the same character at least as long, so a ```` block may contain ``` lines). Blocks
// labelled python, py, python3 or py3 and unlabeled blocks are candidates; blocks in another
// language (```bash, ```text, ```output) are skipped. Among complete candidates the one chosen is
// the last of the best rank: defines the entry point > defines some function or class >
// labelled python > unlabeled, so usage examples and printed output after the solution are not
// taken for it. With no complete candidate, an unterminated candidate (cut at max tokens) is used
// ("unterminated fence"); with no fence at all, the whole answer ("no fence").
// Then, for items with a header (code.prompt non-empty): a block defining `def <entry_point>` is
// kept whole, with the header's imports prepended, or the header's code before the entry point
// (its helpers) when the block lacks one of the header's functions; a block that does not define
// it is taken as the body and appended to the header (indented first if written at column 0).
//
// Completion style: the header followed by the completion cut at its first stop string (the
// server should already have stopped there; it is cut again in case it did not).
Extracted extract_program(const Item& item, std::string_view answer, bool completion_style);

}  // namespace rbench::code
