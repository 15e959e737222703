// Hot paths of the harness: the SSE parser, and streamed chat requests through the
// OpenAI-compatible client against the mock server on 127.0.0.1 (answers instantly, so the figure
// is the client's and server's own cost per request, not a model's).
//   build/rbench_bench --benchmark_repetitions=5 --benchmark_format=json
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "engines/openai/openai_client.h"
#include "harness/net/sse_parser.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench {
namespace {

std::string synthetic_stream(int chunks) {
  std::string s;
  for (int i = 0; i < chunks; ++i) {
    s += R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",)"
         R"("choices":[{"index":0,"delta":{"content":"token )" +
         std::to_string(i) + R"("},"finish_reason":null}]})" + "\n\n";
  }
  return s + "data: [DONE]\n\n";
}

void BM_SseParse(benchmark::State& state) {
  const std::string stream = synthetic_stream(1000);
  const auto piece = static_cast<std::size_t>(state.range(0));
  std::size_t events = 0;
  for (auto _ : state) {
    http::SseParser parser;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      events += parser.feed(std::string_view(stream).substr(at, piece)).size();
    }
  }
  benchmark::DoNotOptimize(events);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_SseParse)->Arg(16)->Arg(1500)->Arg(16384);

ModelProfile bench_profile(const MockOpenAIServer& server) {
  ModelProfile p;
  p.name = "mock";
  p.base_url = server.base_url();
  p.api_model = "mock";
  p.max_attempts = 1;
  return p;
}

MockOpenAIServer& bench_server() {
  static MockOpenAIServer* server = [] {
    static MockOpenAIServer s(MockServerOptions{});
    s.start();
    return &s;
  }();
  return *server;
}

// Streamed requests per second, one client shared by `threads` callers each waiting for its
// request (complete(), as the runner's thread path does).
void BM_StreamedRequest(benchmark::State& state) {
  static OpenAIClient client(bench_profile(bench_server()));
  ChatRequest request;
  request.messages = {{"user", "Ann has 3 apples and buys 4 more. How many apples does she have?"}};
  std::size_t failures = 0;
  for (auto _ : state) {
    const Completion c = client.complete(request, nullptr, {});
    if (!c.ok()) ++failures;
  }
  if (failures) state.SkipWithError("a request failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StreamedRequest)->Threads(1)->Threads(4)->UseRealTime();

// Streamed requests per second with `in_flight` requests kept in flight from one thread through
// submit() (the runner's path for asynchronous engines): each iteration is one batch of
// `in_flight` requests, each lane sending again from its done callback until the batch is sent.
void BM_StreamedRequestInFlight(benchmark::State& state) {
  static OpenAIClient client(bench_profile(bench_server()));
  const int in_flight = static_cast<int>(state.range(0));
  constexpr int kPerLane = 16;
  ChatRequest request;
  request.messages = {{"user", "Ann has 3 apples and buys 4 more. How many apples does she have?"}};
  std::int64_t failures = 0;
  for (auto _ : state) {
    std::mutex mutex;
    std::condition_variable cv;
    int lanes = in_flight;
    std::function<void(int)> send = [&](int left) {
      client.submit(request, nullptr, {}, [&, left](Completion c) {
        if (!c.ok()) ++failures;  // the loop's thread only
        if (left > 1) {
          send(left - 1);
          return;
        }
        std::lock_guard lock(mutex);
        if (--lanes == 0) cv.notify_all();
      });
    };
    for (int i = 0; i < in_flight; ++i) send(kPerLane);
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return lanes == 0; });
  }
  if (failures) state.SkipWithError("a request failed");
  state.SetItemsProcessed(state.iterations() * in_flight * kPerLane);
}
BENCHMARK(BM_StreamedRequestInFlight)->Arg(1)->Arg(4)->Arg(16)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace rbench

BENCHMARK_MAIN();
