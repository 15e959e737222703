// The mock server itself: its fault-spec language, its baseline "model" (arithmetic, and Python
// code for chat and raw-text prompts), and the exact chunk shapes it sends, read back raw.
#include "harness/serve/mock_openai_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/net/sse_parser.h"
#include "harness/serve/mock_reply.h"

namespace rbench {
namespace {

TEST(FaultSpec, ParsesEveryKind) {
  const auto faults =
      parse_fault_spec(" 429:1, 429,500,400, stall:3000,cut,badjson,nodone,ok,401,403,404 ");
  const std::vector<Fault> expected{
      {FaultKind::rate_limit, 1},   {FaultKind::rate_limit, 0}, {FaultKind::server_error, 0},
      {FaultKind::bad_request, 0},  {FaultKind::stall, 3000},   {FaultKind::cut, 0},
      {FaultKind::bad_json, 0},     {FaultKind::no_done, 0},    {FaultKind::ok, 0},
      {FaultKind::unauthorized, 0}, {FaultKind::forbidden, 0},  {FaultKind::not_found, 0}};
  EXPECT_EQ(faults, expected);
  EXPECT_EQ(to_string(faults[9]), "401");
  EXPECT_EQ(to_string(faults[11]), "404");
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

TEST(MockJudge, LongerAnswerWinsByTheLengthRatio) {
  EXPECT_EQ(mock::length_verdict(200, 100), "A>>B");  // exactly twice: significantly
  EXPECT_EQ(mock::length_verdict(199, 100), "A>B");
  EXPECT_EQ(mock::length_verdict(120, 100), "A>B");  // exactly 1.2: slightly
  EXPECT_EQ(mock::length_verdict(119, 100), "A=B");
  EXPECT_EQ(mock::length_verdict(100, 100), "A=B");
  EXPECT_EQ(mock::length_verdict(100, 119), "A=B");
  EXPECT_EQ(mock::length_verdict(100, 120), "B>A");
  EXPECT_EQ(mock::length_verdict(100, 200), "B>>A");
  EXPECT_EQ(mock::length_verdict(0, 1), "B>>A");
  EXPECT_EQ(mock::length_verdict(0, 0), "A=B");
}

TEST(MockJudge, EndsWithTheLabelOnTheLastLine) {
  const judge::JudgePromptParts game{"What is 2 + 3?", "5", "The sum of 2 and 3 is 5.", ""};
  const std::string text = mock::judge_answer_text(game, false);
  EXPECT_EQ(text.rfind("My own answer: The answer is \\boxed{5}.", 0), 0u) << text;
  EXPECT_NE(text.find("\n\nEvaluation: "), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\nMy final verdict: [[B>>A]]")) << text;
  EXPECT_EQ(mock::judge_answer_text(game, true), "[[B>>A]]");  // asked again: the label alone
}

TEST(MockJudge, MarkedQuestionsGiveNoLabelAtFirstOrEver) {
  const judge::JudgePromptParts garbage{"JUDGE_GARBAGE 1", "a", "b", ""};
  const std::string first = mock::judge_answer_text(garbage, false);
  EXPECT_EQ(first.find("[["), std::string::npos) << first;
  EXPECT_EQ(mock::judge_answer_text(garbage, true), "[[A=B]]");
  const judge::JudgePromptParts refuse{"JUDGE_REFUSE", "a", "bbbb", ""};
  for (const bool again : {false, true}) {
    EXPECT_EQ(mock::judge_answer_text(refuse, again).find("[["), std::string::npos);
  }
}

// HumanEval's shape: imports, a header, a docstring, and the prompt ends on a newline.
constexpr const char* kCodePrompt =
    "from typing import List\n\n\n"
    "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
    "    \"\"\" Check if any two numbers are closer than threshold. \"\"\"\n";
const std::vector<std::string> kCodeStops = {"\ndef", "\nclass", "\n#", "\nif __name__",
                                             "\nprint("};

TEST(MockModel, FindsTheLastPythonHeaderOverLinesAndBrackets) {
  const auto header = mock::last_python_header(
      "def helper():\n    pass\n\n  async def b(x=(1, 2),\n        y: dict[str, int] = {})"
      " -> Tuple[int, int]:\n    ...\n");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->name, "b");
  EXPECT_EQ(header->indent, "  ");
  EXPECT_EQ(header->text,
            "async def b(x=(1, 2),\n        y: dict[str, int] = {}) -> Tuple[int, int]:");
  EXPECT_FALSE(mock::last_python_header("def f(x)\n    return x\n"));  // no ':'
  EXPECT_FALSE(mock::last_python_header("we define things(here):"));
}

TEST(MockModel, ChatAskingForPythonGetsTheHeaderAndReturnNone) {
  const std::string question =
      std::string("Complete this Python function.\n```python\n") + kCodePrompt + "```";
  EXPECT_TRUE(mock::asks_for_python(question));
  EXPECT_TRUE(mock::asks_for_python("Write a python function that adds"));
  EXPECT_FALSE(mock::asks_for_python("What is 3 + 4?"));
  EXPECT_EQ(mock::answer_text(question),
            "```python\nfrom typing import List\n"
            "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
            "    return None\n```");
  EXPECT_NE(mock::reasoning_text(question).find("has_close_elements"), std::string::npos);
  EXPECT_EQ(mock::answer_text("Write a Python function, any."), "```python\npass\n```");
}

TEST(MockModel, RawContinuationStopsAtStopStringsAndMaxTokens) {
  EXPECT_EQ(mock::continuation_text(kCodePrompt),
            "    return None\n\n\nif __name__ == \"__main__\":\n"
            "    print(has_close_elements())\n");
  const auto text_of = [](const mock::Reply& r) {
    std::string text;
    for (const auto& t : r.tokens) text += t.text;
    return text;
  };
  const auto stopped = mock::make_text_reply(kCodePrompt, kCodeStops, std::nullopt);
  EXPECT_EQ(text_of(stopped), "    return None\n\n");
  EXPECT_EQ(stopped.finish_reason, "stop");
  ASSERT_EQ(stopped.tokens.size(), 2u);
  EXPECT_EQ(stopped.tokens[0].text, "    return ") << "the indentation is part of the text";
  const auto cut = mock::make_text_reply(kCodePrompt, kCodeStops, 1);
  EXPECT_EQ(text_of(cut), "    return ");
  EXPECT_EQ(cut.finish_reason, "length");
  const auto header_only = mock::make_text_reply("def f(a):", {}, std::nullopt);
  EXPECT_TRUE(text_of(header_only).starts_with("\n    return None\n"));
  EXPECT_EQ(text_of(mock::make_text_reply("Q: 2 and 3?\nA:", {}, std::nullopt)),
            " The answer is \\boxed{5}.\n");
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

TEST(MockServer, RawCompletionStreamHasTextCompletionShape) {
  MockOpenAIServer server;
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  rapidjson::Document request(rapidjson::kObjectType);
  auto& a = request.GetAllocator();
  request.AddMember("model", "base", a);
  request.AddMember("prompt", rapidjson::StringRef(kCodePrompt), a);
  request.AddMember("stream", true, a);
  request.AddMember("stop", rapidjson::Value(rapidjson::kArrayType).PushBack("\nif __name__", a),
                    a);
  rapidjson::Value options(rapidjson::kObjectType);
  options.AddMember("include_usage", true, a);
  request.AddMember("stream_options", options, a);
  const auto res = client.Post("/v1/completions", json::to_string(request), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  http::SseParser parser;
  const auto events = parser.feed(res->body);
  // Two text chunks, the finish chunk, usage, [DONE]: no role chunk in this API.
  ASSERT_EQ(events.size(), 5u) << res->body;
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string text;
  for (std::size_t i = 0; i + 2 < events.size(); ++i) {
    rapidjson::Document d;
    d.Parse(events[i].data.c_str());
    ASSERT_FALSE(d.HasParseError()) << events[i].data;
    EXPECT_STREQ(d["object"].GetString(), "text_completion");
    EXPECT_STREQ(d["model"].GetString(), "base");
    EXPECT_TRUE(std::string_view(d["id"].GetString()).starts_with("cmpl-"));
    const auto& choice = d["choices"][0];
    EXPECT_EQ(choice["index"].GetInt(), 0);
    EXPECT_FALSE(choice.HasMember("delta"));
    text += choice["text"].GetString();
    if (i + 3 == events.size()) {
      EXPECT_STREQ(choice["finish_reason"].GetString(), "stop");
    } else {
      EXPECT_TRUE(choice["finish_reason"].IsNull());
    }
  }
  EXPECT_EQ(text, "    return None\n\n");
  rapidjson::Document usage;
  usage.Parse(events[events.size() - 2].data.c_str());
  EXPECT_EQ(usage["choices"].Size(), 0u);
  EXPECT_EQ(usage["usage"]["completion_tokens"].GetInt(), 2);
  EXPECT_EQ(usage["usage"]["prompt_tokens"].GetInt(),
            static_cast<int>(mock::split_tokens(kCodePrompt).size()));
  EXPECT_EQ(server.requests_received(), 1u);

  const auto bad =
      client.Post("/v1/completions", R"({"model":"m","prompt":[1,2,3]})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("'prompt'"), std::string::npos) << bad->body;
}

TEST(MockServer, RawCompletionWithoutStreamingAndWithAFault) {
  MockServerOptions options;
  options.faults = parse_fault_spec("429:3");
  MockOpenAIServer server(options);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const std::string body = R"({"model":"m","prompt":"def f(x):\n","max_tokens":1})";
  const auto limited = client.Post("/v1/completions", body, "application/json");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "3");
  const auto res = client.Post("/v1/completions", body, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  rapidjson::Document d;
  d.Parse(res->body.c_str());
  ASSERT_FALSE(d.HasParseError()) << res->body;
  EXPECT_STREQ(d["object"].GetString(), "text_completion");
  EXPECT_STREQ(d["choices"][0]["text"].GetString(), "    return ");
  EXPECT_STREQ(d["choices"][0]["finish_reason"].GetString(), "length");
  EXPECT_EQ(d["usage"]["completion_tokens"].GetInt(), 1);
  EXPECT_EQ(server.requests_received(), 2u);
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

// Found by fuzz_serve_request under ASan: a streamed response's provider holds the server's
// count of requests in progress, and a Response kept past the server's end released it into
// freed memory. The count now lives as long as its last holder.
TEST(MockServer, AStreamedResponseMayOutliveTheServer) {
  httplib::Response res;
  {
    MockOpenAIServer server;
    httplib::Request req;
    req.body = R"({"model":"mock","stream":true,"messages":[{"role":"user","content":"1 + 2"}]})";
    server.handle(req, res, false);
    ASSERT_TRUE(res.content_provider_) << "a streamed answer";
    EXPECT_EQ(server.peak_requests_in_progress(), 1u);
  }
  res.content_provider_ = nullptr;  // drops the provider after the server: no use after free
}

// Found by fuzz_serve_request: a number too long for a double threw an uncaught out_of_range.
TEST(MockModel, ANumberTooLongForADoubleIsAnsweredNotThrown) {
  const std::string huge(400, '9');
  EXPECT_NO_THROW(mock::make_reply("What is " + huge + " + 1?", MockReasoningStyle::reasoning_content,
                                   std::nullopt));
}

}  // namespace
}  // namespace rbench
