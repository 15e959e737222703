// AlpacaEval metrics from per-instruction judge preferences against reference (baseline) outputs:
// the win rate, its standard error and counts as tatsu-lab/alpaca_eval reports them, and the
// length-controlled win rate (Dubois et al. 2024, "Length-Controlled AlpacaEval").
//
// Published conventions followed (tatsu-lab/alpaca_eval, src/alpaca_eval/metrics/helpers.py
// describe_head2head, winrate.py get_winrate, glm_winrate.py, main.py):
//  * preference in [1, 2]: 1 = baseline output_1 preferred, 2 = model output_2 preferred,
//    continuous for the weighted judge; 0 is a legacy draw, read as 1.5. Anything else (NaN, out
//    of range) is dropped before the mean and n_total, but 0 and 1.5 are both counted in n_draws.
//  * win_rate = 100 * mean(preference - 1); standard_error = 100 * pandas .sem() of the same
//    values, i.e. the sample standard error with ddof = 1.
//  * n_wins: preference > 1.5; n_wins_base: preference < 1.5; n_draws: exactly 1.5 (or 0).
//  * discrete_win_rate: 1.5 kept as a draw, everything else rounded to 1 or 2:
//    100 * (n_wins + n_draws / 2) / n_total.
//  * avg_length: int() of the mean of Python's len() of the model outputs, i.e. Unicode code
//    points (not bytes), truncated.
//  * Length control (glm_winrate.py, GLM "length_controlled_v1"): formula
//    "np.tanh(std_delta_len) + instruction_difficulty + not_gamed_baseline - 1" (no intercept; the
//    constant not_gamed_baseline column is the model term); std_delta_len = (len(output_1) -
//    len(output_2)) / std of those differences (pandas, ddof = 1; lengths in characters); target
//    preference - 1 in [0, 1] used as a probability (rows duplicated with weights p and 1 - p,
//    which is the continuous-target log-likelihood used here); prediction with std_delta_len = 0,
//    averaged over instructions, times 100.
//
// Differences and what we could not confirm:
//  * Regularisation: the glm_winrate.py we read fits sklearn LogisticRegressionCV with an L1
//    penalty (liblinear), C chosen by 5-fold GroupKFold over sklearn's default grid, plus
//    annotations of two "gamed" (verbose / concise) baselines weighted 0.2 / 2 each
//    (regularize_to_baseline_lambda). We fit an L2 penalty 0.5 * l2 * |theta|^2 with a fixed
//    strength (default 1 / C = 0.01, C = 100 being that code's value when cross-validation is
//    off) and without the gamed baselines. An L2 penalty of a published strength was not found.
//  * Instruction difficulty: alpaca_eval fits it once across its whole leaderboard and downloads
//    it (instruction_difficulty.csv / df_gamed.csv on the Hugging Face hub). Pass it in when known;
//    otherwise fit_instruction_difficulty estimates it from the models at hand (see there). Our LC
//    figure then differs from the published one.
//  * lc_standard_error: not found in the code we read; we report the sample standard error
//    (ddof = 1) of the per-instruction length-controlled predictions, times 100.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::stats {

struct AlpacaWinRate {
  double win_rate = 0;        // percent
  double standard_error = 0;  // percent
  int n_wins = 0;
  int n_wins_base = 0;
  int n_draws = 0;
  int n_total = 0;
  double discrete_win_rate = 0;  // percent
};

AlpacaWinRate alpaca_win_rate(std::span<const double> preferences);

// Python len() of a UTF-8 string: its number of code points.
std::size_t code_point_length(std::string_view text);

// alpaca_eval's avg_length: the mean code-point length of the outputs, truncated to an integer.
int alpaca_avg_length(std::span<const std::string> outputs);

// One model's annotations against the baseline, aligned by instruction: preference, the
// baseline's output length and the model's (characters as code points).
struct LcData {
  std::vector<double> preferences;
  std::vector<double> baseline_lengths;
  std::vector<double> model_lengths;
};

struct LcOptions {
  double l2 = 0.01;  // penalty strength on every GLM coefficient (1 / C)
  int max_iterations = 100;
  double tolerance = 1e-10;
};

struct LcResult {
  double win_rate = 0;        // percent
  double standard_error = 0;  // percent
  double model_coefficient = 0;
  double length_coefficient = 0;      // on tanh(std_delta_len), baseline minus model
  double difficulty_coefficient = 0;  // on the instruction difficulty
  bool converged = false;
  int iterations = 0;
  std::string message;  // empty on success
};

// Length-controlled win rate of one model. `difficulty` has one value per instruction (aligned
// with `data`), published or from fit_instruction_difficulty.
LcResult length_controlled_win_rate(const LcData& data, std::span<const double> difficulty,
                                    const LcOptions& options = {});

struct DifficultyOptions {
  double difficulty_l2 = 1.0;  // prior precision on each instruction's term (shrinks to 0)
  double model_l2 = 0.01;      // on the per-model terms
  int max_iterations = 100;
  double tolerance = 1e-10;
};

// Instruction difficulty fitted from the models at hand (our substitute for the published,
// leaderboard-wide one): one joint logistic regression over every model's annotations,
//   logit P(model m beats the baseline on x) = theta_m + phi_m * tanh(std_delta_len_{m,x}) + g_x,
// with an L2 penalty `difficulty_l2` on the g_x (a standard normal prior: with few models each g_x
// is weakly determined) and `model_l2` on theta, phi. Returns -g_x, so that larger means harder
// for the models (the sign only flips the fitted difficulty coefficient). Models must be aligned
// on the same instructions. Newton with the per-instruction block eliminated (Schur complement).
std::vector<double> fit_instruction_difficulty(std::span<const LcData> models,
                                               const DifficultyOptions& options = {});

}  // namespace rbench::stats
