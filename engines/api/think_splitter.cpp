// Rules (ThinkTags in think_splitter.h):
//   off            content is all answer.
//   leading        a <think>...</think> block at the start of the content (leading whitespace
//                  allowed) is reasoning; a <think> later in the text is left alone, since a
//                  model may quote the tag in an answer.
//   implicit_open  the server put <think> in the prompt and the content starts inside the
//                  reasoning: everything up to the first </think> is reasoning (a leading <think>
//                  is accepted too). With no </think> at all the whole content is reasoning, the
//                  rule vLLM's deepseek_r1 parser follows.
// The whitespace right after <think> and right after </think> is dropped.
#include "engines/api/think_splitter.h"

#include <algorithm>
#include <cctype>

namespace rbench {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Length of the longest suffix of `text` that is a proper prefix of `tag`.
std::size_t partial_tag_suffix(std::string_view text, std::string_view tag) {
  for (std::size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

ThinkSplitter::Split ThinkSplitter::feed(std::string_view text) {
  Split out;
  if (mode_ == ThinkTags::off) {
    out.answer = text;
    return out;
  }
  pending_.append(text);
  run(out, false);
  return out;
}

ThinkSplitter::Split ThinkSplitter::finish() {
  Split out;
  if (mode_ == ThinkTags::off) return out;
  run(out, true);
  return out;
}

void ThinkSplitter::run(Split& out, bool at_end) {
  while (!pending_.empty()) {
    switch (state_) {
      case State::start: {
        const auto first = std::find_if_not(pending_.begin(), pending_.end(), is_space);
        const std::string_view rest(first, pending_.end());
        if (rest.starts_with(kOpen)) {
          pending_.erase(pending_.begin(), first + static_cast<long>(kOpen.size()));
          state_ = State::after_open;
        } else if (!at_end && kOpen.starts_with(rest)) {
          return;  // only whitespace or a partial "<think" so far
        } else if (mode_ == ThinkTags::implicit_open) {
          state_ = State::thinking;
        } else {
          state_ = State::answer;
        }
        break;
      }
      case State::thinking: {
        const auto close = pending_.find(kClose);
        if (close != std::string::npos) {
          out.reasoning.append(pending_, 0, close);
          pending_.erase(0, close + kClose.size());
          state_ = State::after_think;
          break;
        }
        const std::size_t keep = at_end ? 0 : partial_tag_suffix(pending_, kClose);
        out.reasoning.append(pending_, 0, pending_.size() - keep);
        pending_.erase(0, pending_.size() - keep);
        return;
      }
      case State::after_open:
      case State::after_think: {
        const auto first = std::find_if_not(pending_.begin(), pending_.end(), is_space);
        pending_.erase(pending_.begin(), first);
        if (pending_.empty()) return;
        state_ = state_ == State::after_open ? State::thinking : State::answer;
        break;
      }
      case State::answer:
        out.answer.append(pending_);
        pending_.clear();
        return;
    }
  }
}

std::string_view to_string(ThinkTags mode) {
  switch (mode) {
    case ThinkTags::off:
      return "off";
    case ThinkTags::leading:
      return "leading";
    case ThinkTags::implicit_open:
      return "implicit_open";
  }
  return "unknown";
}

}  // namespace rbench
