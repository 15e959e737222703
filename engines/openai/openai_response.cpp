#include "engines/openai/openai_response.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <cstdlib>

namespace rbench {
namespace {

constexpr std::size_t kSnippet = 160;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string snippet(std::string_view s) {
  return s.size() <= kSnippet ? std::string(s) : fmt::format("{}...", s.substr(0, kSnippet));
}

// The string member `key` of `object`, or "" when absent, null or not a string.
std::string_view string_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return {};
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::optional<long> numeric_member(const rapidjson::Value& object, const char* key) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return std::nullopt;
  if (it->value.IsInt64()) return static_cast<long>(it->value.GetInt64());
  if (it->value.IsString()) {
    char* end = nullptr;
    const long n = std::strtol(it->value.GetString(), &end, 10);
    if (end && *end == '\0' && it->value.GetStringLength() > 0) return n;
  }
  return std::nullopt;
}

std::optional<ServerError> error_from(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return std::nullopt;
  const auto it = doc.FindMember("error");
  if (it != doc.MemberEnd() && it->value.IsString()) {
    return ServerError{it->value.GetString(), std::nullopt};  // Ollama: {"error": "..."}
  }
  if (it != doc.MemberEnd() && it->value.IsObject()) {
    ServerError e{std::string(string_member(it->value, "message")), std::nullopt};
    e.code = numeric_member(it->value, "code");
    if (!e.code) e.code = numeric_member(it->value, "status");
    if (e.message.empty()) e.message = "(no message)";
    return e;
  }
  if (string_member(doc, "object") == "error") {  // vLLM: {"object": "error", "message": ...}
    ServerError e{std::string(string_member(doc, "message")), numeric_member(doc, "code")};
    return e;
  }
  if (const auto detail = string_member(doc, "detail"); !detail.empty()) {
    return ServerError{std::string(detail), std::nullopt};  // FastAPI
  }
  return std::nullopt;
}

}  // namespace

std::optional<ServerError> parse_error_body(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) return std::nullopt;
  return error_from(doc);
}

bool ResponseAccumulator::on_stream_data(std::string_view data, double t_s) {
  data = trimmed(data);
  if (data == "[DONE]") {
    done_ = true;
    return true;
  }
  // Raw RapidJSON, not json::Value: this runs once per streamed token, and a bad chunk is a
  // protocol error recorded with the sample (a value), not a DataError about a file.
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    protocol_error_ = fmt::format(
        "malformed JSON in a stream chunk ({}): {}",
        doc.HasParseError() ? rapidjson::GetParseError_En(doc.GetParseError()) : "not an object",
        snippet(data));
    return false;
  }
  if (auto error = error_from(doc)) {
    server_error_ = std::move(error);
    return true;
  }
  const auto choices = doc.FindMember("choices");
  if (choices != doc.MemberEnd() && choices->value.IsArray() && !choices->value.Empty()) {
    read_choice(choices->value[0], "delta", t_s);
  }
  const auto usage = doc.FindMember("usage");
  if (usage != doc.MemberEnd() && usage->value.IsObject()) read_usage(usage->value);
  return true;
}

bool ResponseAccumulator::on_json_body(std::string_view body, double t_s) {
  // A server's reply: a malformed one is a protocol error stored with the sample, so raw RapidJSON.
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    protocol_error_ = fmt::format("malformed JSON response: {}", snippet(body));
    return false;
  }
  if (auto error = error_from(doc)) {
    server_error_ = std::move(error);
    return true;
  }
  const auto choices = doc.FindMember("choices");
  if (choices == doc.MemberEnd() || !choices->value.IsArray() || choices->value.Empty()) {
    protocol_error_ = fmt::format("response has no choices: {}", snippet(body));
    return false;
  }
  read_choice(choices->value[0], "message", t_s);
  const auto usage = doc.FindMember("usage");
  if (usage != doc.MemberEnd() && usage->value.IsObject()) read_usage(usage->value);
  done_ = true;
  return true;
}

void ResponseAccumulator::finish(double t_s) {
  emit(splitter_.finish(), t_s);
}

void ResponseAccumulator::read_choice(const rapidjson::Value& choice, const char* message_key,
                                      double t_s) {
  if (!choice.IsObject()) return;
  const auto message = choice.FindMember(message_key);
  bool had_text = false;
  if (api_ == CompletionApi::text) {
    const auto text = string_member(choice, "text");
    had_text = !text.empty();
    if (had_text) add_content(text, t_s);
  } else if (message != choice.MemberEnd() && message->value.IsObject()) {
    // DeepSeek and vLLM say reasoning_content, OpenRouter and others reasoning.
    auto reasoning = string_member(message->value, "reasoning_content");
    if (reasoning.empty()) reasoning = string_member(message->value, "reasoning");
    const auto content = string_member(message->value, "content");
    had_text = !reasoning.empty() || !content.empty();
    if (!reasoning.empty()) add_reasoning(reasoning, t_s);
    if (!content.empty()) add_content(content, t_s);
  }
  if (const auto finish = string_member(choice, "finish_reason"); !finish.empty()) {
    completion_.finish_reason = finish;
  }
  if (had_text) {
    Timings& timings = completion_.timings;
    if (timings.ttft_s < 0) timings.ttft_s = t_s;
    timings.chunk_times_s.push_back(t_s);
  }
}

void ResponseAccumulator::read_usage(const rapidjson::Value& usage) {
  Usage& u = completion_.usage;
  if (const auto v = numeric_member(usage, "prompt_tokens")) u.prompt_tokens = *v;
  if (const auto v = numeric_member(usage, "completion_tokens")) u.completion_tokens = *v;
  const auto details = usage.FindMember("completion_tokens_details");
  if (details != usage.MemberEnd() && details->value.IsObject()) {
    if (const auto v = numeric_member(details->value, "reasoning_tokens")) u.reasoning_tokens = *v;
  }
  // Prompt tokens served from the provider's cache, billed at its cached rate: OpenAI says
  // prompt_tokens_details.cached_tokens, DeepSeek prompt_cache_hit_tokens.
  const auto prompt_details = usage.FindMember("prompt_tokens_details");
  if (prompt_details != usage.MemberEnd() && prompt_details->value.IsObject()) {
    if (const auto v = numeric_member(prompt_details->value, "cached_tokens")) {
      u.cached_prompt_tokens = *v;
    }
  }
  if (const auto v = numeric_member(usage, "prompt_cache_hit_tokens")) u.cached_prompt_tokens = *v;
}

void ResponseAccumulator::add_reasoning(std::string_view text, double t_s) {
  saw_reasoning_field_ = true;
  emit({std::string(text), {}}, t_s);
}

void ResponseAccumulator::add_content(std::string_view text, double t_s) {
  // A server that sends reasoning in its own field has already taken it out of the content.
  if (saw_reasoning_field_) {
    emit({{}, std::string(text)}, t_s);
  } else {
    emit(splitter_.feed(text), t_s);
  }
}

void ResponseAccumulator::emit(const ThinkSplitter::Split& split, double t_s) {
  if (!split.reasoning.empty()) {
    completion_.reasoning += split.reasoning;
    if (sink_) sink_->on_reasoning(split.reasoning, t_s);
  }
  if (!split.answer.empty()) {
    completion_.answer += split.answer;
    if (sink_) sink_->on_answer(split.answer, t_s);
  }
}

}  // namespace rbench
