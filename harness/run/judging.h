// The judge step of pairwise suites (ArenaHard, AlpacaEval): every stored answer of a run is
// compared with its item's baseline answer by a judge model, in two games with the positions
// swapped, and each game is stored as it finishes (Store::put_judgment). A rerun skips the games
// already decided, so a killed run loses only the judgments in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "harness/run/circuit_breaker.h"
#include "harness/store/store.h"
#include "suites/suite.h"

namespace rbench {

struct JudgeSpec {
  std::string name;          // stored as JudgmentRecord::judge (the judge's profile)
  Engine* engine = nullptr;  // thread-safe
  SamplingParams sampling;   // the caller's defaults: temperature 0, a generous max_tokens
  int max_attempts = 3;      // a judgment without a usable label is asked again this often
  int concurrency = 4;       // judge calls in flight
  // Prices for the judge's cost (USD per million tokens; negative = unknown).
  double input_price_per_mtok = -1;
  double output_price_per_mtok = -1;
  // The judge's endpoint, for the breaker's reason (its name where empty), and the breaker's
  // window: after that many judge calls in a row fail with a dead endpoint's errors, judging
  // stops (harness/run/circuit_breaker.h); 0 = never.
  std::string endpoint;
  int breaker_window = kBreakerWindow;
};

struct JudgingSummary {
  std::size_t planned = 0;  // games of the run's answers
  std::size_t skipped = 0;  // already judged (ok, unparsed, no_baseline, no_answer)
  std::size_t ok = 0;
  std::size_t unparsed = 0;
  std::size_t errors = 0;       // judge calls that failed (redone by the next run)
  std::size_t no_baseline = 0;  // items the data gives no baseline answer for
  std::size_t no_answer = 0;    // the model gave no answer (an errored or empty sample)
  bool interrupted = false;
  std::string breaker_trip;  // why the breaker stopped judging; "" when it did not
};

// Judges the run's samples of `suites` (pairwise suites: items with baselines) by `judge`.
// Errors of the judge are stored with status "error" and done again by the next call.
JudgingSummary judge_run(Store& store, std::int64_t run_id, const std::vector<Suite>& suites,
                         const JudgeSpec& judge, std::stop_token stop);

}  // namespace rbench
