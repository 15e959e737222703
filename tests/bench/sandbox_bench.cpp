// What the code sandbox costs: the 164 canonical HumanEval solutions with their tests, run
// through Sandbox::run (namespaces, Landlock, seccomp, the trusted driver), forked by the zygote
// (BM_SandboxHumanEvalCanonical) or each starting its own interpreter as before the zygote
// (BM_SandboxExecHumanEvalCanonical), against the same programs run as plain `python3 -c`
// children (no isolation, no driver) from the same binary. items_per_second = programs per
// second; the ratio to plain python3 is the sandbox's overhead.
//   build/rbench_bench --benchmark_filter=HumanEval
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <spawn.h>
#include <sys/wait.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scorers/code/sandbox.h"

extern char** environ;

namespace rbench::sandbox {
namespace {

struct Canonical {
  Program program;
  std::string plain;  // the same, as one script for `python3 -c`
};

// HumanEval from the shared data ($RBENCH_SHARED_DATA overrides the build's default).
const std::vector<Canonical>& canonical_solutions() {
  static const std::vector<Canonical> solutions = [] {
    std::vector<Canonical> out;
    std::filesystem::path dir;
    if (const char* env = std::getenv("RBENCH_SHARED_DATA")) dir = env;
#ifdef RBENCH_SHARED_DATA_DIR
    if (dir.empty()) dir = RBENCH_SHARED_DATA_DIR;
#endif
    std::ifstream in(dir / "humaneval" / "HumanEval.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      rapidjson::Document doc;
      doc.Parse(line.c_str());
      if (doc.HasParseError() || !doc.IsObject()) continue;
      Canonical c;
      c.program.candidate =
          std::string(doc["prompt"].GetString()) + doc["canonical_solution"].GetString();
      c.program.tests = doc["test"].GetString();
      c.program.entry_point = doc["entry_point"].GetString();
      c.plain =
          c.program.candidate + "\n" + c.program.tests + "\ncheck(" + c.program.entry_point + ")\n";
      out.push_back(std::move(c));
    }
    return out;
  }();
  return solutions;
}

const Sandbox& bench_sandbox() {
  static const Sandbox sandbox([] {
    Options options;
    options.zygote = true;
    return options;
  }());
  return sandbox;
}

const Sandbox& exec_sandbox() {
  static const Sandbox sandbox([] {
    Options options;
    options.zygote = false;
    return options;
  }());
  return sandbox;
}

// Runs every solution once per iteration on `threads` threads; counts the ones that failed.
template <typename RunOne>
void run_all(benchmark::State& state, RunOne&& run_one) {
  const auto& solutions = canonical_solutions();
  if (solutions.empty()) {
    state.SkipWithError("HumanEval.jsonl not found (set RBENCH_SHARED_DATA)");
    return;
  }
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  std::atomic<int> failed{0};
  for (auto _ : state) {
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, solutions.size(), [&](std::size_t i) {
        if (!run_one(solutions[i])) ++failed;
      });
    });
  }
  if (failed > 0) state.SkipWithError("some canonical solutions did not pass");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * solutions.size()));
}

void BM_SandboxHumanEvalCanonical(benchmark::State& state) {
  const Sandbox& sandbox = bench_sandbox();
  run_all(state,
          [&](const Canonical& c) { return sandbox.run(c.program).outcome == Outcome::passed; });
}
// One iteration is 164 interpreter runs (seconds): repetitions, not iterations, for statistics.
BENCHMARK(BM_SandboxHumanEvalCanonical)->Arg(1)->Arg(2)->Iterations(1)->UseRealTime();

void BM_SandboxExecHumanEvalCanonical(benchmark::State& state) {
  const Sandbox& sandbox = exec_sandbox();
  run_all(state,
          [&](const Canonical& c) { return sandbox.run(c.program).outcome == Outcome::passed; });
}
BENCHMARK(BM_SandboxExecHumanEvalCanonical)->Arg(1)->Arg(2)->Iterations(1)->UseRealTime();

void BM_PlainPythonHumanEvalCanonical(benchmark::State& state) {
  const std::string python = bench_sandbox().python();
  run_all(state, [&](const Canonical& c) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args = {python, "-s", "-B", "-c", c.plain};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  });
}
BENCHMARK(BM_PlainPythonHumanEvalCanonical)->Arg(1)->Arg(2)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace rbench::sandbox
