#include "harness/serve/openai_wire.h"

#include "harness/core/json_writer.h"

namespace rbench::wire {
namespace {

// One whole shape: the header every object starts with, then the members `fill` writes.
template <class Fill>
std::string shape(const Ids& ids, std::string_view object, Fill fill) {
  json::Writer w;
  w.object([&](json::Writer& w) {
    w.fields({{"id", ids.id}, {"object", object}, {"created", ids.created}, {"model", ids.model}});
    fill(w);
  });
  return w.str();
}

json::OutValue usage(const Usage& u) {
  return json::object(
      {{"prompt_tokens", u.prompt_tokens},
       {"completion_tokens", u.completion_tokens},
       {"total_tokens", u.prompt_tokens + u.completion_tokens},
       {"completion_tokens_details", u.reasoning_tokens
                                         ? json::object({{"reasoning_tokens", *u.reasoning_tokens}})
                                         : json::OutValue(std::nullopt)}});
}

// The "choices" array of one choice at index 0, whose members after "index" `fill` writes.
template <class Fill>
void one_choice(json::Writer& w, Fill fill) {
  w.field("choices", [&](json::Writer& w) {
    w.array([&](json::Writer& w) {
      w.object([&](json::Writer& w) {
        w.field("index", 0);
        fill(w);
      });
    });
  });
}

// A text_completion choice's members after "index".
void text_choice(json::Writer& w, std::string_view text,
                 std::optional<std::string_view> finish_reason) {
  w.fields(
      {{"text", text}, {"logprobs", json::null}, {"finish_reason", json::nullable(finish_reason)}});
}

}  // namespace

std::string chat_chunk(const Ids& ids, std::initializer_list<Field> delta,
                       std::optional<std::string_view> finish_reason) {
  return shape(ids, chat_chunk_object, [&](json::Writer& w) {
    one_choice(w, [&](json::Writer& w) {
      w.fields({{"delta",
                 [&](json::Writer& w) {
                   w.object([&](json::Writer& w) {
                     for (const Field& f : delta) w.field(f.key, f.value);
                   });
                 }},
                {"finish_reason", json::nullable(finish_reason)}});
    });
  });
}

std::string text_chunk(const Ids& ids, std::string_view text,
                       std::optional<std::string_view> finish_reason) {
  return shape(ids, text_object, [&](json::Writer& w) {
    one_choice(w, [&](json::Writer& w) { text_choice(w, text, finish_reason); });
  });
}

std::string usage_chunk(const Ids& ids, std::string_view object, const Usage& u) {
  return shape(ids, object, [&](json::Writer& w) {
    w.fields({{"choices", json::array(std::vector<int>{})}, {"usage", usage(u)}});
  });
}

std::string chat_completion(const Ids& ids, std::string_view content,
                            std::optional<Field> reasoning, std::string_view finish_reason,
                            const Usage& u) {
  return shape(ids, chat_object, [&](json::Writer& w) {
    one_choice(w, [&](json::Writer& w) {
      w.fields({{"message",
                 [&](json::Writer& w) {
                   w.object([&](json::Writer& w) {
                     w.fields({{"role", "assistant"}, {"content", content}});
                     if (reasoning) w.field(reasoning->key, reasoning->value);
                   });
                 }},
                {"finish_reason", finish_reason}});
    });
    w.field("usage", usage(u));
  });
}

std::string text_completion(const Ids& ids, std::string_view text, std::string_view finish_reason,
                            const Usage& u) {
  return shape(ids, text_object, [&](json::Writer& w) {
    one_choice(w, [&](json::Writer& w) { text_choice(w, text, finish_reason); });
    w.field("usage", usage(u));
  });
}

}  // namespace rbench::wire
