#include "reports/stats/alpaca_eval.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "reports/stats/logistic.h"

namespace rbench::stats {
namespace {

// Sample standard error of the mean (ddof = 1), as pandas .sem().
double sem(std::span<const double> values) {
  const std::size_t n = values.size();
  if (n < 2) return 0;
  const double m = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (const double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
}

bool usable(double preference) {
  return std::isfinite(preference) && preference >= 1 && preference <= 2;
}

double normalised(double preference) {
  return preference == 0 ? 1.5 : preference;
}

// tanh of the standardised length differences (baseline minus model, divided by their sample
// standard deviation) of the rows with a usable preference; others get NaN.
std::vector<double> tanh_std_delta_len(const LcData& d) {
  std::vector<double> delta;
  for (std::size_t i = 0; i < d.preferences.size(); ++i) {
    if (usable(normalised(d.preferences[i])))
      delta.push_back(d.baseline_lengths[i] - d.model_lengths[i]);
  }
  const double sd = sem(delta) * std::sqrt(static_cast<double>(delta.size()));
  std::vector<double> out(d.preferences.size(), std::nan(""));
  for (std::size_t i = 0; i < d.preferences.size(); ++i) {
    if (!usable(normalised(d.preferences[i]))) continue;
    const double diff = d.baseline_lengths[i] - d.model_lengths[i];
    out[i] = sd > 0 ? std::tanh(diff / sd) : 0.0;
  }
  return out;
}

}  // namespace

AlpacaWinRate alpaca_win_rate(std::span<const double> preferences) {
  AlpacaWinRate r;
  std::vector<double> values;
  int discrete_draws = 0;
  for (const double raw : preferences) {
    if (raw == 0 || raw == 1.5) ++r.n_draws;
    const double p = normalised(raw);
    if (!usable(p)) continue;
    values.push_back(p - 1);
    if (p > 1.5) ++r.n_wins;
    if (p < 1.5) ++r.n_wins_base;
    if (p == 1.5) ++discrete_draws;
  }
  r.n_total = static_cast<int>(values.size());
  if (r.n_total == 0) return r;
  r.win_rate = 100 * std::accumulate(values.begin(), values.end(), 0.0) / r.n_total;
  r.standard_error = 100 * sem(values);
  r.discrete_win_rate = 100 * (r.n_wins + discrete_draws / 2.0) / r.n_total;
  return r;
}

std::size_t code_point_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

int alpaca_avg_length(std::span<const std::string> outputs) {
  if (outputs.empty()) return 0;
  double total = 0;
  for (const std::string& o : outputs) total += static_cast<double>(code_point_length(o));
  return static_cast<int>(total / static_cast<double>(outputs.size()));
}

LcResult length_controlled_win_rate(const LcData& data, std::span<const double> difficulty,
                                    const LcOptions& options) {
  LcResult r;
  const std::size_t n = data.preferences.size();
  if (data.baseline_lengths.size() != n || data.model_lengths.size() != n ||
      difficulty.size() != n) {
    r.message = "preferences, lengths and difficulty must be aligned";
    return r;
  }
  const std::vector<double> len_feature = tanh_std_delta_len(data);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(len_feature[i]) && std::isfinite(difficulty[i])) rows.push_back(i);
  }
  if (rows.empty()) {
    r.message = "no usable preferences";
    return r;
  }
  // A unanimous result (the model lost, or won, every comparison outright) has no finite
  // maximum-likelihood fit: the penalty alone would set the coefficients and report a few percent
  // for a model that never won. Length cannot explain away a unanimous result, so LC = the result.
  const auto all_at = [&](double value) {
    return std::all_of(rows.begin(), rows.end(),
                       [&](std::size_t i) { return normalised(data.preferences[i]) == value; });
  };
  if (all_at(1.0) || all_at(2.0)) {
    r.win_rate = all_at(2.0) ? 100 : 0;
    r.converged = true;
    r.message = "unanimous: every preference is the same extreme, so LC equals the win rate";
    return r;
  }
  const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd x(m, 3);
  Eigen::VectorXd y(m);
  for (Eigen::Index k = 0; k < m; ++k) {
    const std::size_t i = rows[static_cast<std::size_t>(k)];
    x(k, 0) = 1.0;  // the model term (alpaca_eval's not_gamed_baseline column)
    x(k, 1) = len_feature[i];
    x(k, 2) = difficulty[i];
    y[k] = normalised(data.preferences[i]) - 1;
  }
  const detail::LogisticFit fit =
      detail::fit_logistic(x, y, Eigen::VectorXd::Ones(m), Eigen::VectorXd::Constant(3, options.l2),
                           options.max_iterations, options.tolerance);
  r.converged = fit.converged;
  r.iterations = fit.iterations;
  if (!fit.converged) r.message = "the GLM did not converge";
  r.model_coefficient = fit.theta[0];
  r.length_coefficient = fit.theta[1];
  r.difficulty_coefficient = fit.theta[2];
  // Counterfactual: no length difference (tanh(0) = 0).
  std::vector<double> predicted;
  for (Eigen::Index k = 0; k < m; ++k) {
    predicted.push_back(100 * detail::logistic(fit.theta[0] + fit.theta[2] * x(k, 2)));
  }
  r.win_rate = std::accumulate(predicted.begin(), predicted.end(), 0.0) / static_cast<double>(m);
  r.standard_error = sem(predicted);
  return r;
}

