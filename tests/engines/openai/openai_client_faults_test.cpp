// OpenAIClient under the mock server's fault script: what is retried, what is not, how long it
// waits, what a give-up looks like (an error, never an answer), cancellation, and API keys kept
// out of every error message.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "engines/engine_test_util.h"
#include "engines/openai/openai_client.h"

namespace rbench::test {
namespace {

constexpr const char* kQuestion = "What is 20 plus 22?";
constexpr const char* kAnswer = "The answer is \\boxed{42}.";

// A profile whose idle timeout is the one given, not scaled for sanitizers as profile_for's is:
// a stall past it is the fault under test.
ModelProfile stalls_after(const MockOpenAIServer& server, double idle_timeout_s) {
  ModelProfile p = profile_for(server);
  p.idle_timeout_s = idle_timeout_s;
  return p;
}

struct Faulty {
  explicit Faulty(const std::string& spec, int token_delay_ms = 0)
      : server([&] {
          MockServerOptions o;
          o.faults = parse_fault_spec(spec);
          o.token_delay_ms = token_delay_ms;
          return o;
        }()) {
    server.start();
  }
  Completion run(const ModelProfile& profile, std::stop_token stop = {}) {
    OpenAIClient client(profile);
    return client.complete(ask(kQuestion), nullptr, stop);
  }
  // A raw-text completion (/v1/completions) through the same fault script.
  Completion run_raw(const ModelProfile& profile) {
    OpenAIClient client(profile);
    return client.complete(continue_text(kCodePrompt), nullptr, {});
  }
  static constexpr const char* kCodePrompt = "def f(x):\n";
  MockOpenAIServer server;
};

void expect_no_answer(const Completion& c) {
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.answer, "");
  EXPECT_EQ(c.reasoning, "");
  EXPECT_EQ(c.finish_reason, "");
}

TEST(ClientFaults, RateLimitHonoursRetryAfter) {
  Faulty f("429:1");
  ModelProfile p = profile_for(f.server);
  p.backoff_max_s = 5;  // Retry-After is honoured up to backoff_max_s
  const auto t0 = std::chrono::steady_clock::now();
  const Completion c = f.run(p);
  const double took = seconds_since(t0);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.attempts, 2);
  EXPECT_GE(took, 1.0) << "Retry-After: 1 was not waited for";
  EXPECT_LT(took, 2.5);
  EXPECT_LT(c.timings.e2e_s, 1.0) << "timings are of the attempt that succeeded";
}

TEST(ClientFaults, ServerErrorIsRetriedThenSucceeds) {
  Faulty f("500,500");
  const Completion c = f.run(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.http_status, 200);
  EXPECT_EQ(f.server.requests_received(), 3u);
}

TEST(ClientFaults, BadRequestIsNotRetried) {
  Faulty f("400");
  const Completion c = f.run(profile_for(f.server));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::http);
  EXPECT_EQ(c.http_status, 400);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(f.server.requests_received(), 1u);
  EXPECT_NE(c.error.find("HTTP 400"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("mock fault: bad request"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find(f.server.base_url() + "/chat/completions"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("1 attempt"), std::string::npos) << c.error;
}

TEST(ClientFaults, ExhaustedRetriesAreAnErrorNeverAnAnswer) {
  Faulty f("500,500,500,500");
  const Completion c = f.run(profile_for(f.server));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::http);
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.http_status, 500);
  EXPECT_NE(c.error.find("3 attempts"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("internal server error"), std::string::npos) << c.error;
  EXPECT_EQ(f.server.faults_pending(), 1u);
}

TEST(ClientFaults, StallLongerThanIdleTimeoutIsRetried) {
  Faulty f("stall:2000");
  const auto t0 = std::chrono::steady_clock::now();
  const Completion c = f.run(stalls_after(f.server, 0.3));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.attempts, 2);
  EXPECT_LT(seconds_since(t0), 1.5);
}

TEST(ClientFaults, StallThatKeepsStallingIsATimeout) {
  Faulty f("stall:2000,stall:2000,stall:2000");
  const Completion c = f.run(stalls_after(f.server, 0.3));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::timeout);
  EXPECT_EQ(c.attempts, 3);
  EXPECT_NE(c.error.find("idle timeout"), std::string::npos) << c.error;
}

TEST(ClientFaults, ShortStallWithinIdleTimeoutIsFine) {
  Faulty f("stall:100");
  const Completion c = f.run(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.attempts, 1);
}

