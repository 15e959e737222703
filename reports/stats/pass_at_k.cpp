#include "reports/stats/pass_at_k.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace rbench::stats {

double pass_at_k(int n, int c, int k) {
  if (n < 0 || c < 0 || c > n || k < 1 || k > n) {
    throw std::invalid_argument(
        fmt::format("pass@k needs 0 <= c <= n and 1 <= k <= n (n={}, c={}, k={})", n, c, k));
  }
  // The product form rounds; pass@1 must equal the plain accuracy exactly.
  if (k == 1) return static_cast<double>(c) / n;
  // Every draw of k contains a correct sample when fewer than k are wrong.
  if (n - c < k) return 1.0;
  double all_wrong = 1.0;  // C(n-c, k) / C(n, k)
  for (int i = n - c + 1; i <= n; ++i) all_wrong *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - all_wrong;
}

PassAtK aggregate_pass_at_k(std::span<const ItemCounts> items, int k, double confidence, int rounds,
                            std::uint64_t seed) {
  PassAtK result;
  result.k = k;
  std::vector<double> per_item;
  per_item.reserve(items.size());
  for (const ItemCounts& item : items) {
    if (item.n < k) {
      ++result.skipped;
      continue;
    }
    per_item.push_back(pass_at_k(item.n, item.c, k));
  }
  result.items = static_cast<std::int64_t>(per_item.size());
  result.value = mean(per_item);
  result.ci = bootstrap_mean_ci(per_item, confidence, rounds, seed);
  return result;
}

std::vector<int> reported_ks(int max_n) {
  std::vector<int> ks;
  for (int k : {1, 5, 10}) {
    if (k <= max_n) ks.push_back(k);
  }
  if (max_n > 1 && std::find(ks.begin(), ks.end(), max_n) == ks.end()) ks.push_back(max_n);
  return ks;
}

}  // namespace rbench::stats
