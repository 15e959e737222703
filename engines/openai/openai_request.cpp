#include "engines/openai/openai_request.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench {
namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

Value string_value(const std::string& s, Allocator& a) {
  return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// Members of `from` replace those of `into`, except that two objects are merged recursively,
// so {"chat_template_kwargs": {...}} in a profile adds to, not replaces, what is there.
void merge_object(Value& into, Value& from, Allocator& a) {
  for (auto& m : from.GetObject()) {
    auto it = into.FindMember(m.name);
    if (it != into.MemberEnd() && it->value.IsObject() && m.value.IsObject()) {
      merge_object(it->value, m.value, a);
    } else if (it != into.MemberEnd()) {
      it->value.CopyFrom(m.value, a);
    } else {
      into.AddMember(Value(m.name, a), Value(m.value, a), a);
    }
  }
}

rapidjson::Document parse_extra_body(const ModelProfile& profile) {
  rapidjson::Document extra;
  extra.Parse(profile.extra_body_json.c_str(), profile.extra_body_json.size());
  if (extra.HasParseError() || !extra.IsObject()) {
    throw UsageError(fmt::format("model profile {}: extra_body must be a JSON object, got: {}",
                                 profile.name, profile.extra_body_json));
  }
  return extra;
}

}  // namespace

void validate_extra_body(const ModelProfile& profile) {
  if (!profile.extra_body_json.empty()) parse_extra_body(profile);
}

std::string build_request_body(const ModelProfile& profile, const ChatRequest& request,
                               bool stream) {
  const bool raw = !request.prompt.empty();
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  body.AddMember("model", string_value(profile.api_model, a), a);
  if (raw) {
    body.AddMember("prompt", string_value(request.prompt, a), a);
  } else {
    Value messages(rapidjson::kArrayType);
    for (const auto& m : request.messages) {
      Value message(rapidjson::kObjectType);
      message.AddMember("role", string_value(m.role, a), a);
      message.AddMember("content", string_value(m.content, a), a);
      messages.PushBack(message, a);
    }
    body.AddMember("messages", messages, a);
  }

  const SamplingParams& s = request.sampling;
  if (const auto max_tokens = s.max_tokens ? s.max_tokens : profile.default_max_tokens) {
    const std::string field = raw ? "max_tokens" : profile.max_tokens_field;
    body.AddMember(string_value(field, a), Value(*max_tokens), a);
  }
  if (profile.supports_temperature) {
    if (const auto t = s.temperature ? s.temperature : profile.default_temperature) {
      body.AddMember("temperature", Value(*t), a);
    }
    if (s.top_p) body.AddMember("top_p", Value(*s.top_p), a);
    if (s.top_k) body.AddMember("top_k", Value(*s.top_k), a);
  }
  if (!s.stop.empty()) {
    Value stop(rapidjson::kArrayType);
    const std::size_t limit = profile.max_stop_strings
                                  ? static_cast<std::size_t>(*profile.max_stop_strings)
                                  : s.stop.size();
    for (std::size_t i = 0; i < std::min(limit, s.stop.size()); ++i) {
      stop.PushBack(string_value(s.stop[i], a), a);
    }
    body.AddMember("stop", stop, a);
  }
  if (profile.supports_seed && s.seed) {
    body.AddMember("seed", Value(static_cast<std::uint64_t>(*s.seed)), a);
  }
  const auto& effort = s.reasoning_effort ? s.reasoning_effort : profile.reasoning_effort;
  if (effort && !raw) {
    body.AddMember("reasoning_effort", string_value(*effort, a), a);
  }
  if (s.ignore_eos) body.AddMember("ignore_eos", Value(true), a);
  if (s.min_tokens) body.AddMember("min_tokens", Value(*s.min_tokens), a);
  body.AddMember("stream", Value(stream), a);
  if (stream && profile.stream_include_usage) {
    Value options(rapidjson::kObjectType);
    options.AddMember("include_usage", Value(true), a);
    body.AddMember("stream_options", options, a);
  }
  if (!profile.extra_body_json.empty()) {
    rapidjson::Document extra = parse_extra_body(profile);
    merge_object(body, extra, a);
  }
  return json::to_string(body);
}

}  // namespace rbench
