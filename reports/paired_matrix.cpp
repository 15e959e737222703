// The paired matrices: per suite, each result's per-item outcomes, then every pair compared on
// the items both have (reports/stats/paired.h), Holm's adjustment over the suite's pairs, the
// verdicts and the ranks they allow.
#include "reports/paired_matrix.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace rbench {
namespace {

// One result's scored samples per item, items in the order the store gave them.
struct ItemOutcomes {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::pair<int, int>> counts;  // item -> (scored, correct)
};

ItemOutcomes outcomes_of(const ResultSummary& r) {
  ItemOutcomes out;
  out.order.reserve(r.item_outcomes.size());
  for (const auto& [id, counts] : r.item_outcomes) {
    out.order.push_back(id);
    out.counts.try_emplace(id, counts.n, counts.c);
  }
  return out;
}

PairedCell compare(std::size_t a, std::size_t b, const ItemOutcomes& oa, const ItemOutcomes& ob,
                   const PairedOptions& options) {
  PairedCell cell{.a = a, .b = b};
  std::vector<stats::PairedItem> items;
  for (const std::string& id : oa.order) {
    const auto other = ob.counts.find(id);
    if (other == ob.counts.end()) continue;
    const auto [scored_a, correct_a] = oa.counts.at(id);
    const auto [scored_b, correct_b] = other->second;
    const double fa = static_cast<double>(correct_a) / scored_a;
    const double fb = static_cast<double>(correct_b) / scored_b;
    items.push_back({fa, fb, scored_a == 1 && scored_b == 1});
    cell.discordant_a += fa > fb;
    cell.discordant_b += fb > fa;
  }
  cell.comparison = stats::compare_paired(items, options.confidence, options.rounds, options.seed);
  if (items.empty()) {
    cell.test = "none";
  } else if (cell.comparison.mcnemar_p) {
    cell.test = "mcnemar_exact";
    cell.p = *cell.comparison.mcnemar_p;
  } else {
    cell.test = "paired_bootstrap";
    cell.p = cell.comparison.bootstrap_p;
  }
  return cell;
}

// Holm over the suite's pairs, the verdicts, and each entry's rank.
void decide(PairedMatrix& m) {
  std::vector<double> p;
  for (const PairedCell& c : m.cells) p.push_back(c.p);
  const std::vector<double> adjusted = stats::holm_adjust(p);
  std::vector<int> beaten_by(m.entries.size(), 0);
  for (std::size_t i = 0; i < m.cells.size(); ++i) {
    PairedCell& c = m.cells[i];
    c.p_holm = adjusted[i];
    const bool significant = c.test != "none" && c.p_holm < m.alpha();
    const double d = c.comparison.difference;
    c.verdict = !significant || d == 0 ? "tied" : d > 0 ? "better" : "worse";
    if (c.verdict == "better") ++beaten_by[c.b];
    if (c.verdict == "worse") ++beaten_by[c.a];
  }
  for (std::size_t i = 0; i < m.entries.size(); ++i) m.entries[i].rank = 1 + beaten_by[i];
}

}  // namespace

std::vector<PairedMatrix> paired_matrices(const std::vector<ResultSummary>& results,
                                          bool several_runs, const PairedOptions& options) {
  std::vector<PairedMatrix> out;
  for (const auto& [suite, ranked] : rank_by_suite(results)) {
    PairedMatrix m{
        .suite = suite, .confidence = options.confidence, .bootstrap_rounds = options.rounds};
    std::vector<ItemOutcomes> outcomes;
    for (const ResultSummary* r : ranked) {
      if (r->pairwise || !r->accuracy) continue;
      m.entries.push_back(
          {.result = static_cast<std::size_t>(r - results.data()),
           .model = r->model,
           .run = r->run,
           .label = several_runs ? fmt::format("{} ({})", r->model, r->run) : r->model});
      outcomes.push_back(outcomes_of(*r));
    }
    if (m.entries.size() < 2) continue;
    for (std::size_t a = 0; a < m.entries.size(); ++a) {
      for (std::size_t b = a + 1; b < m.entries.size(); ++b) {
        m.cells.push_back(compare(a, b, outcomes[a], outcomes[b], options));
      }
    }
    decide(m);
    out.push_back(std::move(m));
  }
  return out;
}

const PairedCell& paired_cell(const PairedMatrix& m, std::size_t i, std::size_t j, bool& flipped) {
  flipped = i > j;
  const std::size_t a = std::min(i, j), b = std::max(i, j), n = m.entries.size();
  // Cells of rows before a: (n - 1) + (n - 2) + ... + (n - a); then b's place in row a.
  return m.cells.at(a * (2 * n - a - 1) / 2 + (b - a - 1));
}

std::string paired_method_note(const PairedMatrix& m) {
  const std::size_t pairs = m.cells.size();
  return fmt::format(
      "Row minus column: the difference in accuracy on the items both answered, with its {:.0f}% "
      "paired bootstrap interval ({} resamples of the items). p: McNemar's exact test (two-sided "
      "binomial on the discordant items) where both have one sample per item, else the paired "
      "bootstrap's over items (per-item fraction correct; p from its standard error, normal "
      "approximation, or the sign test where every item differs alike). Multiple comparisons: "
      "Holm's step-down adjustment over the suite's {} pair{}; \"better\"/\"worse\" only where "
      "the adjusted p is below {:g}, else \"tied\". Rank: 1 + the models significantly better.",
      m.confidence * 100, m.bootstrap_rounds, pairs, pairs == 1 ? "" : "s", m.alpha());
}

}  // namespace rbench
