#include "harness/http/mock_reply.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cmath>
#include <regex>

namespace rbench::mock {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key_string(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Numbers as a reader would see them: "1,250" is one number, "3, 5" two, "-4" negative.
std::vector<std::string> numbers_in(std::string_view text) {
  static const std::regex number(R"((^|[^\d.,])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?))");
  std::vector<std::string> found;
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), number); it != std::sregex_iterator();
       ++it) {
    found.push_back((*it)[2].str());
  }
  return found;
}

double value_of(std::string number) {
  std::erase(number, ',');
  return std::stod(number);
}

std::string format_number(double x) {
  if (std::abs(x - std::round(x)) < 1e-9 && std::abs(x) < 1e15) {
    return fmt::format("{}", static_cast<long long>(std::llround(x)));
  }
  return fmt::format("{:.10g}", x);
}

void header(Writer& w, const ChunkIds& ids, const char* object) {
  key_string(w, "id", ids.id);
  key_string(w, "object", object);
  w.Key("created");
  w.Int64(ids.created);
  key_string(w, "model", ids.model);
}

void usage(Writer& w, long prompt_tokens, const Reply& reply) {
  const auto completion = static_cast<long>(reply.tokens.size());
  w.Key("usage");
  w.StartObject();
  w.Key("prompt_tokens");
  w.Int64(prompt_tokens);
  w.Key("completion_tokens");
  w.Int64(completion);
  w.Key("total_tokens");
  w.Int64(prompt_tokens + completion);
  w.Key("completion_tokens_details");
  w.StartObject();
  w.Key("reasoning_tokens");
  w.Int64(reply.reasoning_tokens);
  w.EndObject();
  w.EndObject();
}

const char* reasoning_field(MockReasoningStyle style) {
  return style == MockReasoningStyle::reasoning ? "reasoning" : "reasoning_content";
}

}  // namespace

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  const auto space = [&](std::size_t k) {
    return std::isspace(static_cast<unsigned char>(text[k]));
  };
  while (i < text.size() && space(i)) ++i;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && !space(i)) ++i;
    while (i < text.size() && space(i)) ++i;
    tokens.emplace_back(text.substr(start, i - start));
  }
  return tokens;
}

std::string reasoning_text(std::string_view question) {
  const auto numbers = numbers_in(question);
  if (numbers.empty()) return "There are no numbers in the question, so I will guess 0.";
  if (numbers.size() == 1) {
    return fmt::format("The numbers in the question are {}. That is the answer.", numbers[0]);
  }
  double sum = 0;
  for (const auto& n : numbers) sum += value_of(n);
  const std::string last = numbers.back();
  const std::vector<std::string> head(numbers.begin(), numbers.end() - 1);
  return fmt::format("The numbers in the question are {} and {}. Adding them: {} = {}.",
                     fmt::join(head, ", "), last, fmt::join(numbers, " + "), format_number(sum));
}

std::string answer_text(std::string_view question) {
  double sum = 0;
  for (const auto& n : numbers_in(question)) sum += value_of(n);
  return fmt::format("The answer is \\boxed{{{}}}.", format_number(sum));
}

Reply make_reply(std::string_view question, MockReasoningStyle style,
                 std::optional<long> max_tokens) {
  Reply reply;
  const auto add = [&](std::string_view text, bool reasoning) {
    for (auto& t : split_tokens(text)) reply.tokens.push_back({std::move(t), reasoning});
  };
  const std::string reasoning = reasoning_text(question);
  const std::string answer = answer_text(question);
  switch (style) {
    case MockReasoningStyle::reasoning_content:
    case MockReasoningStyle::reasoning:
      add(reasoning, true);
      add(answer, false);
      reply.reasoning_tokens = static_cast<long>(split_tokens(reasoning).size());
      break;
    case MockReasoningStyle::think_tags:
      // Tags and working travel in the content; the client has to split them out.
      add("<think>\n" + reasoning + "\n</think>\n\n", false);
      add(answer, false);
      reply.reasoning_tokens = static_cast<long>(split_tokens(reasoning).size()) + 2;
      break;
    case MockReasoningStyle::none:
      add(reasoning + " " + answer, false);
      break;
  }
  reply.finish_reason = "stop";
  if (max_tokens && static_cast<long>(reply.tokens.size()) > *max_tokens) {
    reply.tokens.resize(static_cast<std::size_t>(std::max(0L, *max_tokens)));
    reply.finish_reason = "length";
    long reasoning_sent = 0;
    for (const auto& t : reply.tokens) reasoning_sent += t.reasoning ? 1 : 0;
    if (style != MockReasoningStyle::think_tags) reply.reasoning_tokens = reasoning_sent;
    reply.reasoning_tokens = std::min(reply.reasoning_tokens, *max_tokens);
  }
  return reply;
}

// One chat.completion.chunk with a single choice whose delta `fill_delta` writes.
template <class FillDelta>
std::string delta_chunk(const ChunkIds& ids, FillDelta fill_delta) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  header(w, ids, "chat.completion.chunk");
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  w.Key("delta");
  w.StartObject();
  fill_delta(w);
  w.EndObject();
  w.Key("finish_reason");
  w.Null();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string first_chunk(const ChunkIds& ids) {
  return delta_chunk(ids, [](Writer& w) {
    key_string(w, "role", "assistant");
    key_string(w, "content", "");
  });
}

std::string token_chunk(const ChunkIds& ids, const Token& token, MockReasoningStyle style) {
  return delta_chunk(ids, [&](Writer& w) {
    key_string(w, token.reasoning ? reasoning_field(style) : "content", token.text);
  });
}

std::string finish_chunk(const ChunkIds& ids, const std::string& finish_reason) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  header(w, ids, "chat.completion.chunk");
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  w.Key("delta");
  w.StartObject();
  w.EndObject();
  key_string(w, "finish_reason", finish_reason);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string usage_chunk(const ChunkIds& ids, long prompt_tokens, const Reply& reply) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  header(w, ids, "chat.completion.chunk");
  w.Key("choices");
  w.StartArray();
  w.EndArray();
  usage(w, prompt_tokens, reply);
  w.EndObject();
  return b.GetString();
}

std::string completion_json(const ChunkIds& ids, const Reply& reply, MockReasoningStyle style,
                            long prompt_tokens) {
  std::string content, reasoning;
  for (const auto& t : reply.tokens) (t.reasoning ? reasoning : content) += t.text;
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  header(w, ids, "chat.completion");
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  w.Key("message");
  w.StartObject();
  key_string(w, "role", "assistant");
  key_string(w, "content", content);
  if (!reasoning.empty()) key_string(w, reasoning_field(style), reasoning);
  w.EndObject();
  key_string(w, "finish_reason", reply.finish_reason);
  w.EndObject();
  w.EndArray();
  usage(w, prompt_tokens, reply);
  w.EndObject();
  return b.GetString();
}

}  // namespace rbench::mock
