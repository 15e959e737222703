#include "reports/stats/logistic.h"

#include <cmath>

namespace rbench::stats::detail {

double softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

namespace {

double objective(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                 const Eigen::VectorXd& ridge, const Eigen::VectorXd& theta) {
  const Eigen::VectorXd eta = x * theta;
  double loss = 0;
  for (Eigen::Index i = 0; i < eta.size(); ++i) {
    if (w[i] != 0) loss += w[i] * (softplus(eta[i]) - y[i] * eta[i]);
  }
  return loss + 0.5 * (ridge.array() * theta.array().square()).sum();
}

}  // namespace

LogisticFit fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                         const Eigen::VectorXd& w, const Eigen::VectorXd& ridge, int max_iterations,
                         double tolerance, const Eigen::VectorXd& start) {
  const Eigen::Index p = x.cols();
  LogisticFit fit;
  fit.theta = start.size() == p ? start : Eigen::VectorXd::Zero(p);
  if (p == 0) {
    fit.converged = true;
    return fit;
  }
  double loss = objective(x, y, w, ridge, fit.theta);
  for (int it = 1; it <= max_iterations; ++it) {
    fit.iterations = it;
    const Eigen::VectorXd eta = x * fit.theta;
    Eigen::VectorXd residual(eta.size());
    Eigen::VectorXd curvature(eta.size());
    for (Eigen::Index i = 0; i < eta.size(); ++i) {
      const double prob = logistic(eta[i]);
      residual[i] = w[i] * (prob - y[i]);
      curvature[i] = w[i] * prob * (1 - prob);
    }
    const Eigen::VectorXd gradient =
        x.transpose() * residual + (ridge.array() * fit.theta.array()).matrix();
    Eigen::MatrixXd hessian = x.transpose() * curvature.asDiagonal() * x;
    hessian.diagonal() += ridge;
    // A parameter no (resampled) row touches has a zero row and column; the jitter keeps it put
    // instead of making the system singular.
    hessian.diagonal().array() += 1e-10;
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    // Step halving keeps Newton monotone far from the optimum (e.g. near-separable data).
    double scale = 1.0;
    Eigen::VectorXd next = fit.theta - step;
    double next_loss = objective(x, y, w, ridge, next);
    for (int halvings = 0; halvings < 40 && !(next_loss <= loss); ++halvings) {
      scale *= 0.5;
      next = fit.theta - scale * step;
      next_loss = objective(x, y, w, ridge, next);
    }
    const double moved = (scale * step).cwiseAbs().maxCoeff();
    if (!(next_loss <= loss)) {  // no descent along the Newton direction: at the optimum
      fit.converged = step.cwiseAbs().maxCoeff() < std::sqrt(tolerance);
      return fit;
    }
    fit.theta = next;
    loss = next_loss;
    if (moved < tolerance) {
      fit.converged = true;
      return fit;
    }
  }
  return fit;
}

}  // namespace rbench::stats::detail
