// A model response made of fuzzed reasoning and a fuzzed answer, with the reasoning marked the
// ways servers and models leave it inline. Shared by the extraction targets (extract_math,
// extract_code), whose property is the same: the reasoning never changes what is extracted.
#pragma once

#include <string>
#include <string_view>

namespace rbench::fuzz {

// `text` with every think tag removed, repeatedly, so that none is left (removing one may join
// two halves into another): the split between reasoning and answer is then exactly the one meant.
inline std::string without_think_tags(std::string_view text) {
  std::string s(text);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view tag : {std::string_view("<think>"), std::string_view("</think>")}) {
      for (auto at = s.find(tag); at != std::string::npos; at = s.find(tag)) {
        s.erase(at, tag.size());
        changed = true;
      }
    }
  }
  return s;
}

struct ThinkFramed {
  std::string reasoning;  // without think tags
  std::string answer;     // without think tags
  std::string response;   // both, framed
};

// The framings (`framing` & 3):
//   0: <think>REASONING</think>ANSWER        (a server that left reasoning inline)
//   1: REASONING</think>ANSWER               (the opening tag was in the prompt)
//   2: ANSWER<think>REASONING                (cut off while thinking again)
//   3: <think>R</think><think>R</think>ANSWER
inline ThinkFramed frame_with_reasoning(unsigned framing, std::string_view reasoning,
                                        std::string_view answer) {
  ThinkFramed f{without_think_tags(reasoning), without_think_tags(answer), {}};
  switch (framing & 3) {
    case 0:
      f.response = "<think>" + f.reasoning + "</think>" + f.answer;
      break;
    case 1:
      f.response = f.reasoning + "</think>" + f.answer;
      break;
    case 2:
      f.response = f.answer + "<think>" + f.reasoning;
      break;
    default:
      f.response =
          "<think>" + f.reasoning + "</think><think>" + f.reasoning + "</think>" + f.answer;
  }
  return f;
}

}  // namespace rbench::fuzz
