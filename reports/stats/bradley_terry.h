// Bradley-Terry ratings for ArenaHard-style pairwise judgments: maximum-likelihood logistic
// regression (Newton/IRLS), Elo-scale scores anchored at a baseline, win rates against it, a seeded
// bootstrap over battles, and style control (length and markdown features fitted alongside).
//
// Published conventions followed (lmarena/arena-hard-auto):
//  * v0.1 show_result.py compute_mle_elo: unregularised logistic regression without intercept,
//    SCALE 400, BASE 10, INIT_RATING 1000, baseline anchored at 1000; predict_win_rate:
//    1 / (1 + 10^((R_b - R_a) / 400)); 100 bootstrap rounds resampling battles; 2.5/97.5 %
//    quantiles. A strong verdict ([[A>>B]]) counts as WEIGHT = 3 wins (v0.1 and v2 alike).
//  * Ties: v0.1 duplicates every battle, a win becoming two wins and a tie one win for each side;
//    v2 scores a tie 0.5. Both give the same likelihood as an outcome of 0.5 with the battle's
//    weight, which is how a tie is recorded here.
//  * Style control (v2 show_result.py print_leaderboard_with_style_features and
//    utils/add_markdown_info.py): features are model minus baseline; length:
//    (len_a - len_b) / (len_a + len_b) on token counts; markdown (headers, lists, bold):
//    densities d = count / token_len, feature (d_a - d_b) / (d_a + d_b + 1); every feature then
//    standardised over battles with the sample standard deviation (torch.std, ddof = 1), once on
//    the full data before the bootstrap. Where a denominator is 0 (two empty answers) the feature
//    is 0 here; the published code would produce NaN.
//  * Differences from v2 that we keep on purpose: v2 reports the bootstrap median and a 90 %
//    interval (5/95 %) for style-controlled scores, fitting with L-BFGS (50 iterations); we report
//    the full-data fit and the requested confidence (default 95 %), fitting by Newton to
//    convergence. v2 also leaves the baseline column free (the model and baseline coefficients
//    enter only as differences); we fix the baseline at 0, which gives the same win rates.
//  * Not confirmed: the Chatbot Arena (FastChat) variant divides raw counts by (a + b + 1) and uses
//    the population standard deviation; arena-hard v0.1's own style-control script was not
//    checked. We follow v2 only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reports/stats/answer_style.h"
#include "reports/stats/bootstrap.h"

namespace rbench::stats {

// arena-hard-auto's weight for a strong verdict ([[A>>B]] counts as 3 wins).
inline constexpr double kStrongVerdictWeight = 3.0;

// One judged comparison. `outcome` is model_a's result: 1 win, 0 loss, 0.5 tie. `weight`
// multiplies the battle's log-likelihood (3 for a strong verdict). The styles are used by style
// control only.
struct Battle {
  std::string model_a;
  std::string model_b;
  double outcome = 0.5;
  double weight = 1.0;
  AnswerStyle style_a;
  AnswerStyle style_b;
};

// A judge's five-way label for one game, from the point of view of that game's assistant A:
// A>>B, A>B, A=B, B>A, B>>A.
enum class Verdict : int {
  kMuchWorse = -2,  // [[B>>A]]
  kWorse = -1,      // [[B>A]]
  kTie = 0,         // [[A=B]]
  kBetter = 1,      // [[A>B]]
  kMuchBetter = 2,  // [[A>>B]]
};

// Both games of an ArenaHard pair: game 1 shows the baseline as assistant A and the model as B,
// game 2 swaps them. A game the judge left unparsed is nullopt and yields no battle.
struct PairJudgment {
  std::string model;
  std::string baseline;
  std::optional<Verdict> game1;  // A = baseline, B = model
  std::optional<Verdict> game2;  // A = model, B = baseline
  AnswerStyle model_style;
  AnswerStyle baseline_style;
};

// Battles for one pair, each with model_a = the model, model_b = the baseline (as v2 does).
// A strong verdict gives weight `strong_weight`; a tie gives outcome 0.5 (one win for each side).
// With `expand_strong`, a strong verdict becomes `strong_weight` separate battles of weight 1
// instead, as the published code explodes them (its bootstrap then resamples them one by one).
std::vector<Battle> battles_from_pair(const PairJudgment& pair,
                                      double strong_weight = kStrongVerdictWeight,
                                      bool expand_strong = false);

struct BtOptions {
  int max_iterations = 100;
  // Converged when the largest Newton step on any coefficient (natural-log units) is below this.
  double tolerance = 1e-9;
  // L2 penalty 0.5 * ridge * |theta|^2 added only when the data are separable (a model with only
  // wins or only losses, or models not connected to the baseline), where the MLE does not exist.
  double separation_ridge = 1e-4;
  bool style_control = false;
};

inline constexpr int kStyleFeatures = 4;  // length, headers, lists, bold
inline constexpr const char* kStyleFeatureNames[kStyleFeatures] = {"length", "headers", "lists",
                                                                   "bold"};

struct BtFit {
  std::vector<std::string> models;  // sorted by name; includes the baseline
  std::string baseline;
  std::vector<double> coefficients;          // natural-log strengths, baseline 0
  std::vector<double> ratings;               // Elo scale, baseline 1000
  std::vector<double> win_rate_vs_baseline;  // percent
  std::vector<double> style_coefficients;  // kStyleFeatures entries with style control, else empty
  bool converged = false;
  int iterations = 0;
  bool ridge_applied = false;  // separation detected: the tiny ridge was added
  std::string message;         // why the fit did not converge or needed the ridge; empty if clean

  // Index of `model` in `models`, or -1.
  int index_of(const std::string& model) const;
};

// Fits Bradley-Terry strengths (and style coefficients with options.style_control) by maximum
// likelihood. The baseline must appear in the battles; if it does not, the result has an empty
// `models` and a message.
BtFit fit_bradley_terry(std::span<const Battle> battles, const std::string& baseline,
                        const BtOptions& options = {});

// Standardised style features of each battle (rows) as described above: kStyleFeatures per battle.
std::vector<std::vector<double>> style_features(std::span<const Battle> battles);

struct BtBootstrap {
  BtFit fit;  // the full-data fit that gives the point estimates
  std::vector<Interval> rating_ci;
  std::vector<Interval> win_rate_ci;  // percent
  std::vector<Interval> style_ci;
  int rounds = 0;
  int failed_rounds = 0;  // rounds whose fit did not converge (still included)
};

// The full-data fit plus percentile intervals from `rounds` resamples of the battles with
// replacement (std::mt19937_64 seeded with `seed`; each round refits from the full-data
// coefficients). A round whose resample is separable gets the same ridge as a full fit would; a
// model absent from a resample keeps its full-data coefficient in that round.
BtBootstrap bootstrap_bradley_terry(std::span<const Battle> battles, const std::string& baseline,
                                    const BtOptions& options = {}, int rounds = 100,
                                    std::uint64_t seed = 0, double confidence = 0.95);

// Elo-scale helpers (scale 400, base 10, init 1000).
double elo_from_coefficient(double coefficient);
// Percent chance that a player rated `rating` beats one rated `opponent`.
double predicted_win_rate(double rating, double opponent);
// matrix[i][j]: percent chance that model i beats model j; the diagonal is 50.
std::vector<std::vector<double>> win_rate_matrix(std::span<const double> ratings);

}  // namespace rbench::stats
