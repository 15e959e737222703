// Scores of pairwise suites (ArenaHard, AlpacaEval) from the store's judgments, computed as the
// published leaderboards compute them: Bradley-Terry win rates against the baseline with
// bootstrap CIs, with and without style control (reports/stats/bradley_terry.h), and AlpacaEval's
// win rate, standard error and length-controlled win rate (reports/stats/alpaca_eval.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "reports/stats/alpaca_eval.h"
#include "reports/stats/bootstrap.h"

namespace rbench {

struct PairwiseModelResult {
  std::string model;
  // Games by status (JudgmentRecord::status): only "ok" games are battles.
  std::int64_t games_ok = 0;
  std::int64_t games_unparsed = 0;
  std::int64_t games_error = 0;
  std::int64_t no_baseline = 0;
  std::int64_t no_answer = 0;
  // Bradley-Terry: win rate against the baseline (percent) and its bootstrap CI.
  double rating = 0;
  double win_rate = 0;
  stats::Interval ci;
  // The same with style control (length, headers, lists, bold as covariates).
  double style_win_rate = 0;
  stats::Interval style_ci;
  // AlpacaEval: per item the mean outcome of its games (win 1, tie 0.5, loss 0) as a
  // preference 1 + outcome; win rate, standard error, counts.
  stats::AlpacaWinRate alpaca;
  std::optional<double> lc_win_rate;  // length-controlled, difficulty fitted from these models
  std::optional<double> lc_standard_error;
  double mean_length = 0;  // of the model's judged answers, in characters (code points)
};

struct PairwiseSummary {
  std::string suite;
  std::string judge;
  std::string baseline;                     // the anchor: the baseline model of most games
  std::vector<PairwiseModelResult> models;  // best first by win rate
  // Predicted win rate (percent) of row model against column model, models in `models` order
  // (the baseline last); only with two or more judged models.
  std::vector<std::string> matrix_models;
  std::vector<std::vector<double>> win_rate_matrix;
  int bootstrap_rounds = 0;
  std::string fit_note;  // convergence or separation messages of the fits; empty if clean
};

struct PairwiseOptions {
  int bootstrap_rounds = 100;  // as arena-hard-auto publishes
  std::uint64_t seed = 0;
  double confidence = 0.95;
};

// One summary per (suite, judge) found in `judgments`; answers' texts and their baselines'
// (the samples' references) come from `samples`.
std::vector<PairwiseSummary> summarize_pairwise(const std::vector<JudgmentRecord>& judgments,
                                                const std::vector<SampleRecord>& samples,
                                                const PairwiseOptions& options = {});

}  // namespace rbench
