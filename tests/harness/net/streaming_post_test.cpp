// streaming_post against the mock server: bytes arrive as sent, status and headers are kept,
// and each timeout and the stop token end the transfer promptly with the right reason.
#include "harness/net/streaming_post.h"

#include <gtest/gtest.h>

#include <thread>

#include "engines/engine_test_util.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::http {
namespace {

using test::seconds_since;

constexpr const char* kStreamBody =
    R"({"model":"mock","stream":true,"messages":[{"role":"user","content":"1 and 2"}]})";

PostRequest post_to(const MockOpenAIServer& server, double idle_s = 2, double total_s = 10) {
  return PostRequest{server.base_url() + "/chat/completions",
                     kStreamBody,
                     {"Content-Type: application/json"},
                     2,
                     idle_s,
                     total_s};
}

TEST(StreamingPost, DeliversBodyAsItArrives) {
  MockServerOptions options;
  options.token_delay_ms = 5;
  MockOpenAIServer server(options);
  server.start();
  std::string body;
  int calls = 0;
  const auto result =
      streaming_post(post_to(server), [&](std::string_view bytes, const ResponseHead& head) {
        EXPECT_EQ(head.status, 200);
        body.append(bytes);
        ++calls;
        return true;
      });
  EXPECT_EQ(result.error, TransferError::none) << result.error_message;
  EXPECT_EQ(result.head.status, 200);
  EXPECT_EQ(result.head.header("content-type"), "text/event-stream");
  EXPECT_GT(calls, 5) << "a delayed stream should arrive in many pieces";
  EXPECT_NE(body.find("data: [DONE]"), std::string::npos);
}

TEST(StreamingPost, ErrorStatusKeepsHeadersAndBody) {
  MockServerOptions options;
  options.faults = parse_fault_spec("429:3");
  MockOpenAIServer server(options);
  server.start();
  bool called = false;
  const auto result = streaming_post(post_to(server), [&](std::string_view, const ResponseHead&) {
    called = true;
    return true;
  });
  EXPECT_EQ(result.error, TransferError::none);
  EXPECT_EQ(result.head.status, 429);
  EXPECT_EQ(result.head.header("retry-after"), "3");
  EXPECT_NE(result.error_body.find("rate limit"), std::string::npos) << result.error_body;
  EXPECT_FALSE(called) << "error bodies are not streamed to the callback";
}

TEST(StreamingPost, IdleTimeoutFiresWithinMilliseconds) {
  MockServerOptions options;
  options.faults = parse_fault_spec("stall:3000");
  MockOpenAIServer server(options);
  server.start();
  const auto t0 = std::chrono::steady_clock::now();
  const auto result = streaming_post(post_to(server, 0.2), [](auto, auto&) { return true; });
  const double took = seconds_since(t0);
  EXPECT_EQ(result.error, TransferError::idle_timeout) << result.error_message;
  EXPECT_TRUE(result.body_started);
  EXPECT_GE(took, 0.2);
  EXPECT_LT(took, 0.8) << "idle timeout should be enforced at ms resolution";
}

TEST(StreamingPost, TotalTimeout) {
  MockServerOptions options;
  options.token_delay_ms = 20;  // ~30 tokens: longer than the limit, never idle for long
  MockOpenAIServer server(options);
  server.start();
  const auto result = streaming_post(post_to(server, 2, 0.15), [](auto, auto&) { return true; });
  EXPECT_EQ(result.error, TransferError::total_timeout) << result.error_message;
}

TEST(StreamingPost, StopTokenCancelsAtOnce) {
  MockServerOptions options;
  options.faults = parse_fault_spec("stall:5000");
  MockOpenAIServer server(options);
  server.start();
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto result = streaming_post(
      post_to(server, 10), [](auto, auto&) { return true; }, source.get_token());
  EXPECT_EQ(result.error, TransferError::cancelled);
  EXPECT_LT(seconds_since(t0), 1.0);  // the stall would last seconds
}

TEST(StreamingPost, CallbackCanAbort) {
  MockOpenAIServer server;
  server.start();
  const auto result = streaming_post(post_to(server), [](auto, auto&) { return false; });
  EXPECT_EQ(result.error, TransferError::aborted);
}

TEST(StreamingPost, ConnectionRefused) {
  int port = 0;
  {
    MockOpenAIServer server;  // take a free port, then close it
    server.start();
    port = server.port();
  }
  PostRequest request{"http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions",
                      kStreamBody,
                      {},
                      1,
                      1,
                      2};
  const auto result = streaming_post(request, [](auto, auto&) { return true; });
  EXPECT_EQ(result.error, TransferError::connection) << result.error_message;
  EXPECT_EQ(result.head.status, 0);
  EXPECT_FALSE(result.error_message.empty());
}

}  // namespace
}  // namespace rbench::http
