// Several API keys on one profile: requests take the keys in turn, a 429 moves to the next key at
// once, every named variable must be set, and no key shows in an error. Against the loopback mock
// (which records each request's Authorization header) and a scripted server that rate-limits one
// key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "engines/engine_factory.h"
#include "engines/engine_test_util.h"
#include "engines/openai/openai_client.h"
#include "harness/core/error.h"

namespace rbench::test {
namespace {

using ::testing::HasSubstr;

constexpr const char* kQuestion = "What is 20 plus 22?";

// Three keys in the environment for one test.
struct ThreeKeys {
  ScopedEnv a{"RBENCH_TEST_KEY_A", "sk-a-1111"};
  ScopedEnv b{"RBENCH_TEST_KEY_B", "sk-b-2222"};
  ScopedEnv c{"RBENCH_TEST_KEY_C", "sk-c-3333"};
  static std::vector<std::string> names() {
    return {"RBENCH_TEST_KEY_A", "RBENCH_TEST_KEY_B", "RBENCH_TEST_KEY_C"};
  }
};

std::map<std::string, int> count(const std::vector<std::string>& headers) {
  std::map<std::string, int> counts;
  for (const auto& h : headers) ++counts[h];
  return counts;
}

TEST(ApiKeys, RequestsRotateOverTheKeys) {
  ThreeKeys keys;
  MockOpenAIServer server;
  server.start();
  ModelProfile p = profile_for(server);
  p.api_key_envs = ThreeKeys::names();
  OpenAIClient client(p);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(client.complete(ask(kQuestion), nullptr, {}).ok());
  const std::vector<std::string> seen = server.authorizations();
  ASSERT_EQ(seen.size(), 7u);
  // Round-robin in request order: a, b, c, a, b, c, a.
  EXPECT_EQ(seen[0], "Bearer sk-a-1111");
  EXPECT_EQ(seen[1], "Bearer sk-b-2222");
  EXPECT_EQ(seen[2], "Bearer sk-c-3333");
  EXPECT_EQ(seen[3], "Bearer sk-a-1111");
  EXPECT_EQ(count(seen),
            (std::map<std::string, int>{
                {"Bearer sk-a-1111", 3}, {"Bearer sk-b-2222", 2}, {"Bearer sk-c-3333", 2}}));
}

TEST(ApiKeys, ConcurrentRequestsShareTheKeysEvenly) {
  ThreeKeys keys;
  MockOpenAIServer server;
  server.start();
  ModelProfile p = profile_for(server);
  p.api_key_envs = ThreeKeys::names();
  OpenAIClient client(p);
  constexpr int kThreads = 6, kPerThread = 5;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&client] {
        for (int i = 0; i < kPerThread; ++i) {
          EXPECT_TRUE(client.complete(ask(kQuestion), nullptr, {}).ok());
        }
      });
    }
  }
  const auto counts = count(server.authorizations());
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [header, n] : counts) EXPECT_EQ(n, kThreads * kPerThread / 3) << header;
}

TEST(ApiKeys, OneKeyIsSentAsBefore) {
  ScopedEnv key("RBENCH_TEST_KEY_A", "sk-a-1111");
  MockOpenAIServer server;
  server.start();
  ModelProfile p = profile_for(server);
  p.api_key_envs = {"RBENCH_TEST_KEY_A"};
  OpenAIClient client(p);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.complete(ask(kQuestion), nullptr, {}).ok());
  EXPECT_EQ(server.authorizations(), std::vector<std::string>(3, "Bearer sk-a-1111"));
}

TEST(ApiKeys, RateLimitedRequestRetriesOnTheNextKeyWithoutWaiting) {
  ThreeKeys keys;
  MockServerOptions options;
  options.faults = parse_fault_spec("429:30");  // the first request: wait 30 s, says the server
  MockOpenAIServer server(options);
  server.start();
  ModelProfile p = profile_for(server);
  p.api_key_envs = ThreeKeys::names();
  p.backoff_max_s = 60;  // Retry-After would be honoured in full with one key
  OpenAIClient client(p);
  const auto t0 = std::chrono::steady_clock::now();
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.attempts, 2);
  EXPECT_LT(seconds_since(t0), 5.0) << "another key has its own limit: no wait";
  EXPECT_EQ(server.authorizations(),
            (std::vector<std::string>{"Bearer sk-a-1111", "Bearer sk-b-2222"}));
  // The next request starts on the next key in turn.
  ASSERT_TRUE(client.complete(ask(kQuestion), nullptr, {}).ok());
  EXPECT_EQ(server.last_authorization(), "Bearer sk-b-2222");
}

