// The DeepSeek-V3/R1 chat template, applied to a message list as the published
// tokenizer_config.json's Jinja template does: BOS, the system prompt, <｜User｜> and
// <｜Assistant｜> turns, assistant turns closed by <｜end▁of▁sentence｜> with their reasoning
// (anything up to </think>) dropped, and the generation prompt.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engines/api/engine.h"

namespace rbench::moe {

inline constexpr std::string_view kBosToken = "<｜begin▁of▁sentence｜>";
inline constexpr std::string_view kEosToken = "<｜end▁of▁sentence｜>";
inline constexpr std::string_view kUserToken = "<｜User｜>";
inline constexpr std::string_view kAssistantToken = "<｜Assistant｜>";

struct ChatTemplateOptions {
  bool add_generation_prompt = true;
  bool open_think = true;  // R1: the generation prompt ends with "<think>\n"
};

std::string apply_chat_template(std::span<const ChatMessage> messages,
                                ChatTemplateOptions options = {});

}  // namespace rbench::moe