TEST(ClientFaults, CutStreamIsRetried) {
  Faulty f("cut");
  const Completion c = f.run(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.attempts, 2);
}

TEST(ClientFaults, CutEveryTimeIsAProtocolError) {
  Faulty f("cut,cut,cut");
  const Completion c = f.run(profile_for(f.server));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::protocol);
  EXPECT_NE(c.error.find("[DONE]"), std::string::npos) << c.error;
}

TEST(ClientFaults, MalformedChunkIsRetried) {
  Faulty f("badjson");
  const Completion c = f.run(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, kAnswer);
  EXPECT_EQ(c.attempts, 2);
}

TEST(ClientFaults, MalformedEveryTimeIsAProtocolError) {
  Faulty f("badjson,badjson,badjson");
  const Completion c = f.run(profile_for(f.server));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::protocol);
  EXPECT_NE(c.error.find("malformed JSON"), std::string::npos) << c.error;
}

TEST(ClientFaults, StreamEndingWithoutDoneIsRetried) {
  Faulty f("nodone,nodone");
  const Completion c = f.run(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.attempts, 3);
}

TEST(ClientFaults, NonStreamingFaultsAreRetriedToo) {
  Faulty f("cut,badjson");
  ModelProfile p = profile_for(f.server);
  p.stream = false;
  const Completion c = f.run(p);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.answer, kAnswer);
}

TEST(ClientFaults, RawCompletionRateLimitedThenServed) {
  Faulty f("429");
  const Completion c = f.run_raw(profile_for(f.server));
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, "    return None\n\n");
  EXPECT_EQ(c.attempts, 2);
  EXPECT_EQ(f.server.requests_received(), 2u);
}

TEST(ClientFaults, RawCompletionCutStreamIsRetriedThenAProtocolError) {
  {
    Faulty f("cut");
    const Completion c = f.run_raw(profile_for(f.server));
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.answer, "    return None\n\n") << "no text of the cut attempt is kept";
    EXPECT_EQ(c.attempts, 2);
  }
  Faulty f("cut,cut,cut");
  const Completion c = f.run_raw(profile_for(f.server));
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::protocol);
  EXPECT_EQ(c.attempts, 3);
  EXPECT_NE(c.error.find("[DONE]"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("POST " + f.server.base_url() + "/completions;"), std::string::npos)
      << c.error;
}

TEST(ClientFaults, RawCompletionNonStreamingFaultsAreRetriedToo) {
  Faulty f("500,cut,badjson,400");
  ModelProfile p = profile_for(f.server);
  p.stream = false;
  p.max_attempts = 4;
  const Completion c = f.run_raw(p);
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::http) << "the 400 ends it: " << c.error;
  EXPECT_EQ(c.http_status, 400);
  EXPECT_EQ(c.attempts, 4);
  const Completion again = f.run_raw(p);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.answer, "    return None\n\n");
}

TEST(ClientFaults, ConnectionRefusedIsAConnectionError) {
  int port = 0;
  {
    MockOpenAIServer gone;
    gone.start();
    port = gone.port();
  }
  ModelProfile p = profile_for("http://127.0.0.1:" + std::to_string(port) + "/v1");
  p.max_attempts = 2;
  OpenAIClient client(p);
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::connection);
  EXPECT_EQ(c.attempts, 2);
  EXPECT_EQ(c.http_status, 0);
}

TEST(ClientFaults, CancelMidStream) {
  Faulty f("", 100);  // ~20 tokens at 100 ms: two seconds of streaming
  std::stop_source source;
  // Stop once the stream has begun (the first token), not after a fixed delay: on a loaded
  // machine the first token can take longer than any delay chosen here.
  struct StopOnFirstToken : RecordingSink {
    std::stop_source* source = nullptr;
    void on_reasoning(std::string_view text, double t_s) override {
      RecordingSink::on_reasoning(text, t_s);
      source->request_stop();
    }
  } sink;
  sink.source = &source;
  const auto t0 = std::chrono::steady_clock::now();
  ModelProfile p = profile_for(f.server);
  p.idle_timeout_s = 5;
  OpenAIClient patient(p);
  const Completion c = patient.complete(ask(kQuestion), &sink, source.get_token());
  EXPECT_LT(seconds_since(t0), 1.5);  // the stream would take ~2 s
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::cancelled);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_FALSE(sink.reasoning.empty()) << "the stream had begun";
}

