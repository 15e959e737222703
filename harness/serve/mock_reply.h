// The mock server's "model" (a heuristic baseline: sum the numbers of the question; a Python
// function with a `return None` body for code), its length-biased pairwise judge, and what its
// replies put into the OpenAI shapes of harness/http/openai_wire.h. Internal to the mock.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/serve/mock_openai_server.h"
#include "harness/serve/openai_wire.h"
#include "scorers/judge/judge_prompt.h"

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

// Output-length control as vLLM honours it (for latency probes): with `ignore_eos` the reply
// runs on with filler answer tokens up to max_tokens (finish "length"); with `min_tokens` it
// runs on to at least that many (finish unchanged). A reply already long enough is left as it is.
void extend_reply(Reply& reply, long min_tokens, std::optional<long> max_tokens, bool ignore_eos);

// Markers in a judged question that make the mock judge misbehave (see mock_openai_server.h).
inline constexpr std::string_view kJudgeGarbageMarker = "JUDGE_GARBAGE";
inline constexpr std::string_view kJudgeRefuseMarker = "JUDGE_REFUSE";

// The length-biased judge's label for answers of `length_a` and `length_b` bytes, as written
// in a verdict ("A>>B", "A>B", "A=B", "B>A", "B>>A"): the longer answer wins, significantly when
// it is at least twice as long, slightly when at least 1.2 times, else a tie.
std::string_view length_verdict(std::size_t length_a, std::size_t length_b);

// The judge's working (the two lengths) and its visible text for one game. `asked_again`: the
// request already holds an assistant message, i.e. a previous reply was sent back for a label.
std::string judge_reasoning_text(const judge::JudgePromptParts& game);
std::string judge_answer_text(const judge::JudgePromptParts& game, bool asked_again);
Reply make_judge_reply(const judge::JudgePromptParts& game, bool asked_again,
                       MockReasoningStyle style, std::optional<long> max_tokens);

// The baseline's raw-text continuation of `prompt`, before stop strings and max_tokens: for a
// prompt ending in a Python function header (HumanEval), a naive `return None` body and then,
// as base models do, more module code that stop strings such as "\nif __name__" are there to
// cut; otherwise " The answer is \boxed{N}." with N the sum of the prompt's numbers.
std::string continuation_text(std::string_view prompt);
// The continuation cut at the earliest stop string (finish "stop"), then at max_tokens tokens
// (finish "length"). All tokens are answer tokens; the first keeps its leading indentation.
Reply make_text_reply(std::string_view prompt, const std::vector<std::string>& stop,
                      std::optional<long> max_tokens);

// The delta / message field a reasoning token travels in for `style` (reasoning_content, or
// reasoning as some servers name it; think_tags and none mark no token as reasoning).
const char* reasoning_field(MockReasoningStyle style);
// The concatenated text of the reply's reasoning tokens, or of its answer tokens.
std::string joined_text(const Reply& reply, bool reasoning);
// The reply's usage; `details` adds completion_tokens_details, which the raw-text API leaves
// out (a base model has no reasoning).
wire::Usage usage_of(const Reply& reply, long prompt_tokens, bool details);

}  // namespace rbench::mock
