#include "reports/stats/bradley_terry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <set>

#include "reports/stats/logistic.h"

namespace rbench::stats {
namespace {

constexpr double kScale = 400.0;
constexpr double kInitRating = 1000.0;

double outcome_of(Verdict v) {
  const int s = static_cast<int>(v);
  return s > 0 ? 1.0 : (s < 0 ? 0.0 : 0.5);
}

bool strong(Verdict v) {
  return std::abs(static_cast<int>(v)) == 2;
}

void add_game(std::vector<Battle>& out, const PairJudgment& pair, double model_outcome,
              bool is_strong, double strong_weight, bool expand_strong) {
  Battle b{pair.model, pair.baseline, model_outcome, 1.0, pair.model_style, pair.baseline_style};
  if (!is_strong) {
    out.push_back(std::move(b));
  } else if (!expand_strong) {
    b.weight = strong_weight;
    out.push_back(std::move(b));
  } else {
    const int copies = std::max(1, static_cast<int>(std::lround(strong_weight)));
    for (int i = 0; i < copies; ++i) out.push_back(b);
  }
}

// Ford's condition: the MLE exists iff, for every split of the models in two groups, each group
// has won (or tied) against the other. Equivalently the "i has scored against j" graph is strongly
// connected. Returns an empty string when it holds, else a reason naming the culprits.
std::string separation_reason(const std::vector<std::string>& models, const std::vector<int>& a,
                              const std::vector<int>& b, const std::vector<double>& y,
                              const Eigen::VectorXd& w) {
  const std::size_t k = models.size();
  std::vector<double> scored(k, 0), conceded(k, 0);
  std::vector<std::vector<char>> beat(k, std::vector<char>(k, 0));
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (w[static_cast<Eigen::Index>(i)] <= 0) continue;
    if (y[i] > 0) {
      scored[a[i]] += 1;
      conceded[b[i]] += 1;
      beat[a[i]][b[i]] = 1;
    }
    if (y[i] < 1) {
      scored[b[i]] += 1;
      conceded[a[i]] += 1;
      beat[b[i]][a[i]] = 1;
    }
  }
  std::vector<std::string> only_wins, only_losses;
  for (std::size_t m = 0; m < k; ++m) {
    if (scored[m] == 0 && conceded[m] == 0) continue;
    if (conceded[m] == 0) only_wins.push_back(models[m]);
    if (scored[m] == 0) only_losses.push_back(models[m]);
  }
  if (!only_wins.empty() || !only_losses.empty()) {
    return fmt::format("perfect separation: only wins: [{}]; only losses: [{}]",
                       fmt::join(only_wins, ", "), fmt::join(only_losses, ", "));
  }
  auto reach = [&](bool forward) {
    std::vector<char> seen(k, 0);
    std::vector<std::size_t> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
      const std::size_t u = stack.back();
      stack.pop_back();
      for (std::size_t v = 0; v < k; ++v) {
        if (!seen[v] && (forward ? beat[u][v] : beat[v][u])) {
          seen[v] = 1;
          stack.push_back(v);
        }
      }
    }
    return seen;
  };
  const auto fwd = reach(true);
  const auto bwd = reach(false);
  std::vector<std::string> cut;
  for (std::size_t m = 0; m < k; ++m) {
    if ((scored[m] > 0 || conceded[m] > 0) && !(fwd[m] && bwd[m])) cut.push_back(models[m]);
  }
  if (!cut.empty()) {
    return fmt::format(
        "separation: the win graph is not strongly connected (Ford's condition); "
        "cut off from {}: [{}]",
        models[0], fmt::join(cut, ", "));
  }
  return {};
}

// The design shared by the full fit and every bootstrap round.
struct Design {
  std::vector<std::string> models;  // sorted
  int baseline = -1;
  std::vector<int> a, b;
  std::vector<double> y;
  Eigen::MatrixXd x;
  Eigen::VectorXd y_vec, w;
};

Design make_design(std::span<const Battle> battles, const std::string& baseline,
                   bool style_control) {
  Design d;
  std::set<std::string> names;
  for (const Battle& bt : battles) {
    names.insert(bt.model_a);
    names.insert(bt.model_b);
  }
  if (!names.contains(baseline)) return d;
  d.models.assign(names.begin(), names.end());
  d.baseline =
      static_cast<int>(std::find(d.models.begin(), d.models.end(), baseline) - d.models.begin());
  // Column of each model in the design (the baseline has none: its coefficient is fixed at 0).
  const int k = static_cast<int>(d.models.size());
  auto column = [&](int m) { return m < d.baseline ? m : m - 1; };
  const Eigen::Index n = static_cast<Eigen::Index>(battles.size());
  const int style_cols = style_control ? kStyleFeatures : 0;
  d.x = Eigen::MatrixXd::Zero(n, k - 1 + style_cols);
  d.y_vec.resize(n);
  d.w.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Battle& bt = battles[static_cast<std::size_t>(i)];
    const int ia = static_cast<int>(std::lower_bound(d.models.begin(), d.models.end(), bt.model_a) -
                                    d.models.begin());
    const int ib = static_cast<int>(std::lower_bound(d.models.begin(), d.models.end(), bt.model_b) -
                                    d.models.begin());
    d.a.push_back(ia);
    d.b.push_back(ib);
    d.y.push_back(bt.outcome);
    if (ia != d.baseline) d.x(i, column(ia)) += 1;
    if (ib != d.baseline) d.x(i, column(ib)) -= 1;
    d.y_vec[i] = bt.outcome;
    d.w[i] = bt.weight;
  }
  if (style_control) {
    const auto features = style_features(battles);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (int f = 0; f < kStyleFeatures; ++f) {
        d.x(i, k - 1 + f) = features[static_cast<std::size_t>(i)][static_cast<std::size_t>(f)];
      }
    }
  }
  return d;
}

