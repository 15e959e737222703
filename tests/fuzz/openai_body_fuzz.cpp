// Fuzz target `openai_body`: a whole OpenAI-compatible response body (chat.completion,
// text_completion, or an error in the OpenAI, vLLM, Ollama or FastAPI shape) through the client's
// parsing: ResponseAccumulator::on_json_body, on_stream_data and parse_error_body. Byte 0 picks
// the think mode and API. Properties: a body is either a completion, a server error or a
// protocol error, never two of these; a body read as an error by the accumulator is one for
// parse_error_body too; the text read back is never longer than the body.
// fuzz-links: rbench_engines_openai
#include <string_view>

#include "engines/api/think_splitter.h"
#include "engines/openai/openai_response.h"
#include "fuzz/fuzz_target.h"

RBENCH_FUZZ_TARGET(openai_body) {
  using rbench::fuzz::check;
  if (size < 1) return 0;
  const auto mode = static_cast<rbench::ThinkTags>(data[0] % 3);
  const auto api = (data[0] & 0x4) ? rbench::CompletionApi::text : rbench::CompletionApi::chat;
  const std::string_view body = rbench::fuzz::as_text(data + 1, size - 1);

  rbench::ResponseAccumulator whole(mode, nullptr, api);
  const bool ok = whole.on_json_body(body, 0.0);
  whole.finish(0.0);
  const auto error = rbench::parse_error_body(body);
  if (!ok) {
    check(!whole.protocol_error().empty(), "a refused body has no protocol error");
    check(!whole.server_error(), "a refused body is also a server error");
  } else {
    check(whole.protocol_error().empty(), "an accepted body has a protocol error");
    check(whole.server_error().has_value() == error.has_value(),
          "the accumulator and parse_error_body disagree about an error body");
    check(whole.server_error() || whole.done(), "an accepted completion is not done");
  }
  // JSON strings only shrink when unescaped (\uXXXX is 6 bytes for at most 4).
  const auto& c = whole.completion();
  check(c.reasoning.size() + c.answer.size() <= body.size(), "more text than the body holds");

  // The same JSON as one streamed chunk's data.
  rbench::ResponseAccumulator chunk(mode, nullptr, api);
  if (chunk.on_stream_data(body, 0.0)) {
    check(chunk.protocol_error().empty(), "an accepted chunk has a protocol error");
  } else {
    check(!chunk.protocol_error().empty(), "a refused chunk has no protocol error");
  }
  chunk.finish(0.0);
  return 0;
}
