// Cached prompt tokens read from the usage of both shapes providers send, over a loopback server:
// OpenAI's prompt_tokens_details.cached_tokens and DeepSeek's prompt_cache_hit_tokens, streamed
// and not; absent, they stay unknown (-1).
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "engines/engine_test_util.h"
#include "engines/openai/openai_client.h"

namespace rbench::test {
namespace {

// Answers every request with `body` (a JSON body, or SSE events when `stream`).
class CannedServer {
 public:
  CannedServer(std::string body, bool stream) {
    server_.Post("/v1/chat/completions",
                 [body = std::move(body), stream](const httplib::Request&, httplib::Response& res) {
                   res.set_content(body, stream ? "text/event-stream" : "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CannedServer() { server_.stop(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::jthread thread_;
};

Completion complete_with(const std::string& usage, bool stream) {
  const std::string body =
      stream ? R"(data: {"choices":[{"index":0,"delta":{"content":"42"},"finish_reason":null}]})"
               "\n\n"
               R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":)" +
                   usage + "}\n\ndata: [DONE]\n\n"
             : R"({"choices":[{"index":0,"message":{"role":"assistant","content":"42"},)"
               R"("finish_reason":"stop"}],"usage":)" +
                   usage + "}";
  CannedServer server(body, stream);
  ModelProfile profile = profile_for(server.base_url());
  profile.stream = stream;
  OpenAIClient client(profile);
  return client.complete(ask("6 x 7?"), nullptr, {});
}

TEST(CachedTokens, OpenAIPromptTokensDetails) {
  for (const bool stream : {false, true}) {
    const Completion c = complete_with(
        R"({"prompt_tokens":1200,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":20}})",
        stream);
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.usage.prompt_tokens, 1200) << "stream " << stream;
    EXPECT_EQ(c.usage.cached_prompt_tokens, 1024) << "stream " << stream;
    EXPECT_EQ(c.usage.reasoning_tokens, 20);
  }
}

TEST(CachedTokens, DeepSeekPromptCacheHitTokens) {
  for (const bool stream : {false, true}) {
    const Completion c = complete_with(
        R"({"prompt_tokens":64,"completion_tokens":9,"prompt_cache_hit_tokens":48,"prompt_cache_miss_tokens":16})",
        stream);
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.usage.cached_prompt_tokens, 48) << "stream " << stream;
  }
}

TEST(CachedTokens, AbsentStaysUnknown) {
  const Completion c = complete_with(R"({"prompt_tokens":64,"completion_tokens":9})", false);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.usage.cached_prompt_tokens, -1);
}

}  // namespace
}  // namespace rbench::test
