// The mock server's "model" (a heuristic baseline: sum the numbers of the question) and the
// exact JSON shapes of OpenAI chat completion chunks and responses. Internal to the mock.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/http/mock_openai_server.h"

namespace rbench::mock {

// One streamed token: a chunk of text and the delta field it travels in.
struct Token {
  std::string text;
  bool reasoning = false;  // in reasoning_content / reasoning rather than content
};

struct Reply {
  std::vector<Token> tokens;  // already cut at max_tokens
  std::string finish_reason;  // "stop" or "length"
  long reasoning_tokens = 0;
};

// Whitespace-separated tokens of `text`, each keeping the whitespace that follows it, so the
// concatenation is the text again. Also the mock's token count for prompts.
std::vector<std::string> split_tokens(std::string_view text);

// The baseline's working and answer for `question`, e.g. "The answer is \boxed{15}.".
std::string reasoning_text(std::string_view question);
std::string answer_text(std::string_view question);

Reply make_reply(std::string_view question, MockReasoningStyle style,
                 std::optional<long> max_tokens);

struct ChunkIds {
  std::string id;
  long long created = 0;
  std::string model;
};

// A chat.completion.chunk with one choice whose delta carries `token` (or only the role, for
// the first chunk, or nothing and the finish_reason, for the last).
std::string first_chunk(const ChunkIds& ids);
std::string token_chunk(const ChunkIds& ids, const Token& token, MockReasoningStyle style);
std::string finish_chunk(const ChunkIds& ids, const std::string& finish_reason);
// The include_usage chunk: empty choices and the usage.
std::string usage_chunk(const ChunkIds& ids, long prompt_tokens, const Reply& reply);
// A whole non-streaming chat.completion.
std::string completion_json(const ChunkIds& ids, const Reply& reply, MockReasoningStyle style,
                            long prompt_tokens);

}  // namespace rbench::mock
