// `rbench serve --engine openai`: a relay of another endpoint. The OpenAI client streams on its
// event loop's thread, so the relay queues the text and writes it from the connection's thread;
// these check that streamed and whole answers arrive intact, many at once.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "e2e/subprocess.h"
#include "engines/openai/openai_client.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench {
namespace {
using test::read_file;
using test::Subprocess;
using test::TempDir;

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

ModelProfile relay_profile(int port, bool stream) {
  ModelProfile p;
  p.name = "relay";
  p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  p.api_model = "mock";
  p.stream = stream;
  p.connect_timeout_s = 1;
  p.idle_timeout_s = 10;
  p.max_attempts = 30;  // the relay needs a moment to bind
  p.backoff_base_s = 0.1;
  p.backoff_max_s = 0.2;
  return p;
}

ChatRequest ask(int a, int b) {
  ChatRequest r;
  r.messages.push_back({"user", "What is " + std::to_string(a) + " + " + std::to_string(b) + "?"});
  return r;
}

TEST(ServeRelay, StreamsAndWholeAnswersOfTheUpstreamArriveIntactManyAtOnce) {
  MockServerOptions options;
  options.token_delay_ms = 2;
  MockOpenAIServer upstream(options);
  upstream.start();
  // What the mock answers directly: the relay must give the same text.
  OpenAIClient direct(relay_profile(upstream.port(), true));
  const Completion expected = direct.complete(ask(2, 3), nullptr, {});
  ASSERT_TRUE(expected.ok()) << expected.error;
  ASSERT_NE(expected.answer.find("5"), std::string::npos) << expected.answer;

  TempDir dir;
  const int port = free_loopback_port();
  Subprocess relay({RBENCH_BINARY, "serve", "--engine", "openai", "--model", "mock", "--base-url",
                    upstream.base_url(), "--port", std::to_string(port)},
                   dir.path() / "relay.log");
  for (const bool stream : {true, false}) {
    OpenAIClient client(relay_profile(port, stream));
    constexpr int kRequests = 24;
    std::vector<std::future<Completion>> answers;
    for (int i = 0; i < kRequests; ++i) {
      auto promise = std::make_shared<std::promise<Completion>>();
      answers.push_back(promise->get_future());
      client.submit(ask(2, 3), nullptr, {},
                    [promise](Completion c) { promise->set_value(std::move(c)); });
    }
    for (auto& f : answers) {
      ASSERT_EQ(f.wait_for(std::chrono::seconds(60)), std::future_status::ready);
      const Completion c = f.get();
      ASSERT_TRUE(c.ok()) << c.error << "\n" << read_file(dir.path() / "relay.log");
      EXPECT_EQ(c.answer, expected.answer) << "stream=" << stream;
      EXPECT_EQ(c.reasoning, expected.reasoning) << "stream=" << stream;
      EXPECT_EQ(c.finish_reason, "stop");
    }
  }
  relay.signal(SIGTERM);
  EXPECT_EQ(relay.wait(std::chrono::seconds(10)), 0) << read_file(dir.path() / "relay.log");
}

}  // namespace
}  // namespace rbench