// A hand-written server that answers by the key a request carries (the mock does not look at
// keys), counting each key's requests.
class KeyedServer {
 public:
  using Reply = std::function<void(const std::string& key, httplib::Response&)>;
  explicit KeyedServer(Reply reply) : reply_(std::move(reply)) {
    server_.Post(
        "/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
          const std::string key = req.get_header_value("Authorization").substr(7);  // "Bearer "
          {
            std::lock_guard lock(mutex_);
            ++seen_[key];
          }
          reply_(key, res);
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~KeyedServer() { server_.stop(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::map<std::string, int> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  Reply reply_;
  httplib::Server server_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, int> seen_;
  std::jthread thread_;
};

// 429 with Retry-After: 1 for `limited`, a plain JSON answer "42" for any other key.
KeyedServer::Reply limit_one_key(std::string limited) {
  return [limited](const std::string& key, httplib::Response& res) {
    if (key == limited) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error": {"message": "rate limit for this key", "code": 429}})",
                      "application/json");
      return;
    }
    res.set_content(
        R"({"choices": [{"index": 0, "message": {"role": "assistant", "content": "42"},)"
        R"( "finish_reason": "stop"}]})",
        "application/json");
  };
}

TEST(ApiKeys, ALimitedKeyCostsOneAttemptAndNoWait) {
  ThreeKeys keys;
  KeyedServer server(limit_one_key("sk-b-2222"));
  ModelProfile p = profile_for(server.base_url());
  p.stream = false;
  p.api_key_envs = ThreeKeys::names();
  p.backoff_max_s = 60;
  OpenAIClient client(p);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    const Completion c = client.complete(ask(kQuestion), nullptr, {});
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.answer, "42");
    // Requests starting on b (the 2nd and 5th) move on to c.
    EXPECT_EQ(c.attempts, i % 3 == 1 ? 2 : 1) << "request " << i;
  }
  EXPECT_LT(seconds_since(t0), 1.0) << "Retry-After: 1 was waited for";
  EXPECT_EQ(server.seen(),
            (std::map<std::string, int>{{"sk-a-1111", 2}, {"sk-b-2222", 2}, {"sk-c-3333", 4}}));
}

TEST(ApiKeys, EveryKeyLimitedWaitsOnceARound) {
  ScopedEnv a("RBENCH_TEST_KEY_A", "sk-a-1111");
  ScopedEnv b("RBENCH_TEST_KEY_B", "sk-a-1111");  // one real key under two names: both limited
  KeyedServer server(limit_one_key("sk-a-1111"));
  ModelProfile p = profile_for(server.base_url());
  p.stream = false;
  p.api_key_envs = {"RBENCH_TEST_KEY_A", "RBENCH_TEST_KEY_B"};
  p.max_attempts = 3;
  p.backoff_max_s = 5;
  OpenAIClient client(p);
  const auto t0 = std::chrono::steady_clock::now();
  const Completion c = client.complete(ask(kQuestion), nullptr, {});
  const double took = seconds_since(t0);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.http_status, 429);
  // a (no wait: b is left), b (both tried: Retry-After 1), a.
  EXPECT_GE(took, 1.0);
  EXPECT_LT(took, 2.5);
  EXPECT_THAT(c.error, HasSubstr("rate limit for this key"));
  EXPECT_EQ(c.error.find("sk-a-1111"), std::string::npos) << c.error;
}

