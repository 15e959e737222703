// The JSON shapes of OpenAI's wire format, written once for both servers that speak it: the
// mock (tests) and `rbench serve` (any Engine). Plain values in, the exact bytes out; which
// fields a server fills (reasoning field name, usage details) is the caller's choice.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace rbench::wire {

// The "object" of each shape; a usage chunk carries its stream's.
inline constexpr std::string_view chat_chunk_object = "chat.completion.chunk";
inline constexpr std::string_view chat_object = "chat.completion";
inline constexpr std::string_view text_object = "text_completion";

// What every shape starts with: "id", "object", "created", "model".
struct Ids {
  std::string id;
  long long created = 0;
  std::string model;
};

// One string member of a delta or message, e.g. {"reasoning_content", "..."}.
struct Field {
  std::string_view key;
  std::string_view value;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  // Absent: no completion_tokens_details (the mock's raw-text API: a base model has no
  // reasoning).
  std::optional<std::int64_t> reasoning_tokens;
};

// A chat.completion.chunk with one choice: `delta` in order (empty for the final chunk) and the
// finish_reason (null while streaming).
std::string chat_chunk(const Ids& ids, std::initializer_list<Field> delta,
                       std::optional<std::string_view> finish_reason = std::nullopt);
// A text_completion chunk: one choice with `text`, logprobs null and the finish_reason.
std::string text_chunk(const Ids& ids, std::string_view text,
                       std::optional<std::string_view> finish_reason = std::nullopt);
// The include_usage chunk: empty choices and the usage; `object` is the stream's.
std::string usage_chunk(const Ids& ids, std::string_view object, const Usage& usage);
// A whole non-streaming chat.completion; `reasoning` follows content in the message when given.
std::string chat_completion(const Ids& ids, std::string_view content,
                            std::optional<Field> reasoning, std::string_view finish_reason,
                            const Usage& usage);
// A whole non-streaming text_completion.
std::string text_completion(const Ids& ids, std::string_view text, std::string_view finish_reason,
                            const Usage& usage);

}  // namespace rbench::wire
