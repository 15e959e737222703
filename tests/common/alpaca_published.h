// alpaca_eval's published AlpacaEval 2.0 leaderboard rows for the two models whose annotations
// ../shared/data/alpaca-eval/annotated holds (weighted_alpaca_eval_gpt4_turbo against
// gpt4_1106_preview; see that folder's EXPECTED.md): what our recomputation must reproduce.
#pragma once

namespace rbench::testing {

struct AlpacaPublished {
  const char* model;
  double win_rate, standard_error;
  int n_wins, n_wins_base, n_draws, n_total;
  double discrete_win_rate;
  int avg_length;
  double lc;  // length-controlled win rate (needs alpaca_eval's own instruction difficulties)
};

inline constexpr AlpacaPublished kAlpacaPublished[] = {
    {"claude-2.1", 15.733506736409938, 1.120315865445773, 115, 688, 2, 805, 14.409937888198757,
     1096, 25.251943886133027},
    {"alpaca-7b", 2.591450540223603, 0.4870855382635108, 17, 785, 3, 805, 2.298136645962733, 396,
     5.875487163278986},
};

}  // namespace rbench::testing
