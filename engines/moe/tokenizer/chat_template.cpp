// Followed: the Jinja chat_template of deepseek-ai/DeepSeek-R1's tokenizer_config.json in its
// later form (the one with ns.is_first_sp), as quoted verbatim in public code: system messages
// joined with "\n\n" after BOS wherever they stand in the list; user turns as
// '<｜User｜>' + content; assistant turns as '<｜Assistant｜>' + content.split('</think>')[-1] +
// '<｜end▁of▁sentence｜>'; the generation prompt '<｜Assistant｜><think>\n'. The template's
// tool-call branches are left out: ChatMessage has no tool calls, and a "tool" role is refused
// rather than rendered half-way.
#include "engines/moe/tokenizer/chat_template.h"

#include <fmt/format.h>

#include "harness/core/error.h"

namespace rbench::moe {

namespace {

constexpr std::string_view kThinkOpen = "<think>\n";
constexpr std::string_view kThinkClose = "</think>";

// content.split('</think>')[-1]: what follows the last "</think>", or all of it when there is none.
std::string_view drop_reasoning(std::string_view content) {
  const std::size_t at = content.rfind(kThinkClose);
  return at == std::string_view::npos ? content : content.substr(at + kThinkClose.size());
}

}  // namespace

std::string apply_chat_template(std::span<const ChatMessage> messages,
                                ChatTemplateOptions options) {
  std::string system;
  bool first_system = true;
  for (const ChatMessage& m : messages) {
    if (m.role != "system") continue;
    if (!first_system) system += "\n\n";
    system += m.content;
    first_system = false;
  }

  std::string out(kBosToken);
  out += system;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "system") continue;
    if (m.role == "user") {
      out += kUserToken;
      out += m.content;
    } else if (m.role == "assistant") {
      out += kAssistantToken;
      out += drop_reasoning(m.content);
      out += kEosToken;
    } else {
      throw DataError(fmt::format(
          "chat template: message {} has role \"{}\"; the DeepSeek template takes system, user, "
          "assistant",
          i, m.role));
    }
  }
  if (options.add_generation_prompt) {
    out += kAssistantToken;
    if (options.open_think) out += kThinkOpen;
  }
  return out;
}

}  // namespace rbench::moe