TEST(ClientFaults, CancelDuringBackoffEndsTheWaitAtOnce) {
  Faulty f("429:30");
  ModelProfile p = profile_for(f.server);
  p.backoff_max_s = 60;
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    source.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const Completion c = f.run(p, source.get_token());
  EXPECT_LT(seconds_since(t0), 1.0);
  EXPECT_EQ(c.error_kind, ErrorKind::cancelled);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(f.server.requests_received(), 1u);
}

TEST(ClientFaults, AlreadyCancelledSendsNothing) {
  Faulty f("");
  std::stop_source source;
  source.request_stop();
  const Completion c = f.run(profile_for(f.server), source.get_token());
  EXPECT_EQ(c.error_kind, ErrorKind::cancelled);
  EXPECT_EQ(f.server.requests_received(), 0u);
}

// A hand-written server for what the mock does not do: echo the key in an error, send an error
// object mid-stream, or end without [DONE] after a finish_reason.
class ScriptedServer {
 public:
  explicit ScriptedServer(httplib::Server::Handler handler,
                          const std::string& path = "/v1/chat/completions") {
    server_.Post(path, std::move(handler));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedServer() { server_.stop(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::jthread thread_;
};

TEST(ClientFaults, ApiKeyNeverAppearsInErrors) {
  const std::string secret = "sk-rbench-test-7f3a9c1e5d";
  ScopedEnv env("RBENCH_TEST_SECRET_KEY", secret);
  ScriptedServer server([](const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content(R"({"error": {"message": "Incorrect API key provided: )" +
                        req.get_header_value("Authorization").substr(7) + R"(", "code": 401}})",
                    "application/json");
  });
  ModelProfile p = profile_for(server.base_url());
  p.api_key_envs = {"RBENCH_TEST_SECRET_KEY"};
  OpenAIClient client(p);
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  EXPECT_EQ(c.error_kind, ErrorKind::http);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_NE(c.error.find("Incorrect API key provided: [redacted]"), std::string::npos) << c.error;
  EXPECT_EQ(c.error.find(secret), std::string::npos) << c.error;
  EXPECT_EQ(c.error.find("Bearer"), std::string::npos) << c.error;
  EXPECT_EQ(client.describe().find(secret), std::string::npos);

  // The same for retried failures and timeouts.
  Faulty f("500,stall:2000,cut");
  ModelProfile q = stalls_after(f.server, 0.3);
  q.api_key_envs = {"RBENCH_TEST_SECRET_KEY"};
  const Completion d = f.run(q);
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.error.find(secret), std::string::npos) << d.error;
}

TEST(ClientFaults, ErrorObjectInTheStream) {
  ScriptedServer server([](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
        "data: {\"error\":{\"message\":\"model overloaded\",\"code\":503}}\n\n",
        "text/event-stream");
  });
  ModelProfile p = profile_for(server.base_url());
  p.max_attempts = 2;
  OpenAIClient client(p);
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  expect_no_answer(c);
  EXPECT_EQ(c.error_kind, ErrorKind::http);
  EXPECT_EQ(c.attempts, 2);  // 503 is worth a retry
  EXPECT_NE(c.error.find("model overloaded"), std::string::npos) << c.error;
}

TEST(ClientFaults, FinishedStreamWithoutDoneIsAccepted) {
  ScriptedServer server([](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "text/event-stream");
  });
  OpenAIClient client(profile_for(server.base_url()));
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, "42");
  EXPECT_EQ(c.usage.prompt_tokens, -1) << "no usage reported";
}

// A base model may write <think> itself; in a raw completion that is text, left for the scorer,
// whatever the profile's think_tags say about chat.
TEST(ClientFaults, RawCompletionKeepsThinkTagsInTheText) {
  ScriptedServer server(
      [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
            "\"text\":\"<think>hm</think>\",\"finish_reason\":null}]}\n\n"
            "data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
            "\"text\":\"    return 1\\n\",\"finish_reason\":\"stop\"}]}\n\n"
            "data: [DONE]\n\n",
            "text/event-stream");
      },
      "/v1/completions");
  ModelProfile p = profile_for(server.base_url());
  p.think_tags = ThinkTags::leading;
  OpenAIClient client(p);
  const Completion c = client.complete(continue_text("def f():\n"), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.answer, "<think>hm</think>    return 1\n");
  EXPECT_EQ(c.reasoning, "");
  EXPECT_EQ(c.finish_reason, "stop");
}

}  // namespace
}  // namespace rbench::test