// Fits the design with the battle weights `w` (the bootstrap passes weight x multiplicity).
BtFit fit_design(const Design& d, const Eigen::VectorXd& w, const BtOptions& options,
                 const Eigen::VectorXd& start) {
  BtFit fit;
  fit.models = d.models;
  fit.baseline = d.models[static_cast<std::size_t>(d.baseline)];
  // Ford's condition is checked with the baseline first so that "cut off from" names it.
  std::vector<std::string> order = d.models;
  std::swap(order[0], order[static_cast<std::size_t>(d.baseline)]);
  auto reorder = [&](int m) { return m == 0 ? d.baseline : (m == d.baseline ? 0 : m); };
  std::vector<int> a(d.a.size()), b(d.b.size());
  for (std::size_t i = 0; i < d.a.size(); ++i) {
    a[i] = reorder(d.a[i]);
    b[i] = reorder(d.b[i]);
  }
  fit.message = separation_reason(order, a, b, d.y, w);
  const Eigen::Index p = d.x.cols();
  Eigen::VectorXd ridge = Eigen::VectorXd::Zero(p);
  if (!fit.message.empty()) {
    fit.ridge_applied = true;
    ridge.setConstant(options.separation_ridge);
    fit.message +=
        fmt::format("; added an L2 ridge of {} so the fit is finite", options.separation_ridge);
  }
  const detail::LogisticFit lr = detail::fit_logistic(
      d.x, d.y_vec, w, ridge, options.max_iterations, options.tolerance, start);
  fit.converged = lr.converged;
  fit.iterations = lr.iterations;
  if (!lr.converged) {
    if (!fit.message.empty()) fit.message += "; ";
    fit.message += fmt::format("did not converge in {} Newton iterations", lr.iterations);
  }
  const int k = static_cast<int>(d.models.size());
  fit.coefficients.assign(static_cast<std::size_t>(k), 0.0);
  for (int m = 0; m < k; ++m) {
    if (m != d.baseline)
      fit.coefficients[static_cast<std::size_t>(m)] = lr.theta[m < d.baseline ? m : m - 1];
  }
  for (Eigen::Index f = k - 1; f < p; ++f) fit.style_coefficients.push_back(lr.theta[f]);
  for (const double c : fit.coefficients) {
    fit.ratings.push_back(elo_from_coefficient(c));
    fit.win_rate_vs_baseline.push_back(predicted_win_rate(fit.ratings.back(), kInitRating));
  }
  return fit;
}

Eigen::VectorXd theta_of(const BtFit& fit, int baseline) {
  const int k = static_cast<int>(fit.coefficients.size());
  Eigen::VectorXd theta(k - 1 + static_cast<int>(fit.style_coefficients.size()));
  for (int m = 0; m < k; ++m) {
    if (m != baseline)
      theta[m < baseline ? m : m - 1] = fit.coefficients[static_cast<std::size_t>(m)];
  }
  for (std::size_t f = 0; f < fit.style_coefficients.size(); ++f) {
    theta[k - 1 + static_cast<Eigen::Index>(f)] = fit.style_coefficients[f];
  }
  return theta;
}

Interval percentile_interval(std::vector<double>& values, double confidence) {
  const double tail = (1 - confidence) / 2;
  return {quantile(values, tail), quantile(values, 1 - tail)};
}

}  // namespace

std::vector<Battle> battles_from_pair(const PairJudgment& pair, double strong_weight,
                                      bool expand_strong) {
  std::vector<Battle> out;
  if (pair.game1) {
    // Game 1 has the baseline as A: the model's outcome is the complement.
    add_game(out, pair, 1.0 - outcome_of(*pair.game1), strong(*pair.game1), strong_weight,
             expand_strong);
  }
  if (pair.game2) {
    add_game(out, pair, outcome_of(*pair.game2), strong(*pair.game2), strong_weight, expand_strong);
  }
  return out;
}

int BtFit::index_of(const std::string& model) const {
  const auto it = std::find(models.begin(), models.end(), model);
  return it == models.end() ? -1 : static_cast<int>(it - models.begin());
}

