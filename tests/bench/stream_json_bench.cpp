// Decoding streamed chat chunks: the OpenAI client's per-chunk JSON path
// (engines/openai/openai_response.h: parse the SSE data, read the delta, split reasoning from the
// answer, time the chunk), measured against RapidJSON parsing the same bytes alone, the floor
// that path is built on.
//   build/rbench_bench --benchmark_filter=StreamJson --benchmark_format=json
// Counters: bytes/s and items/s (chunks/s); ResponseAccumulator / parse-only is the overhead.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "engines/openai/openai_response.h"

namespace rbench {
namespace {

// A response as a reasoning model streams it: `reasoning` chunks of reasoning_content, then
// `answer` chunks of content, each one token of text, then the finish and usage chunks.
std::vector<std::string> chunk_datas(int reasoning, int answer) {
  std::vector<std::string> out;
  const std::string head = R"({"id":"chatcmpl-1","object":"chat.completion.chunk",)"
                           R"("created":1700000000,"model":"deepseek-reasoner","choices":[)";
  for (int i = 0; i < reasoning; ++i) {
    out.push_back(head + R"({"index":0,"delta":{"reasoning_content":" step )" + std::to_string(i) +
                  R"("},"finish_reason":null}]})");
  }
  for (int i = 0; i < answer; ++i) {
    out.push_back(head + R"({"index":0,"delta":{"content":" word )" + std::to_string(i) +
                  R"("},"finish_reason":null}]})");
  }
  out.push_back(head + R"({"index":0,"delta":{},"finish_reason":"stop"}]})");
  out.push_back(head + R"(],"usage":{"prompt_tokens":20,"completion_tokens":)" +
                std::to_string(reasoning + answer) +
                R"(,"completion_tokens_details":)"
                R"({"reasoning_tokens":)" +
                std::to_string(reasoning) + "}}}");
  return out;
}

std::int64_t total_bytes(const std::vector<std::string>& chunks) {
  std::int64_t n = 0;
  for (const std::string& c : chunks) n += static_cast<std::int64_t>(c.size());
  return n;
}

// The client's path: every chunk through a fresh accumulator per response.
void BM_StreamJsonAccumulate(benchmark::State& state) {
  const auto chunks = chunk_datas(static_cast<int>(state.range(0)), 64);
  for (auto _ : state) {
    ResponseAccumulator response(ThinkTags::leading, nullptr);
    double t = 0;
    for (const std::string& data : chunks) {
      if (!response.on_stream_data(data, t)) state.SkipWithError("protocol error");
      t += 0.001;
    }
    response.on_stream_data("[DONE]", t);
    response.finish(t);
    benchmark::DoNotOptimize(response.completion().answer.size());
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(chunks));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(chunks.size()));
}
BENCHMARK(BM_StreamJsonAccumulate)->Arg(64)->Arg(1024);

// The floor: RapidJSON parsing the same chunk data into a DOM, nothing else.
void BM_StreamJsonParseOnly(benchmark::State& state) {
  const auto chunks = chunk_datas(static_cast<int>(state.range(0)), 64);
  for (auto _ : state) {
    for (const std::string& data : chunks) {
      rapidjson::Document doc;
      doc.Parse(data.data(), data.size());
      benchmark::DoNotOptimize(doc.HasParseError());
    }
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(chunks));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(chunks.size()));
}
BENCHMARK(BM_StreamJsonParseOnly)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace rbench
