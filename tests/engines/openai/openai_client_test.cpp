// OpenAIClient against the mock server on 127.0.0.1: where reasoning lands for each way servers
// send it, usage, finish_reason, timings, the non-streaming paths and the request it sends; raw
// text completions (/v1/completions) streamed and not, with stop strings and max_tokens.
#include "engines/openai/openai_client.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <thread>

#include "engines/engine_test_util.h"
#include "harness/core/error.h"
#include "harness/serve/mock_reply.h"

namespace rbench::test {
namespace {

constexpr const char* kQuestion = "Ann has 3 pens, buys 5 more and finds 7. How many?";
constexpr const char* kAnswer = "The answer is \\boxed{15}.";

class ReasoningStyles : public ::testing::TestWithParam<MockReasoningStyle> {};

TEST_P(ReasoningStyles, ReasoningAndAnswerLandApart) {
  MockServerOptions options;
  options.reasoning_style = GetParam();
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  RecordingSink sink;
  const Completion c = client.complete(ask(kQuestion), &sink, {});
  ASSERT_TRUE(c.ok()) << c.error;
  const std::string reasoning = mock::reasoning_text(kQuestion);
  if (GetParam() == MockReasoningStyle::none) {
    EXPECT_EQ(c.reasoning, "");
    EXPECT_EQ(c.answer, reasoning + " " + kAnswer);
  } else {
    EXPECT_EQ(c.reasoning,
              GetParam() == MockReasoningStyle::think_tags ? reasoning + "\n" : reasoning);
    EXPECT_EQ(c.answer, kAnswer);
  }
  EXPECT_EQ(sink.reasoning, c.reasoning);
  EXPECT_EQ(sink.answer, c.answer);
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_FALSE(c.truncated());
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(c.http_status, 200);
  // Usage as the mock counts it: whitespace tokens of the prompt, one per chunk sent.
  EXPECT_EQ(c.usage.prompt_tokens, 5 + 12);
  EXPECT_EQ(static_cast<std::size_t>(c.usage.completion_tokens), c.timings.chunk_times_s.size());
  if (GetParam() == MockReasoningStyle::none) {
    EXPECT_EQ(c.usage.reasoning_tokens, 0);
  } else {
    EXPECT_GT(c.usage.reasoning_tokens, 10);
  }
}

INSTANTIATE_TEST_SUITE_P(AllStyles, ReasoningStyles,
                         ::testing::Values(MockReasoningStyle::reasoning_content,
                                           MockReasoningStyle::reasoning,
                                           MockReasoningStyle::think_tags,
                                           MockReasoningStyle::none),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(OpenAIClient, TruncatedAtMaxTokensIsFlagged) {
  MockOpenAIServer server;
  server.start();
  OpenAIClient client(profile_for(server));
  ChatRequest request = ask(kQuestion);
  request.sampling.max_tokens = 4;
  const Completion c = client.complete(request, nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_TRUE(c.truncated());
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_EQ(c.usage.completion_tokens, 4);
  EXPECT_EQ(c.answer, "");
  EXPECT_EQ(c.reasoning, "The numbers in the ");
}

TEST(OpenAIClient, TimingsAreMonotone) {
  MockServerOptions options;
  options.token_delay_ms = 3;
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  RecordingSink sink;
  const Completion c = client.complete(ask(kQuestion), &sink, {});
  ASSERT_TRUE(c.ok()) << c.error;
  const Timings& t = c.timings;
  ASSERT_GT(t.chunk_times_s.size(), 20u);
  EXPECT_GE(t.ttft_s, 0.003);  // the first token waits one delay
  EXPECT_DOUBLE_EQ(t.ttft_s, t.chunk_times_s.front());
  EXPECT_LE(t.ttft_s, t.e2e_s);
  EXPECT_LE(t.chunk_times_s.back(), t.e2e_s);
  for (std::size_t i = 1; i < t.chunk_times_s.size(); ++i) {
    EXPECT_LE(t.chunk_times_s[i - 1], t.chunk_times_s[i]);
  }
  EXPECT_GT(t.chunk_times_s.back() - t.chunk_times_s.front(), 0.003 * 20)
      << "chunks should be timed as they arrive, not all at the end";
  for (std::size_t i = 1; i < sink.times.size(); ++i) EXPECT_LE(sink.times[i - 1], sink.times[i]);
}

TEST(OpenAIClient, CrlfAndKeepAliveComments) {
  MockServerOptions options;
  options.crlf = true;
  options.keep_alive_comments = true;
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
}

TEST(OpenAIClient, NonStreamingProfile) {
  MockServerOptions options;
  options.reasoning_style = MockReasoningStyle::think_tags;
  MockOpenAIServer server(options);
  server.start();
  ModelProfile profile = profile_for(server);
  profile.stream = false;
  OpenAIClient client(profile);
  RecordingSink sink;
  const Completion c = client.complete(ask(kQuestion), &sink, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.reasoning, mock::reasoning_text(kQuestion) + "\n");
  EXPECT_EQ(sink.answer, kAnswer);
  EXPECT_GT(c.usage.completion_tokens, 0);
  EXPECT_DOUBLE_EQ(c.timings.ttft_s, c.timings.e2e_s);
  rapidjson::Document sent;
  sent.Parse(server.last_request_body().c_str());
  EXPECT_FALSE(sent["stream"].GetBool());
  EXPECT_FALSE(sent.HasMember("stream_options"));
}

TEST(OpenAIClient, StreamingRequestAnsweredWithPlainJson) {
  MockServerOptions options;
  options.json_for_streaming = true;
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.reasoning, mock::reasoning_text(kQuestion));
  EXPECT_EQ(c.finish_reason, "stop");
}

TEST(OpenAIClient, RequestFollowsTheProfile) {
  MockOpenAIServer server;
  server.start();
  ScopedEnv key("RBENCH_TEST_O1_KEY", "sk-o1-test");
  ModelProfile profile = profile_for(server);
  profile.api_key_envs = {"RBENCH_TEST_O1_KEY"};
  profile.api_model = "o1";
  profile.max_tokens_field = "max_completion_tokens";
  profile.supports_temperature = false;
  profile.reasoning_effort = "high";
  profile.extra_body_json = R"({"chat_template_kwargs": {"thinking": true}, "top_k": 5})";
  OpenAIClient client(profile);
  ChatRequest request = ask(kQuestion);
  request.sampling.max_tokens = 100;
  request.sampling.temperature = 0.7;
  request.sampling.top_p = 0.9;
  request.sampling.seed = 42;
  ASSERT_TRUE(client.complete(request, nullptr, {}).ok());
  rapidjson::Document sent;
  sent.Parse(server.last_request_body().c_str());
  ASSERT_FALSE(sent.HasParseError());
  EXPECT_STREQ(sent["model"].GetString(), "o1");
  EXPECT_EQ(sent["max_completion_tokens"].GetInt(), 100);
  EXPECT_FALSE(sent.HasMember("max_tokens"));
  EXPECT_FALSE(sent.HasMember("temperature"));
  EXPECT_FALSE(sent.HasMember("top_p"));
  EXPECT_EQ(sent["seed"].GetInt(), 42);
  EXPECT_STREQ(sent["reasoning_effort"].GetString(), "high");
  EXPECT_TRUE(sent["stream"].GetBool());
  EXPECT_TRUE(sent["stream_options"]["include_usage"].GetBool());
  EXPECT_TRUE(sent["chat_template_kwargs"]["thinking"].GetBool());
  EXPECT_EQ(sent["top_k"].GetInt(), 5);
  EXPECT_EQ(sent["messages"].Size(), 2u);
  EXPECT_STREQ(sent["messages"][1]["content"].GetString(), kQuestion);
  EXPECT_EQ(server.last_authorization(), "Bearer sk-o1-test");
}

TEST(OpenAIClient, SamplingDefaultsFromProfileAndNoKeyMeansNoAuthHeader) {
  MockOpenAIServer server;
  server.start();
  ModelProfile profile = profile_for(server);
  profile.default_max_tokens = 64;
  profile.default_temperature = 0.0;
  profile.supports_seed = false;
  OpenAIClient client(profile);
  ChatRequest request = ask(kQuestion);
  request.sampling.seed = 1;
  ASSERT_TRUE(client.complete(request, nullptr, {}).ok());
  rapidjson::Document sent;
  sent.Parse(server.last_request_body().c_str());
  EXPECT_EQ(sent["max_tokens"].GetInt(), 64);
  EXPECT_EQ(sent["temperature"].GetDouble(), 0.0);
  EXPECT_FALSE(sent.HasMember("seed"));
  EXPECT_EQ(server.last_authorization(), "");
}

TEST(OpenAIClient, MissingKeyVariableIsAUsageErrorNamingIt) {
  ModelProfile profile = profile_for("http://127.0.0.1:9/v1");
  profile.api_key_envs = {"RBENCH_TEST_SURELY_UNSET_KEY"};
  try {
    OpenAIClient client(profile);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("RBENCH_TEST_SURELY_UNSET_KEY"), std::string::npos);
  }
  profile.api_key_envs.clear();
  profile.extra_body_json = "[1, 2]";
  EXPECT_THROW(OpenAIClient{profile}, UsageError);
}

constexpr const char* kCodePrompt =
    "def add(a: int, b: int) -> int:\n    \"\"\"Return the sum of a and b.\"\"\"\n";

TEST(RawCompletion, StreamedAndNotStreamedThroughCompletionsEndpoint) {
  for (const bool stream : {true, false}) {
    MockServerOptions options;
    options.reasoning_style = MockReasoningStyle::think_tags;  // chat-only: must not matter
    MockOpenAIServer server(options);
    server.start();
    ModelProfile profile = profile_for(server);
    profile.stream = stream;
    OpenAIClient client(profile);
    RecordingSink sink;
    const Completion c = client.complete(continue_text(kCodePrompt), &sink, {});
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.answer, "    return None\n\n") << "stream=" << stream;
    EXPECT_EQ(c.reasoning, "");
    EXPECT_EQ(sink.answer, c.answer);
    EXPECT_EQ(sink.reasoning, "");
    EXPECT_EQ(c.finish_reason, "stop");
    EXPECT_FALSE(c.truncated());
    EXPECT_EQ(c.attempts, 1);
    EXPECT_EQ(c.http_status, 200);
    EXPECT_EQ(c.usage.prompt_tokens, static_cast<long>(mock::split_tokens(kCodePrompt).size()));
    EXPECT_EQ(c.usage.completion_tokens, 2);
    EXPECT_GE(c.timings.ttft_s, 0.0);
    EXPECT_LE(c.timings.ttft_s, c.timings.e2e_s);
    EXPECT_EQ(c.timings.chunk_times_s.size(), stream ? 2u : 1u);

    rapidjson::Document sent;
    sent.Parse(server.last_request_body().c_str());
    ASSERT_FALSE(sent.HasParseError());
    EXPECT_STREQ(sent["prompt"].GetString(), kCodePrompt);
    EXPECT_FALSE(sent.HasMember("messages"));
    ASSERT_EQ(sent["stop"].Size(), 5u);
    EXPECT_STREQ(sent["stop"][3].GetString(), "\nif __name__");
    EXPECT_EQ(sent["stream"].GetBool(), stream);
    EXPECT_EQ(sent.HasMember("stream_options"), stream);
  }
}

TEST(RawCompletion, MaxTokensTruncationIsFlagged) {
  MockOpenAIServer server;
  server.start();
  for (const bool stream : {true, false}) {
    ModelProfile profile = profile_for(server);
    profile.stream = stream;
    OpenAIClient client(profile);
    ChatRequest request = continue_text(kCodePrompt);
    request.sampling.stop.clear();
    request.sampling.max_tokens = 3;
    const Completion c = client.complete(request, nullptr, {});
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_TRUE(c.truncated()) << "stream=" << stream;
    EXPECT_EQ(c.finish_reason, "length");
    EXPECT_EQ(c.answer, "    return None\n\n\nif ");
    EXPECT_EQ(c.usage.completion_tokens, 3);
  }
  // Without stop strings the mock's continuation runs on past the function.
  OpenAIClient client(profile_for(server));
  const Completion c = client.complete(ChatRequest{.prompt = kCodePrompt}, nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_NE(c.answer.find("if __name__"), std::string::npos) << c.answer;
  EXPECT_EQ(c.finish_reason, "stop");
}

TEST(RawCompletion, RequestFollowsTheProfileWhereTheLegacyApiAllows) {
  MockOpenAIServer server;
  server.start();
  ModelProfile profile = profile_for(server);
  profile.api_model = "base-7b";
  profile.max_tokens_field = "max_completion_tokens";  // chat-only: /completions knows max_tokens
  profile.reasoning_effort = "high";                   // not a /completions parameter
  profile.extra_body_json = R"({"top_k": 5})";
  OpenAIClient client(profile);
  ChatRequest request = continue_text(kCodePrompt);
  request.sampling.max_tokens = 64;
  request.sampling.temperature = 0.2;
  request.sampling.seed = 7;
  ASSERT_TRUE(client.complete(request, nullptr, {}).ok());
  rapidjson::Document sent;
  sent.Parse(server.last_request_body().c_str());
  ASSERT_FALSE(sent.HasParseError());
  EXPECT_STREQ(sent["model"].GetString(), "base-7b");
  EXPECT_EQ(sent["max_tokens"].GetInt(), 64);
  EXPECT_FALSE(sent.HasMember("max_completion_tokens"));
  EXPECT_FALSE(sent.HasMember("reasoning_effort"));
  EXPECT_DOUBLE_EQ(sent["temperature"].GetDouble(), 0.2);
  EXPECT_EQ(sent["seed"].GetInt(), 7);
  EXPECT_EQ(sent["top_k"].GetInt(), 5);
  EXPECT_TRUE(sent["stream_options"]["include_usage"].GetBool());
  EXPECT_EQ(client.completions_endpoint(), server.base_url() + "/completions");
}

TEST(RawCompletion, StopStringsBeyondTheServersLimitAreLeftOut) {
  MockOpenAIServer server;
  server.start();
  ModelProfile profile = profile_for(server);
  profile.max_stop_strings = 4;  // OpenAI's own limit; HumanEval's list has five
  OpenAIClient client(profile);
  ChatRequest request = continue_text(kCodePrompt);
  request.sampling.stop = {"\nclass", "\ndef", "\n#", "\nif __name__", "\nprint("};
  ASSERT_TRUE(client.complete(request, nullptr, {}).ok());
  rapidjson::Document sent;
  sent.Parse(server.last_request_body().c_str());
  ASSERT_FALSE(sent.HasParseError());
  ASSERT_EQ(sent["stop"].Size(), 4u);
  EXPECT_STREQ(sent["stop"][3].GetString(), "\nif __name__");

  profile.max_stop_strings.reset();  // no limit: every stop string goes
  OpenAIClient unlimited(profile);
  ASSERT_TRUE(unlimited.complete(request, nullptr, {}).ok());
  sent.Parse(server.last_request_body().c_str());
  EXPECT_EQ(sent["stop"].Size(), 5u);
}

TEST(OpenAIClient, ChatAskingForPythonGetsTheMocksWeakFunction) {
  MockOpenAIServer server;
  server.start();
  OpenAIClient client(profile_for(server));
  const Completion c = client.complete(
      ask(std::string("Complete this Python function.\n```python\n") + kCodePrompt + "```"),
      nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, "```python\ndef add(a: int, b: int) -> int:\n    return None\n```");
  EXPECT_NE(c.reasoning.find("add"), std::string::npos);
}

TEST(OpenAIClient, ConcurrentCallsAreIndependent) {
  MockServerOptions options;
  options.token_delay_ms = 1;
  MockOpenAIServer server(options);
  server.start();
  OpenAIClient client(profile_for(server));
  std::vector<std::string> answers(6);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 6; ++i) {
      threads.emplace_back([&, i] {
        answers[i] = client.complete(ask(std::to_string(i) + " plus 10"), nullptr, {}).answer;
      });
    }
  }
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(answers[i], "The answer is \\boxed{" + std::to_string(i + 10) + "}.");
  }
}

}  // namespace
}  // namespace rbench::test
