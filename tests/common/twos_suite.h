// The runner tests' suite: math items whose answer is 2, scored by the math scorer, so that an
// engine answering "\boxed{2}" is right on every one. `question(i)` writes item i's question
// (engines under test may read a marker from it).
#pragma once

#include <functional>
#include <string>

#include "suites/suite.h"

namespace rbench::testing {

inline Suite twos_suite(
    int items, const std::function<std::string(int)>& question = [](int) {
      return std::string("What is 1 + 1?");
    }) {
  Suite s;
  s.name = "twos";
  s.version = "v1";
  s.prompt_template = "math-cot-boxed-v1";
  s.scorer = "math";
  for (int i = 0; i < items; ++i) {
    Item item;
    item.id = "q" + std::to_string(i);
    item.question = question(i);
    item.reference = "2";
    s.items.push_back(item);
  }
  return s;
}

}  // namespace rbench::testing
