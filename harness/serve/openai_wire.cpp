#include "harness/serve/openai_wire.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace rbench::wire {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string_value(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void key_string(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  string_value(w, value);
}

void finish(Writer& w, std::optional<std::string_view> finish_reason) {
  w.Key("finish_reason");
  if (finish_reason) {
    string_value(w, *finish_reason);
  } else {
    w.Null();
  }
}

// One whole shape: the header every object starts with, then what `fill` writes.
template <class Fill>
std::string shape(const Ids& ids, std::string_view object, Fill fill) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key_string(w, "id", ids.id);
  key_string(w, "object", object);
  w.Key("created");
  w.Int64(ids.created);
  key_string(w, "model", ids.model);
  fill(w);
  w.EndObject();
  return b.GetString();
}

void usage(Writer& w, const Usage& u) {
  w.Key("usage");
  w.StartObject();
  w.Key("prompt_tokens");
  w.Int64(u.prompt_tokens);
  w.Key("completion_tokens");
  w.Int64(u.completion_tokens);
  w.Key("total_tokens");
  w.Int64(u.prompt_tokens + u.completion_tokens);
  if (u.reasoning_tokens) {
    w.Key("completion_tokens_details");
    w.StartObject();
    w.Key("reasoning_tokens");
    w.Int64(*u.reasoning_tokens);
    w.EndObject();
  }
  w.EndObject();
}

// A text_completion choice's members after "index".
void text_choice(Writer& w, std::string_view text, std::optional<std::string_view> finish_reason) {
  key_string(w, "text", text);
  w.Key("logprobs");
  w.Null();
  finish(w, finish_reason);
}

// The "choices" array of one choice at index 0, whose members after "index" `fill` writes.
template <class Fill>
void one_choice(Writer& w, Fill fill) {
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  fill();
  w.EndObject();
  w.EndArray();
}

}  // namespace

std::string chat_chunk(const Ids& ids, std::initializer_list<Field> delta,
                       std::optional<std::string_view> finish_reason) {
  return shape(ids, chat_chunk_object, [&](Writer& w) {
    one_choice(w, [&] {
      w.Key("delta");
      w.StartObject();
      for (const Field& f : delta) key_string(w, f.key, f.value);
      w.EndObject();
      finish(w, finish_reason);
    });
  });
}

std::string text_chunk(const Ids& ids, std::string_view text,
                       std::optional<std::string_view> finish_reason) {
  return shape(ids, text_object,
               [&](Writer& w) { one_choice(w, [&] { text_choice(w, text, finish_reason); }); });
}

std::string usage_chunk(const Ids& ids, std::string_view object, const Usage& u) {
  return shape(ids, object, [&](Writer& w) {
    w.Key("choices");
    w.StartArray();
    w.EndArray();
    usage(w, u);
  });
}

std::string chat_completion(const Ids& ids, std::string_view content,
                            std::optional<Field> reasoning, std::string_view finish_reason,
                            const Usage& u) {
  return shape(ids, chat_object, [&](Writer& w) {
    one_choice(w, [&] {
      w.Key("message");
      w.StartObject();
      key_string(w, "role", "assistant");
      key_string(w, "content", content);
      if (reasoning) key_string(w, reasoning->key, reasoning->value);
      w.EndObject();
      finish(w, finish_reason);
    });
    usage(w, u);
  });
}

std::string text_completion(const Ids& ids, std::string_view text, std::string_view finish_reason,
                            const Usage& u) {
  return shape(ids, text_object, [&](Writer& w) {
    one_choice(w, [&] { text_choice(w, text, finish_reason); });
    usage(w, u);
  });
}

}  // namespace rbench::wire