std::vector<double> fit_instruction_difficulty(std::span<const LcData> models,
                                               const DifficultyOptions& options) {
  if (models.empty()) return {};
  const std::size_t n_items = models[0].preferences.size();
  const std::size_t n_models = models.size();
  // Rows: (model, item, tanh length feature, target).
  struct Row {
    std::size_t model, item;
    double len, y;
  };
  std::vector<Row> rows;
  for (std::size_t mi = 0; mi < n_models; ++mi) {
    if (models[mi].preferences.size() != n_items) return {};
    const std::vector<double> len = tanh_std_delta_len(models[mi]);
    for (std::size_t i = 0; i < n_items; ++i) {
      if (std::isfinite(len[i]))
        rows.push_back({mi, i, len[i], normalised(models[mi].preferences[i]) - 1});
    }
  }
  const Eigen::Index q = static_cast<Eigen::Index>(2 * n_models);  // theta_m, phi_m
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(q);
  Eigen::VectorXd gamma = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_items));
  auto eta_of = [&](const Row& r, const Eigen::VectorXd& b, const Eigen::VectorXd& g) {
    return b[static_cast<Eigen::Index>(2 * r.model)] +
           b[static_cast<Eigen::Index>(2 * r.model + 1)] * r.len +
           g[static_cast<Eigen::Index>(r.item)];
  };
  auto objective = [&](const Eigen::VectorXd& b, const Eigen::VectorXd& g) {
    double loss = 0;
    for (const Row& r : rows) {
      const double eta = eta_of(r, b, g);
      loss += detail::softplus(eta) - r.y * eta;
    }
    return loss + 0.5 * options.model_l2 * b.squaredNorm() +
           0.5 * options.difficulty_l2 * g.squaredNorm();
  };
  double loss = objective(beta, gamma);
  for (int it = 0; it < options.max_iterations; ++it) {
    Eigen::VectorXd g_beta = options.model_l2 * beta;
    Eigen::VectorXd g_gamma = options.difficulty_l2 * gamma;
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(q, q) * options.model_l2;
    Eigen::MatrixXd b_block = Eigen::MatrixXd::Zero(q, static_cast<Eigen::Index>(n_items));
    Eigen::VectorXd d =
        Eigen::VectorXd::Constant(static_cast<Eigen::Index>(n_items), options.difficulty_l2);
    for (const Row& r : rows) {
      const double p = detail::logistic(eta_of(r, beta, gamma));
      const double res = p - r.y;
      const double c = p * (1 - p);
      const Eigen::Index t = static_cast<Eigen::Index>(2 * r.model);
      const Eigen::Index x = static_cast<Eigen::Index>(r.item);
      const double z[2] = {1.0, r.len};
      for (int u = 0; u < 2; ++u) {
        g_beta[t + u] += res * z[u];
        b_block(t + u, x) += c * z[u];
        for (int v = 0; v < 2; ++v) a(t + u, t + v) += c * z[u] * z[v];
      }
      g_gamma[x] += res;
      d[x] += c;
    }
    // Eliminate the diagonal per-instruction block: (A - B D^-1 B^T) db = g_b - B D^-1 g_g.
    const Eigen::VectorXd d_inv = d.cwiseInverse();
    const Eigen::MatrixXd schur = a - b_block * d_inv.asDiagonal() * b_block.transpose();
    const Eigen::VectorXd step_beta =
        schur.ldlt().solve(g_beta - b_block * d_inv.cwiseProduct(g_gamma));
    const Eigen::VectorXd step_gamma =
        d_inv.cwiseProduct(g_gamma - b_block.transpose() * step_beta);
    double scale = 1.0;
    Eigen::VectorXd nb = beta - step_beta, ng = gamma - step_gamma;
    double next = objective(nb, ng);
    for (int h = 0; h < 40 && !(next <= loss); ++h) {
      scale *= 0.5;
      nb = beta - scale * step_beta;
      ng = gamma - scale * step_gamma;
      next = objective(nb, ng);
    }
    if (!(next <= loss)) break;
    beta = nb;
    gamma = ng;
    loss = next;
    const double moved =
        scale * std::max(step_beta.cwiseAbs().maxCoeff(), step_gamma.cwiseAbs().maxCoeff());
    if (moved < options.tolerance) break;
  }
  std::vector<double> difficulty(n_items);
  for (std::size_t i = 0; i < n_items; ++i) difficulty[i] = -gamma[static_cast<Eigen::Index>(i)];
  return difficulty;
}

}  // namespace rbench::stats
