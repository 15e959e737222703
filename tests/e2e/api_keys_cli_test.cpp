// `rbench run --api-key-env`: the named variables' keys reach the server in turn, the flag takes
// repeats and commas, an unset variable stops the run before any request, and no key lands in
// the store.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Keys set in this process reach rbench through its environment.
struct Keys {
  Keys() {
    ::setenv("RBENCH_E2E_KEY_A", "sk-e2e-aaaa", 1);
    ::setenv("RBENCH_E2E_KEY_B", "sk-e2e-bbbb", 1);
    ::setenv("RBENCH_E2E_KEY_C", "sk-e2e-cccc", 1);
  }
  ~Keys() {
    for (const char* name : {"RBENCH_E2E_KEY_A", "RBENCH_E2E_KEY_B", "RBENCH_E2E_KEY_C"}) {
      ::unsetenv(name);
    }
  }
};

TEST(ApiKeysCli, RunRotatesOverTheNamedKeysAndStoresNone) {
  Keys keys;
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto db = (dir.path() / "x.db").string();
  std::string out;
  ASSERT_EQ(
      run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite", "demo-math",
                  "--limit", "6", "--api-key-env", "RBENCH_E2E_KEY_A,RBENCH_E2E_KEY_B",
                  "--api-key-env", "RBENCH_E2E_KEY_C", "--db", db, "--quiet"},
                 out),
      0)
      << out;
  std::map<std::string, int> seen;
  for (const auto& header : server.authorizations()) ++seen[header];
  EXPECT_EQ(seen,
            (std::map<std::string, int>{
                {"Bearer sk-e2e-aaaa", 2}, {"Bearer sk-e2e-bbbb", 2}, {"Bearer sk-e2e-cccc", 2}}));
  for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
    const std::string bytes = read_file(file.path());
    EXPECT_FALSE(contains(bytes, "sk-e2e-")) << file.path() << " holds a key";
  }
  EXPECT_FALSE(contains(out, "sk-e2e-")) << out;
}

TEST(ApiKeysCli, UnsetVariableStopsTheRunNamingIt) {
  Keys keys;
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  std::string out;
  EXPECT_EQ(
      run_rbench({"run", "--model", "mock", "--base-url", server.base_url(), "--suite", "demo-math",
                  "--limit", "2", "--api-key-env", "RBENCH_E2E_KEY_A,RBENCH_E2E_SURELY_UNSET",
                  "--db", (dir.path() / "x.db").string(), "--quiet"},
                 out),
      2)
      << out;
  EXPECT_TRUE(contains(out, "RBENCH_E2E_SURELY_UNSET is not set")) << out;
  EXPECT_EQ(server.requests_received(), 0u);
  EXPECT_NE(
      run_rbench({"run", "--engine", "builtin", "--model",
                  RBENCH_SOURCE_DIR "/data/checkpoints/tiny-r1-arith", "--suite", "arith-easy",
                  "--api-key-env", "RBENCH_E2E_KEY_A", "--db", (dir.path() / "y.db").string()},
                 out),
      0);
  EXPECT_TRUE(contains(out, "--api-key-env applies to endpoints")) << out;
}

}  // namespace
}  // namespace rbench::test
