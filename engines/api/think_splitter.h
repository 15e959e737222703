// Separates reasoning written inline as <think>...</think> from the answer, as the text streams:
// a tag may arrive split over any number of chunks, so a possible partial tag is held back until
// the next chunk decides it.
#pragma once

#include <string>
#include <string_view>

namespace rbench {

// How reasoning written inline in the content as <think>...</think> is told apart from the
// answer (ThinkSplitter below). JSON: "off" | "leading" | "implicit_open".
enum class ThinkTags {
  off,            // the content is all answer
  leading,        // a <think>...</think> block at the start of the content is reasoning
  implicit_open,  // R1-style servers that omit the opening tag: content up to </think> reasons
};

std::string_view to_string(ThinkTags mode);

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
