// Store inserts: Store::put_sample (one transaction per sample, SQLite in WAL mode, the way a run
// commits each finished sample) into a fresh file in the temp directory, from 1 and 4 threads
// sharing the store as the runner's workers do.
//   build/rbench_bench --benchmark_filter=Store --benchmark_format=json
// Counters: items/s = samples committed per second.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "harness/store/store.h"

namespace rbench {
namespace {

// A sample as a math run stores it: a few hundred bytes of reasoning and answer, a score.
SampleRecord bench_sample(std::int64_t run_id, int index) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {"bench-model", "bench-suite", fmt::format("item-{}", index), 0};
  r.suite_version = "0123456789abcdef";
  r.prompt_json = R"([{"role":"user","content":"Ann has 3 apples and buys 4 more. How many?"}])";
  r.reference = std::string(1, '7');
  r.completion.reasoning.resize(600, 'r');
  r.completion.answer = "She has 3 + 4 = 7 apples. The answer is \\boxed{7}.";
  r.completion.finish_reason = "stop";
  r.completion.usage = {40, 200, 150};
  r.completion.timings.ttft_s = 0.2;
  r.completion.timings.e2e_s = 2.0;
  r.completion.timings.chunk_times_s.assign(200, 0.01);
  r.completion.attempts = 1;
  r.completion.http_status = 200;
  r.cost_usd = 0.0001;
  r.scorer = "math";
  r.score = Score{1.0, true, "7", "boxed", "7 == 7"};
  return r;
}

// One store per benchmark run, shared by its threads: made by Setup, removed by Teardown.
struct BenchStore {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  std::int64_t run_id = 0;
  std::atomic<int> next{0};

  BenchStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rbench-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    store = std::make_unique<Store>(dir / "bench.db");
    run_id = store->open_run("bench", "{}", "0", "bench").id;
  }
  ~BenchStore() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};
std::unique_ptr<BenchStore> bench_store;

void make_store(const benchmark::State&) {
  bench_store = std::make_unique<BenchStore>();
}
void remove_store(const benchmark::State&) {
  bench_store.reset();
}

void BM_StorePutSample(benchmark::State& state) {
  BenchStore& b = *bench_store;
  for (auto _ : state) {
    b.store->put_sample(bench_sample(b.run_id, b.next.fetch_add(1)));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["db_bytes"] =
        static_cast<double>(std::filesystem::file_size(b.dir / "bench.db"));
  }
}
BENCHMARK(BM_StorePutSample)
    ->Setup(make_store)
    ->Teardown(remove_store)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime();

}  // namespace
}  // namespace rbench
