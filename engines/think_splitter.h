// Separates reasoning written inline as <think>...</think> from the answer, as the text streams:
// a tag may arrive split over any number of chunks, so a possible partial tag is held back until
// the next chunk decides it.
#pragma once

#include <string>
#include <string_view>

#include "engines/model_profile.h"

namespace rbench {

class ThinkSplitter {
 public:
  struct Split {
    std::string reasoning;
    std::string answer;
    bool empty() const { return reasoning.empty() && answer.empty(); }
  };

  explicit ThinkSplitter(ThinkTags mode) : mode_(mode) {}

  // Text that can be attributed now; a possible partial tag stays buffered.
  Split feed(std::string_view text);
  // End of the content: whatever is buffered is attributed as it stands.
  Split finish();

 private:
  enum class State { start, after_open, thinking, after_think, answer };
  void run(Split& out, bool at_end);

  ThinkTags mode_;
  State state_ = State::start;
  std::string pending_;
};

}  // namespace rbench
