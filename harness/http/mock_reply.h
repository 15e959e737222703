// The mock server's "model" (a heuristic baseline: sum the numbers of the question; a Python
// function with a `return None` body for code) and the exact JSON shapes of OpenAI chat and
// raw-text completion chunks and responses. Internal to the mock.
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

// A Python function header in a text: "def name(...) -> T:" (also async, over several lines).
struct PythonHeader {
  std::string name;
  std::string text;    // from "def" (or "async") to the closing ':'
  std::string indent;  // what precedes it on its line
};
// The last header of `text`, the one a code prompt asks to complete.
std::optional<PythonHeader> last_python_header(std::string_view text);
// Whether a chat question asks for Python code ("```python" or "Python function").
bool asks_for_python(std::string_view question);

// The baseline's working and answer for `question`, e.g. "The answer is \boxed{15}.", or for a
// question asking for Python code a fenced block with its function header and `return None`.
std::string reasoning_text(std::string_view question);
std::string answer_text(std::string_view question);

Reply make_reply(std::string_view question, MockReasoningStyle style,
                 std::optional<long> max_tokens);

// The baseline's raw-text continuation of `prompt`, before stop strings and max_tokens: for a
// prompt ending in a Python function header (HumanEval), a naive `return None` body and then,
// as base models do, more module code that stop strings such as "\nif __name__" are there to
// cut; otherwise " The answer is \boxed{N}." with N the sum of the prompt's numbers.
std::string continuation_text(std::string_view prompt);
// The continuation cut at the earliest stop string (finish "stop"), then at max_tokens tokens
// (finish "length"). All tokens are answer tokens; the first keeps its leading indentation.
Reply make_text_reply(std::string_view prompt, const std::vector<std::string>& stop,
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

// The raw-text API's shapes ("object": "text_completion", as OpenAI and vLLM send it): a chunk
// with one choice carrying `text` and a finish_reason ("" for null), the include_usage chunk,
// and a whole non-streaming response.
std::string text_chunk(const ChunkIds& ids, std::string_view text, std::string_view finish_reason);
std::string text_usage_chunk(const ChunkIds& ids, long prompt_tokens, const Reply& reply);
std::string text_completion_json(const ChunkIds& ids, const Reply& reply, long prompt_tokens);

}  // namespace rbench::mock
