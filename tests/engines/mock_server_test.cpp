// The mock server itself: its fault-spec language, its baseline "model", and the exact chunk
// shapes it sends, read back raw.
#include "harness/http/mock_openai_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include "harness/error.h"
#include "harness/http/mock_reply.h"
#include "harness/http/sse_parser.h"

namespace rbench {
namespace {

TEST(FaultSpec, ParsesEveryKind) {
  const auto faults = parse_fault_spec(" 429:1, 429,500,400, stall:3000,cut,badjson,nodone,ok ");
  const std::vector<Fault> expected{
      {FaultKind::rate_limit, 1},  {FaultKind::rate_limit, 0}, {FaultKind::server_error, 0},
      {FaultKind::bad_request, 0}, {FaultKind::stall, 3000},   {FaultKind::cut, 0},
      {FaultKind::bad_json, 0},    {FaultKind::no_done, 0},    {FaultKind::ok, 0}};
  EXPECT_EQ(faults, expected);
  EXPECT_TRUE(parse_fault_spec("").empty());
  EXPECT_EQ(to_string(faults[0]), "429:1");
  EXPECT_EQ(to_string(faults[4]), "stall:3000");
}

TEST(FaultSpec, BadItemsAreNamed) {
  for (const char* bad : {"503", "stall", "stall:abc", "cut:3", "429:-1", "500,,cut", "429:"}) {
    try {
      parse_fault_spec(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("item"), std::string::npos) << e.what();
    }
  }
}

TEST(MockModel, SumsTheNumbersOfTheQuestion) {
  EXPECT_EQ(mock::answer_text("Tom has 3 apples and buys 1,250 more, then 2.5 pears."),
            "The answer is \\boxed{1255.5}.");
  EXPECT_EQ(mock::answer_text("No numbers here"), "The answer is \\boxed{0}.");
  EXPECT_EQ(mock::reasoning_text("3, 5 and 7"),
            "The numbers in the question are 3, 5 and 7. Adding them: 3 + 5 + 7 = 15.");
}

TEST(MockModel, TokensKeepTheirWhitespace) {
  const auto tokens = mock::split_tokens("  a b\n\nc ");
  EXPECT_EQ(tokens, (std::vector<std::string>{"a ", "b\n\n", "c "}));
}

TEST(MockModel, MaxTokensCutsWithLength) {
  const auto reply = mock::make_reply("2 and 2", MockReasoningStyle::reasoning_content, 3);
  EXPECT_EQ(reply.tokens.size(), 3u);
  EXPECT_EQ(reply.finish_reason, "length");
  EXPECT_EQ(reply.reasoning_tokens, 3);
}

// Reads the raw stream with cpp-httplib's client to check the wire format itself.
TEST(MockServer, StreamHasOpenAIChunkShape) {
  MockServerOptions options;
  options.reasoning_style = MockReasoningStyle::reasoning;
  MockOpenAIServer server(options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto res =
      client.Post("/v1/chat/completions",
                  R"({"model":"m1","stream":true,"stream_options":{"include_usage":true},)"
                  R"("messages":[{"role":"user","content":"what is 4 plus 5"}]})",
                  "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  http::SseParser parser;
  const auto events = parser.feed(res->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string reasoning, content, finish;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    rapidjson::Document d;
    d.Parse(events[i].data.c_str());
    ASSERT_FALSE(d.HasParseError()) << events[i].data;
    EXPECT_STREQ(d["object"].GetString(), "chat.completion.chunk");
    EXPECT_STREQ(d["model"].GetString(), "m1");
    EXPECT_TRUE(d["id"].IsString());
    EXPECT_TRUE(d["created"].IsInt64());
    const auto& choices = d["choices"];
    if (i + 2 == events.size()) {  // the usage chunk
      EXPECT_EQ(choices.Size(), 0u);
      EXPECT_EQ(d["usage"]["prompt_tokens"].GetInt(), 5);
      EXPECT_EQ(d["usage"]["completion_tokens"].GetInt(),
                static_cast<int>(events.size()) - 4);  // minus role, finish, usage, [DONE]
      continue;
    }
    ASSERT_EQ(choices.Size(), 1u);
    EXPECT_EQ(choices[0]["index"].GetInt(), 0);
    const auto& delta = choices[0]["delta"];
    if (delta.HasMember("reasoning")) reasoning += delta["reasoning"].GetString();
    if (delta.HasMember("content")) content += delta["content"].GetString();
    if (choices[0]["finish_reason"].IsString()) finish = choices[0]["finish_reason"].GetString();
  }
  EXPECT_EQ(reasoning, mock::reasoning_text("what is 4 plus 5"));
  EXPECT_EQ(content, "The answer is \\boxed{9}.");
  EXPECT_EQ(finish, "stop");
  EXPECT_EQ(server.requests_received(), 1u);
}

TEST(MockServer, CrlfAndKeepAliveComments) {
  MockServerOptions options;
  options.crlf = true;
  options.keep_alive_comments = true;
  MockOpenAIServer server(options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Post(
      "/v1/chat/completions",
      R"({"model":"m","stream":true,"messages":[{"role":"user","content":"1 2 3 4 5 6 7 8 9"}]})",
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.rfind(": keep-alive\r\n\r\n", 0), 0u);
  EXPECT_NE(res->body.find("data: [DONE]\r\n\r\n"), std::string::npos);
  EXPECT_EQ(res->body.find("}\n\n"), std::string::npos) << "every line should end in CRLF";
}

TEST(MockServer, ModelsAndUnknownRoutes) {
  MockOpenAIServer server;
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_NE(models->body.find(R"("id":"mock")"), std::string::npos);
  const auto missing = client.Get("/v1/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("no route"), std::string::npos);
  const auto bad = client.Post("/v1/chat/completions", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST(MockServer, FaultScriptIsConsumedInOrderAndCanGrow) {
  MockServerOptions options;
  options.faults = parse_fault_spec("500,400");
  MockOpenAIServer server(options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"1"}]})";
  EXPECT_EQ(client.Post("/v1/chat/completions", body, "application/json")->status, 500);
  EXPECT_EQ(server.faults_pending(), 1u);
  EXPECT_EQ(client.Post("/v1/chat/completions", body, "application/json")->status, 400);
  EXPECT_EQ(client.Post("/v1/chat/completions", body, "application/json")->status, 200);
  const std::vector<Fault> more{{FaultKind::rate_limit, 2}};
  server.add_faults(more);
  const auto limited = client.Post("/v1/chat/completions", body, "application/json");
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "2");
  EXPECT_EQ(server.requests_received(), 4u);
}

}  // namespace
}  // namespace rbench
