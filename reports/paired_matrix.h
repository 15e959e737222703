// The paired comparisons of a report: per suite, every two results (model, and run where the
// report has several) on the items both answered, as reports/stats/paired.h compares them, with
// Holm's adjustment over the suite's pairs and a verdict only where the adjusted p-value is
// significant. Every reporter renders these same numbers (JSON `paired`, a Markdown matrix, the
// CSV of `rbench report --format csv --paired`, the HTML matrix of reports/web/paired.js).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "reports/stats/paired.h"
#include "reports/summary.h"

namespace rbench {

namespace json {
class Writer;
}

// One side of the matrix: a result of the suite, in rank order (best first).
struct PairedEntry {
  std::size_t result = 0;  // index into the report's results
  std::string model;
  std::string run;
  std::string label;  // the model, with the run in parentheses when the report has several runs
  // 1 + the entries significantly better than this one: entries no test separates share a rank.
  int rank = 1;
};

// Entries a and b (a < b, so A ranks above B by accuracy) on their common items.
struct PairedCell {
  std::size_t a = 0;
  std::size_t b = 0;
  stats::PairedComparison comparison;
  // With one sample per item, the items A got right and B wrong (and the reverse); with several,
  // the items where A's fraction of correct samples is higher (lower).
  int discordant_a = 0;
  int discordant_b = 0;
  std::string test;  // "mcnemar_exact" (one sample per item), "paired_bootstrap", "none" (no items)
  double p = 1;
  double p_holm = 1;    // Holm-adjusted over the suite's pairs
  std::string verdict;  // of A against B: "better", "worse" or "tied"
};

struct PairedMatrix {
  std::string suite;
  std::vector<PairedEntry> entries;
  std::vector<PairedCell> cells;  // every pair a < b, a-major
  double confidence = 0.95;       // of the intervals; the tests' level is 1 - confidence
  int bootstrap_rounds = 1000;
  // Rounded to 12 places, so that 0.95 gives 0.05 rather than 0.050000000000000044.
  double alpha() const { return std::round((1 - confidence) * 1e12) / 1e12; }
};

struct PairedOptions {
  std::uint64_t seed = 0;  // every pair uses it, so that a report reproduces byte for byte
  int rounds = 1000;
  double confidence = 0.95;
};

// Suites in name order; only suites with two results or more that have an accuracy (pairwise
// suites have none). Errored and unscored samples are left out, as in the results: the items'
// outcomes are the results' own (ResultSummary::item_outcomes).
std::vector<PairedMatrix> paired_matrices(const std::vector<ResultSummary>& results,
                                          bool several_runs, const PairedOptions& options);

// The cell of entries i and j in either order: `flipped` when i > j (the cell is j against i).
const PairedCell& paired_cell(const PairedMatrix& m, std::size_t i, std::size_t j, bool& flipped);

// One sentence saying what the numbers are: the difference, the interval, the tests, the
// correction and the level. Every rendering carries it.
std::string paired_method_note(const PairedMatrix& m);

void write_paired_json(json::Writer& w, const PairedMatrix& m);
// The Markdown matrix of `suite` ("" when it has none).
std::string paired_markdown(const std::vector<PairedMatrix>& matrices, const std::string& suite);
// One row per pair (RFC 4180, as the results' CSV), every suite.
std::string render_paired_csv(const std::vector<PairedMatrix>& matrices);

}  // namespace rbench
