// Reads one attempt's response from an OpenAI-compatible /chat/completions or /completions: the
// data of each SSE event of a stream, or a whole non-streaming JSON body. Text goes to the
// TokenSink as it comes and is kept, with finish_reason, usage and timings, for the Completion.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "engines/api/engine.h"
#include "engines/api/think_splitter.h"

namespace rbench {

// An {"error": {...}} object the server sent instead of (or in the middle of) a completion.
struct ServerError {
  std::string message;
  std::optional<long> code;  // error.code or error.status when numeric
};

// Which API the response comes from: chat choices carry `delta`/`message` objects, raw-text
// (legacy) completions a plain `text`.
enum class CompletionApi { chat, text };

class ResponseAccumulator {
 public:
  // A raw-text completion is all answer: a base model continuing code has no reasoning channel,
  // and a <think> it writes stays in the text for the scorer to deal with.
  ResponseAccumulator(ThinkTags think_tags, TokenSink* sink,
                      CompletionApi api = CompletionApi::chat)
      : splitter_(api == CompletionApi::text ? ThinkTags::off : think_tags),
        sink_(sink),
        api_(api) {}

  // One SSE event's data at `t_s` seconds into the attempt. Returns false on a protocol error
  // (protocol_error() says what); "[DONE]" marks the end of the stream.
  bool on_stream_data(std::string_view data, double t_s);
  // A complete non-streaming response body. Returns false on a protocol error.
  bool on_json_body(std::string_view body, double t_s);
  // End of the response: releases text the think splitter still holds.
  void finish(double t_s);

  bool done() const { return done_; }  // "[DONE]" was received
  bool saw_finish_reason() const { return !completion_.finish_reason.empty(); }
  const std::string& protocol_error() const { return protocol_error_; }
  const std::optional<ServerError>& server_error() const { return server_error_; }
  // The accumulated text, finish_reason, usage and timings (ttft, chunk times).
  const Completion& completion() const { return completion_; }

 private:
  // `message_key`: "delta" in a chat stream, "message" in a whole chat response.
  void read_choice(const rapidjson::Value& choice, const char* message_key, double t_s);
  void read_usage(const rapidjson::Value& usage);
  void add_reasoning(std::string_view text, double t_s);
  void add_content(std::string_view text, double t_s);
  void emit(const ThinkSplitter::Split& split, double t_s);

  ThinkSplitter splitter_;
  TokenSink* sink_;
  CompletionApi api_;
  Completion completion_;
  bool done_ = false;
  bool saw_reasoning_field_ = false;
  std::string protocol_error_;
  std::optional<ServerError> server_error_;
};

// The message of an {"error": ...} body (OpenAI, vLLM, Ollama and FastAPI shapes), if any.
std::optional<ServerError> parse_error_body(std::string_view body);

}  // namespace rbench
