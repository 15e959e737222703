#include "engines/moe/cpu/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace rbench::moe {

std::int32_t argmax(std::span<const float> logits) {
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

double Sampler::draw() {
  // What uniform_real_distribution<double>(0, b) scales by b: so pick_token(u) chooses exactly
  // what drawing uniform_real_distribution<double>(0, sum) here would.
  return std::generate_canonical<double, std::numeric_limits<double>::digits>(rng_);
}

std::int32_t Sampler::sample(std::span<const float> logits) {
  if (greedy()) return argmax(logits);
  return pick_token(logits, options_, draw());
}

std::int32_t pick_token(std::span<const float> logits, const SamplerOptions& options,
                        double uniform) {
  if (options.temperature <= 0.0) return argmax(logits);
  const int n = static_cast<int>(logits.size());
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Candidates by descending logit, ties by id, so the draw is reproducible.
  auto by_logit = [&](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  int keep = n;
  if (options.top_k > 0 && options.top_k < n) {
    keep = options.top_k;
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), by_logit);
  } else {
    std::sort(order.begin(), order.end(), by_logit);
  }
  std::vector<double> p(keep);
  const double inv_t = 1.0 / options.temperature;
  const double top = logits[order[0]];
  double sum = 0.0;
  for (int i = 0; i < keep; ++i) {
    p[i] = std::exp((logits[order[i]] - top) * inv_t);
    sum += p[i];
  }
  if (options.top_p < 1.0) {
    // The smallest prefix whose probability reaches top_p (always at least one token).
    double cumulative = 0.0;
    int cut = keep;
    for (int i = 0; i < keep; ++i) {
      cumulative += p[i] / sum;
      if (cumulative >= options.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    sum = std::accumulate(p.begin(), p.begin() + keep, 0.0);
  }
  const double u = uniform * sum;
  double acc = 0.0;
  for (int i = 0; i < keep; ++i) {
    acc += p[i];
    if (u < acc) return order[i];
  }
  return order[keep - 1];
}

}  // namespace rbench::moe
