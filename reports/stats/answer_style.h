// The style of an answer that style control and length control account for: its length and its
// markdown density (headers, list items, bold spans), counted the way the published ArenaHard
// style control counts them.
#pragma once

#include <string_view>

namespace rbench::stats {

struct AnswerStyle {
  double length = 0;   // tokens, estimated (see answer_style.cpp: the published method counts
                       // tiktoken tokens; we count with a documented approximation)
  double headers = 0;  // markdown header lines (#..######)
  double lists = 0;    // list items (ordered and unordered)
  double bold = 0;     // **bold** and __bold__ spans
};

AnswerStyle answer_style(std::string_view answer);

}  // namespace rbench::stats
