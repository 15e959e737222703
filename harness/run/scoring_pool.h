// The scoring pool of a run: answers whose scoring executes code are stored first and scored
// here, in a TBB arena of their own sized to the cores, so that the model calls (network-bound)
// and the executions (CPU-bound) neither wait for nor starve each other, and a killed run keeps
// its answers (scored on resume).
#pragma once

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>

#include "harness/run/progress.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"
#include "scorers/scorer.h"
#include "suites/suite.h"

namespace rbench {

// Samples stored and samples failed by this invocation, counted from every thread.
struct RunCounters {
  std::atomic<std::size_t> finished{0};
  std::atomic<std::size_t> errors{0};
};

// A stored sample to score, and what its progress report needs.
struct PendingScore {
  std::int64_t sample_id = 0;
  const Item* item = nullptr;
  const Scorer* scorer = nullptr;
  std::string answer;
  bool truncated = false;
  std::int64_t output_tokens = 0;
  double cost = 0;
};

class ScoringPool {
 public:
  ScoringPool(int executors, Store& store, Progress& progress, const RunControl& control,
              RunCounters& counters)
      : store_(store),
        progress_(progress),
        control_(control),
        counters_(counters),
        arena_(executors) {}

  // Scores in the pool's arena and stores the score; returns at once.
  void score_later(PendingScore pending);
  // Waits for every score given so far.
  void wait();
  // The first failure that was not the scorer's own (the store cannot write), if any.
  void rethrow_failure() const;

 private:
  void score(const PendingScore& pending);

  Store& store_;
  Progress& progress_;
  const RunControl& control_;
  RunCounters& counters_;
  tbb::task_arena arena_;
  tbb::task_group pending_;  // destroyed before the arena it runs in
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

}  // namespace rbench