TEST(ApiKeys, EveryUnsetVariableIsNamed) {
  ScopedEnv a("RBENCH_TEST_KEY_A", "sk-a-1111");
  ModelProfile p = profile_for("http://127.0.0.1:9/v1");
  p.name = "three-keys";
  p.api_key_envs = {"RBENCH_TEST_KEY_A", "RBENCH_TEST_UNSET_B", "RBENCH_TEST_UNSET_C"};
  try {
    OpenAIClient client(p);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("model profile three-keys reads its API keys from the environment "
                                "variables RBENCH_TEST_KEY_A, RBENCH_TEST_UNSET_B, "
                                "RBENCH_TEST_UNSET_C; RBENCH_TEST_UNSET_B, RBENCH_TEST_UNSET_C "
                                "are not set"));
    EXPECT_EQ(what.find("sk-a-1111"), std::string::npos) << what;
  }
  // One variable: today's words.
  p.api_key_envs = {"RBENCH_TEST_UNSET_B"};
  try {
    OpenAIClient client(p);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model profile three-keys reads its API key from the "
                                    "environment variable RBENCH_TEST_UNSET_B, which is not set; "
                                    "export RBENCH_TEST_UNSET_B=..."));
  }
}

TEST(ApiKeys, EveryKeyIsRedactedFromErrors) {
  ThreeKeys keys;
  KeyedServer server([](const std::string& key, httplib::Response& res) {
    res.status = 401;
    res.set_content(R"({"error": {"message": "Incorrect API key provided: )" + key + R"("}})",
                    "application/json");
  });
  ModelProfile p = profile_for(server.base_url());
  p.api_key_envs = ThreeKeys::names();
  OpenAIClient client(p);
  for (int i = 0; i < 3; ++i) {
    const Completion c = client.complete(ask(kQuestion), nullptr, {});
    EXPECT_EQ(c.error_kind, ErrorKind::http);
    EXPECT_THAT(c.error, HasSubstr("Incorrect API key provided: [redacted]"));
    EXPECT_THAT(c.error, ::testing::Not(HasSubstr("sk-")));
  }
  EXPECT_EQ(server.seen().size(), 3u);
}

// --api-key-env: the command line's names replace the profile's.
TEST(ApiKeys, CommandLineNamesOverrideTheProfile) {
  ThreeKeys keys;
  unsetenv("DEEPSEEK_API_KEY");  // the profile's own variable: not needed once overridden
  MockOpenAIServer server;
  server.start();
  const std::filesystem::path profiles = std::filesystem::path(RBENCH_SOURCE_DIR) / "data/models";
  const MadeEngine made = make_engine({.engine = "openai",
                                       .model = "deepseek-r1",
                                       .base_url = server.base_url(),
                                       .api_key_envs = {"RBENCH_TEST_KEY_C", "RBENCH_TEST_KEY_A"}},
                                      profiles, "cmd");
  EXPECT_EQ(made.profile.api_key_envs,
            (std::vector<std::string>{"RBENCH_TEST_KEY_C", "RBENCH_TEST_KEY_A"}));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(made.engine->complete(ask(kQuestion), nullptr, {}).ok());
  }
  EXPECT_EQ(count(server.authorizations()),
            (std::map<std::string, int>{{"Bearer sk-a-1111", 2}, {"Bearer sk-c-3333", 2}}));

  const auto refusal = [&](const EngineOptions& o) -> std::string {
    try {
      check_engine_options(o, "cmd");
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_THAT(refusal({.engine = "builtin", .model = "x", .api_key_envs = {"RBENCH_TEST_KEY_A"}}),
              HasSubstr("cmd: --api-key-env applies to endpoints, not --engine builtin"));
  EXPECT_THAT(refusal({.engine = "openai", .model = "x", .api_key_envs = {"A", ""}}),
              HasSubstr("cmd: --api-key-env: an empty variable name"));
  EXPECT_THAT(refusal({.engine = "openai", .model = "x", .api_key_envs = {"A", "B", "A"}}),
              HasSubstr("cmd: --api-key-env: A is named twice"));
  // A named variable that is unset is the profile's error, naming the profile.
  try {
    make_engine({.engine = "openai", .model = "mock", .api_key_envs = {"RBENCH_TEST_UNSET_D"}},
                profiles, "cmd");
    ADD_FAILURE() << "no error for an unset --api-key-env";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model profile mock reads its API key from the environment "
                                    "variable RBENCH_TEST_UNSET_D, which is not set"));
  }
}

}  // namespace
}  // namespace rbench::test
