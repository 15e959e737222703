// Weighted logistic regression by Newton's method, shared by the Bradley-Terry and the
// length-controlled AlpacaEval fits. Internal to scorers/stats.
#pragma once

#include <Eigen/Dense>

namespace rbench::stats::detail {

struct LogisticFit {
  Eigen::VectorXd theta;
  bool converged = false;
  int iterations = 0;
};

// Minimises  sum_i w_i * [softplus(x_i.theta) - y_i * x_i.theta] + 0.5 * sum_j ridge_j theta_j^2,
// i.e. the weighted negative log-likelihood with targets y_i in [0, 1] (continuous targets are
// the expected log-likelihood of a Bernoulli with that probability). Newton steps with step
// halving; converged when the largest step component is below `tolerance`. `start` (if non-empty)
// is the initial theta.
LogisticFit fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                         const Eigen::VectorXd& w, const Eigen::VectorXd& ridge, int max_iterations,
                         double tolerance, const Eigen::VectorXd& start = Eigen::VectorXd());

// log(1 + e^z) without overflow.
double softplus(double z);
double logistic(double z);

}  // namespace rbench::stats::detail
