// The Mann-Whitney U test: mid-ranks, the exact null distribution, the normal approximation.
#include "reports/stats/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace rbench::stats {
namespace {

struct Ranked {
  double u1 = 0;        // U of the first sample
  double tie_term = 0;  // sum over tie groups of t^3 - t
};

Ranked rank_samples(std::span<const double> x, std::span<const double> y) {
  if (x.empty() || y.empty()) {
    throw std::invalid_argument("Mann-Whitney U: both samples need at least one value");
  }
  struct Value {
    double v;
    bool first;
  };
  std::vector<Value> all;
  all.reserve(x.size() + y.size());
  for (const double v : x) all.push_back({v, true});
  for (const double v : y) all.push_back({v, false});
  if (std::ranges::any_of(all, [](const Value& a) { return std::isnan(a.v); })) {
    throw std::invalid_argument("Mann-Whitney U: a sample holds NaN");
  }
  std::ranges::sort(all, {}, &Value::v);
  Ranked r;
  double rank_sum_first = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].v == all[i].v) ++j;
    // Ranks i+1 .. j (1-based) share their mean.
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].first) rank_sum_first += mid_rank;
    }
    const double t = static_cast<double>(j - i);
    r.tie_term += t * t * t - t;
    i = j;
  }
  const double n1 = static_cast<double>(x.size());
  r.u1 = rank_sum_first - n1 * (n1 + 1) / 2;
  return r;
}

double exact_p(double u1, std::size_t n1, std::size_t n2) {
  const std::vector<double> counts = u_null_counts(n1, n2);
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  // Without ties U is an integer; the null distribution is symmetric, so the upper tail beyond
  // the larger of U1 and U2 is one half of the two-sided p.
  const auto u =
      static_cast<std::size_t>(std::llround(std::max(u1, static_cast<double>(n1 * n2) - u1)));
  double tail = 0;
  for (std::size_t k = u; k < counts.size(); ++k) tail += counts[k];
  return std::min(1.0, 2 * tail / total);
}

double normal_p(double u1, std::size_t n1, std::size_t n2, double tie_term) {
  const double a = static_cast<double>(n1);
  const double b = static_cast<double>(n2);
  const double n = a + b;
  const double variance = a * b / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  // Every value tied: U sits at its mean and nothing tells the samples apart.
  if (!(variance > 0)) return 1.0;
  const double z = (std::abs(u1 - a * b / 2) - 0.5) / std::sqrt(variance);
  return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

bool exact_applies(const Ranked& r, std::size_t n1, std::size_t n2) {
  return r.tie_term == 0 && n1 <= kExactMaxSize && n2 <= kExactMaxSize;
}

MannWhitneyResult test(const Ranked& r, std::size_t n1, std::size_t n2, MannWhitneyMethod method) {
  MannWhitneyResult result;
  result.u = r.u1;
  result.method = method;
  result.p = method == MannWhitneyMethod::exact ? exact_p(r.u1, n1, n2)
                                                : normal_p(r.u1, n1, n2, r.tie_term);
  return result;
}

}  // namespace

std::vector<double> u_null_counts(std::size_t n1, std::size_t n2) {
  if (n1 > kExactMaxSize || n2 > kExactMaxSize) {
    throw std::invalid_argument("Mann-Whitney U: exact distribution only up to 20 values a side");
  }
  // f[j] is the distribution of U for i values of x and j of y, i going from 0 to n1. The largest
  // of the i + j values is either an x, which beats all j values of y (U grows by j), or a y,
  // which adds nothing: f(i, j)[u] = f(i - 1, j)[u - j] + f(i, j - 1)[u].
  std::vector<std::vector<double>> f(n2 + 1, std::vector<double>{1.0});
  for (std::size_t i = 1; i <= n1; ++i) {
    for (std::size_t j = 1; j <= n2; ++j) {
      std::vector<double> next(i * j + 1, 0.0);
      for (std::size_t u = 0; u < f[j].size(); ++u) next[u + j] += f[j][u];      // f(i - 1, j)
      for (std::size_t u = 0; u < f[j - 1].size(); ++u) next[u] += f[j - 1][u];  // f(i, j - 1)
      f[j] = std::move(next);
    }
  }
  return f[n2];
}

MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                 MannWhitneyMethod method) {
  const Ranked r = rank_samples(x, y);
  if (method == MannWhitneyMethod::exact && !exact_applies(r, x.size(), y.size())) {
    throw std::invalid_argument(
        "Mann-Whitney U: the exact test needs tie-free samples of at most 20 values");
  }
  return test(r, x.size(), y.size(), method);
}

MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y) {
  const Ranked r = rank_samples(x, y);
  return test(
      r, x.size(), y.size(),
      exact_applies(r, x.size(), y.size()) ? MannWhitneyMethod::exact : MannWhitneyMethod::normal);
}

double smallest_two_sided_p(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1.0;
  const double separated = static_cast<double>(n1 * n2);
  if (n1 <= kExactMaxSize && n2 <= kExactMaxSize) return exact_p(separated, n1, n2);
  return normal_p(separated, n1, n2, 0);
}

}  // namespace rbench::stats
