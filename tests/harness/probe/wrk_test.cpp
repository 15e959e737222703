// wrk's text output read back, the Lua script the ceiling probe gives it, and the small process
// runner that starts it.
#include "harness/probe/wrk.h"

#include <gtest/gtest.h>

namespace rbench::probe {
namespace {

// As wrk 4.1.0 prints it with --latency (distribution lines shortened).
constexpr const char* kWrkOutput = R"(Running 1s test @ http://127.0.0.1:40321/v1/chat/completions
  2 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.50us  120.31us   3.21ms   91.20%
    Req/Sec     2.41k   150.00     2.60k    70.00%
  Latency Distribution
     50%  390.00us
     99%  900.00us
  4823 requests in 1.00s, 9.87MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:   4811.37
Transfer/sec:      9.85MB
)";

TEST(Wrk, ReadsTheSummary) {
  const auto w = parse_wrk_output(kWrkOutput);
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->requests_per_s, 4811.37);
  EXPECT_EQ(w->requests, 4823);
  EXPECT_DOUBLE_EQ(w->duration_s, 1.0);
  EXPECT_EQ(w->non_2xx, 5);
  EXPECT_EQ(w->socket_errors, 3);
  EXPECT_NEAR(w->latency_avg_ms, 0.4125, 1e-9);
}

TEST(Wrk, NoRequestsPerSecondLineIsNoSummary) {
  EXPECT_FALSE(parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n"));
}

TEST(Wrk, DurationsInMinutesAndLatencyInSeconds) {
  const auto w = parse_wrk_output(
      "    Latency     1.50s \n  10 requests in 2.00m, 1KB read\nRequests/sec:      0.08\n");
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->duration_s, 120.0);
  EXPECT_DOUBLE_EQ(w->latency_avg_ms, 1500.0);
}

TEST(Wrk, ScriptCarriesTheBodyVerbatimAndTheHeaders) {
  const std::string body = R"({"messages":[{"content":"a ]=] b \"q\""}]})";
  const std::string s =
      wrk_post_script(body, {"Content-Type: application/json", "Accept: text/event-stream"});
  EXPECT_NE(s.find("wrk.method = \"POST\""), std::string::npos) << s;
  // The body holds "]=]", so the long string uses level 2.
  EXPECT_NE(s.find("wrk.body = [==[" + body + "]==]"), std::string::npos) << s;
  EXPECT_NE(s.find("wrk.headers[\"Content-Type\"] = \"application/json\""), std::string::npos);
  EXPECT_NE(s.find("wrk.headers[\"Accept\"] = \"text/event-stream\""), std::string::npos);
}

TEST(Wrk, RunCommandCapturesOutputAndStatus) {
  const auto sh = find_on_path("sh");
  ASSERT_TRUE(sh);
  const CommandOutput out =
      run_command({sh->string(), "-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
  EXPECT_EQ(out.status, 3);
  EXPECT_FALSE(out.timed_out);
  EXPECT_NE(out.output.find("out"), std::string::npos);
  EXPECT_NE(out.output.find("err"), std::string::npos);
}

TEST(Wrk, RunCommandKillsWhatOutlivesItsTimeout) {
  const auto sh = find_on_path("sh");
  ASSERT_TRUE(sh);
  const auto t0 = std::chrono::steady_clock::now();
  const CommandOutput out =
      run_command({sh->string(), "-c", "exec sleep 30"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(out.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(Wrk, FindOnPathMissesWhatIsNotThere) {
  EXPECT_FALSE(find_on_path("rbench-no-such-program-on-path"));
}

}  // namespace
}  // namespace rbench::probe
