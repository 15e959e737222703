// The paired matrices as JSON (the report's `paired` section, also embedded in the HTML), as a
// Markdown matrix per suite, and as CSV rows (`rbench report --format csv --paired`).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/core/json_writer.h"
#include "reports/markdown_text.h"
#include "reports/paired_matrix.h"
#include "reports/text_escape.h"

namespace rbench {
namespace {

constexpr const char* kCorrection = "holm";

// The cell of row i against column j, from row i's side.
struct Oriented {
  double difference;
  stats::Interval ci;
  std::string_view verdict;
  const PairedCell& cell;
};

Oriented oriented(const PairedMatrix& m, std::size_t i, std::size_t j) {
  bool flipped = false;
  const PairedCell& c = paired_cell(m, i, j, flipped);
  const stats::PairedComparison& p = c.comparison;
  if (!flipped) return {p.difference, p.difference_ci, c.verdict, c};
  const std::string_view verdict = c.verdict == "better"  ? "worse"
                                   : c.verdict == "worse" ? "better"
                                                          : "tied";
  return {-p.difference, {-p.difference_ci.hi, -p.difference_ci.lo}, verdict, c};
}

// Accuracy points with a sign; a difference that rounds to zero is "0.0" (never "-0.0").
std::string points(double x) {
  const double v = x * 100;
  return std::abs(v) < 0.05 ? "0.0" : fmt::format("{:+.1f}", v);
}

}  // namespace

void write_paired_json(json::Writer& w, const PairedMatrix& m) {
  const auto entry = [](json::Writer& w, const PairedEntry& e) {
    w.object({{"label", e.label},
              {"model", e.model},
              {"run", e.run},
              {"result", e.result},
              {"rank", e.rank}});
  };
  const auto cell = [](json::Writer& w, const PairedCell& c) {
    const stats::PairedComparison& p = c.comparison;
    const bool table = c.test == "mcnemar_exact";
    w.object({{"a", c.a},
              {"b", c.b},
              {"items", p.items},
              {"accuracy_a", p.accuracy_a},
              {"accuracy_b", p.accuracy_b},
              {"diff", p.difference},
              {"ci_low", p.difference_ci.lo},
              {"ci_high", p.difference_ci.hi},
              {"discordant_a", c.discordant_a},
              {"discordant_b", c.discordant_b},
              {"both_correct", table ? json::OutValue(p.both_correct) : json::null},
              {"neither", table ? json::OutValue(p.neither) : json::null},
              {"test", c.test},
              {"bootstrap_se", p.bootstrap_se},
              {"p", c.p},
              {"p_holm", c.p_holm},
              {"verdict", c.verdict}});
  };
  w.object({{"suite", m.suite},
            {"confidence", m.confidence},
            {"alpha", m.alpha()},
            {"bootstrap_rounds", m.bootstrap_rounds},
            {"correction", kCorrection},
            {"note", paired_method_note(m)},
            {"models", json::array(m.entries, entry)},
            {"cells", json::array(m.cells, cell)}});
}

std::string paired_markdown(const std::vector<PairedMatrix>& matrices, const std::string& suite) {
  const auto found = std::find_if(matrices.begin(), matrices.end(),
                                  [&](const PairedMatrix& m) { return m.suite == suite; });
  if (found == matrices.end()) return "";
  const PairedMatrix& m = *found;
  std::string out =
      "\nPaired comparisons, row against column (accuracy points):\n\n| Rank | Model |";
  std::string rule = "|--:|---|";
  for (const PairedEntry& e : m.entries) {
    out += fmt::format(" {} |", md_text(e.label));
    rule += "---|";
  }
  out += "\n" + rule + "\n";
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    out += fmt::format("| {} | {} |", m.entries[i].rank, md_text(m.entries[i].label));
    for (std::size_t j = 0; j < m.entries.size(); ++j) {
      if (i == j) {
        out += " — |";
        continue;
      }
      const Oriented o = oriented(m, i, j);
      if (o.cell.test == "none") {
        out += " no common items |";
        continue;
      }
      out += fmt::format(" {} [{}, {}], p {:.2g}, {} |", points(o.difference), points(o.ci.lo),
                         points(o.ci.hi), o.cell.p_holm, o.verdict);
    }
    out += "\n";
  }
  return out + "\n" + md_text(paired_method_note(m)) + "\n";
}

std::string render_paired_csv(const std::vector<PairedMatrix>& matrices) {
  std::string out =
      "suite,model_a,run_a,model_b,run_b,items,accuracy_a,accuracy_b,difference,ci_low,ci_high,"
      "discordant_a,discordant_b,both_correct,neither,test,p,p_holm,correction,verdict,rank_a,"
      "rank_b\r\n";
  for (const PairedMatrix& m : matrices) {
    for (const PairedCell& c : m.cells) {
      const PairedEntry& a = m.entries[c.a];
      const PairedEntry& b = m.entries[c.b];
      const stats::PairedComparison& p = c.comparison;
      const bool table = c.test == "mcnemar_exact";
      out +=
          fmt::format("{},{},{},{},{},{},{},{},{},{},{},", csv_field(m.suite), csv_field(a.model),
                      csv_field(a.run), csv_field(b.model), csv_field(b.run), p.items, p.accuracy_a,
                      p.accuracy_b, p.difference, p.difference_ci.lo, p.difference_ci.hi);
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\r\n", c.discordant_a, c.discordant_b,
                         table ? fmt::format("{}", p.both_correct) : "",
                         table ? fmt::format("{}", p.neither) : "", c.test, c.p, c.p_holm,
                         kCorrection, c.verdict, a.rank, b.rank);
    }
  }
  return out;
}

}  // namespace rbench