std::vector<std::vector<double>> style_features(std::span<const Battle> battles) {
  const std::size_t n = battles.size();
  std::vector<std::vector<double>> features(n, std::vector<double>(kStyleFeatures, 0.0));
  auto ratio = [](double a, double b, double extra) {
    const double denominator = a + b + extra;
    return denominator == 0 ? 0.0 : (a - b) / denominator;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const AnswerStyle& sa = battles[i].style_a;
    const AnswerStyle& sb = battles[i].style_b;
    features[i][0] = ratio(sa.length, sb.length, 0);
    const double counts_a[] = {sa.headers, sa.lists, sa.bold};
    const double counts_b[] = {sb.headers, sb.lists, sb.bold};
    for (int f = 0; f < 3; ++f) {
      const double da = sa.length > 0 ? counts_a[f] / sa.length : 0;
      const double db = sb.length > 0 ? counts_b[f] / sb.length : 0;
      features[i][static_cast<std::size_t>(f + 1)] = ratio(da, db, 1);
    }
  }
  // Standardise each column with the sample standard deviation; a constant column stays 0.
  for (int f = 0; f < kStyleFeatures; ++f) {
    double sum = 0;
    for (const auto& row : features) sum += row[static_cast<std::size_t>(f)];
    const double m = n > 0 ? sum / static_cast<double>(n) : 0;
    double ss = 0;
    for (const auto& row : features) ss += std::pow(row[static_cast<std::size_t>(f)] - m, 2);
    const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0;
    for (auto& row : features) {
      double& v = row[static_cast<std::size_t>(f)];
      v = sd > 0 ? (v - m) / sd : 0;
    }
  }
  return features;
}

BtFit fit_bradley_terry(std::span<const Battle> battles, const std::string& baseline,
                        const BtOptions& options) {
  const Design d = make_design(battles, baseline, options.style_control);
  if (d.baseline < 0) {
    BtFit fit;
    fit.baseline = baseline;
    fit.message = fmt::format("baseline {} has no battles", baseline);
    return fit;
  }
  return fit_design(d, d.w, options, Eigen::VectorXd());
}

BtBootstrap bootstrap_bradley_terry(std::span<const Battle> battles, const std::string& baseline,
                                    const BtOptions& options, int rounds, std::uint64_t seed,
                                    double confidence) {
  BtBootstrap out;
  const Design d = make_design(battles, baseline, options.style_control);
  if (d.baseline < 0) {
    out.fit = fit_bradley_terry(battles, baseline, options);
    return out;
  }
  out.fit = fit_design(d, d.w, options, Eigen::VectorXd());
  out.rounds = std::max(rounds, 0);
  const std::size_t k = d.models.size();
  const std::size_t s = out.fit.style_coefficients.size();
  std::vector<std::vector<double>> ratings(k), win_rates(k), styles(s);
  const Eigen::VectorXd start = theta_of(out.fit, d.baseline);
  std::mt19937_64 rng(seed);
  const std::size_t n = battles.size();
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  Eigen::VectorXd w(static_cast<Eigen::Index>(n));
  for (int r = 0; r < out.rounds; ++r) {
    w.setZero();
    for (std::size_t i = 0; i < n; ++i) w[static_cast<Eigen::Index>(pick(rng))] += 1;
    w.array() *= d.w.array();
    const BtFit fit = fit_design(d, w, options, start);
    if (!fit.converged) ++out.failed_rounds;
    for (std::size_t m = 0; m < k; ++m) {
      ratings[m].push_back(fit.ratings[m]);
      win_rates[m].push_back(fit.win_rate_vs_baseline[m]);
    }
    for (std::size_t f = 0; f < s; ++f) styles[f].push_back(fit.style_coefficients[f]);
  }
  if (out.rounds == 0) return out;
  for (std::size_t m = 0; m < k; ++m) {
    out.rating_ci.push_back(percentile_interval(ratings[m], confidence));
    out.win_rate_ci.push_back(percentile_interval(win_rates[m], confidence));
  }
  for (std::size_t f = 0; f < s; ++f)
    out.style_ci.push_back(percentile_interval(styles[f], confidence));
  return out;
}

double elo_from_coefficient(double coefficient) {
  return kInitRating + kScale * coefficient / std::numbers::ln10;
}

double predicted_win_rate(double rating, double opponent) {
  return 100.0 / (1.0 + std::pow(10.0, (opponent - rating) / kScale));
}

std::vector<std::vector<double>> win_rate_matrix(std::span<const double> ratings) {
  std::vector<std::vector<double>> matrix(ratings.size(),
                                          std::vector<double>(ratings.size(), 50.0));
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    for (std::size_t j = 0; j < ratings.size(); ++j) {
      if (i != j) matrix[i][j] = predicted_win_rate(ratings[i], ratings[j]);
    }
  }
  return matrix;
}

}  // namespace rbench::stats
