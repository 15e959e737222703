// The Markdown report: a leaderboard table per suite, small enough for a CI comment (speed and
// memory columns from reports/markdown_speed.cpp, timings by host from
// reports/markdown_hosts.cpp), then the runs' probes (reports/markdown_probes.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "reports/markdown_hosts.h"
#include "reports/markdown_probes.h"
#include "reports/markdown_speed.h"
#include "reports/markdown_text.h"
#include "reports/reporters.h"

namespace rbench {
namespace {

constexpr const char* kNone = "—";

std::string percent(double v) {
  return fmt::format("{:.1f}%", v * 100);
}

// pass@k, cons@k and execution outcomes, for suites with several samples per item or code
// execution.
std::string pass_at_k_table(const std::vector<const ResultSummary*>& ranked, bool several_runs) {
  std::vector<int> ks;
  bool executed = false;
  for (const ResultSummary* r : ranked) {
    for (const auto& p : r->pass_at) {
      if (std::find(ks.begin(), ks.end(), p.k) == ks.end()) ks.push_back(p.k);
    }
    executed = executed || !r->outcomes.empty();
  }
  std::sort(ks.begin(), ks.end());
  // cons@N: one column; N in its header when every result voted over the same number of samples,
  // else in each cell.
  std::set<int> cons_ks;
  for (const ResultSummary* r : ranked) {
    if (r->consensus) cons_ks.insert(r->consensus->k);
  }
  if (!executed && ks.size() <= 1 && cons_ks.empty()) return "";
  std::string out = several_runs ? "\n| Model | Run |" : "\n| Model |";
  std::string rule = several_runs ? "|---|---|" : "|---|";
  for (int k : ks) {
    out += fmt::format(" pass@{} |", k);
    rule += "--:|";
  }
  if (!cons_ks.empty()) {
    out += cons_ks.size() == 1 ? fmt::format(" cons@{} |", *cons_ks.begin()) : " cons@k |";
    rule += "--:|";
  }
  const std::array<std::string_view, 4> kOutcomes = {"passed", "failed", "timeout", "crashed"};
  if (executed) {
    for (auto o : kOutcomes) {
      out += fmt::format(" {} |", o);
      rule += "--:|";
    }
  }
  out += "\n" + rule + "\n";
  for (const ResultSummary* r : ranked) {
    out += fmt::format("| {} |", md_text(r->model));
    if (several_runs) out += fmt::format(" {} |", md_text(r->run));
    for (int k : ks) {
      const auto p = std::find_if(r->pass_at.begin(), r->pass_at.end(),
                                  [&](const stats::PassAtK& x) { return x.k == k; });
      out += p == r->pass_at.end() || p->items == 0
                 ? fmt::format(" {} |", kNone)
                 : fmt::format(" {} [{:.1f}, {:.1f}] |", percent(p->value), p->ci.lo * 100,
                               p->ci.hi * 100);
    }
    if (!cons_ks.empty()) {
      if (!r->consensus) {
        out += fmt::format(" {} |", kNone);
      } else {
        const ConsensusAtK& c = *r->consensus;
        out += fmt::format(" {} [{:.1f}, {:.1f}]{} |", percent(c.value), c.ci.lo * 100,
                           c.ci.hi * 100, cons_ks.size() == 1 ? "" : fmt::format(" (k={})", c.k));
      }
    }
    if (executed) {
      for (auto o : kOutcomes) {
        const auto it = r->outcomes.find(std::string(o));
        out += fmt::format(" {} |", it == r->outcomes.end() ? 0 : it->second);
      }
    }
    out += "\n";
  }
  return out;
}

// How many verdicts each math equivalence rule decided, one line per result, most used first.
std::string rules_lines(const std::vector<const ResultSummary*>& ranked, bool several_runs) {
  std::string out;
  for (const ResultSummary* r : ranked) {
    if (r->rules.empty()) continue;
    std::vector<std::pair<std::string, std::int64_t>> counts(r->rules.begin(), r->rules.end());
    std::stable_sort(counts.begin(), counts.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string list;
    for (const auto& [rule, n] : counts)
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", rule, n);
    out += fmt::format("- {}{}: {}\n", md_text(r->model),
                       several_runs ? fmt::format(" ({})", md_text(r->run)) : "", list);
  }
  return out.empty() ? "" : "\nVerdicts by deciding rule:\n\n" + out;
}

std::string accuracy_cell(const ResultSummary& r) {
  if (!r.accuracy) return kNone;
  return fmt::format("**{}** [{:.1f}, {:.1f}]", percent(*r.accuracy), r.ci.lo * 100, r.ci.hi * 100);
}

std::string tokens(const std::optional<double>& v) {
  return v ? fmt::format("{:.0f}", *v) : kNone;
}

std::string seconds(const std::optional<double>& v) {
  if (!v) return kNone;
  return *v < 1 ? fmt::format("{:.0f} ms", *v * 1000) : fmt::format("{:.2f} s", *v);
}

std::string usd(const std::optional<double>& v) {
  if (!v) return kNone;
  if (*v >= 1) return fmt::format("${:.2f}", *v);
  if (*v >= 0.01) return fmt::format("${:.3f}", *v);
  return fmt::format("${:.2g}", *v);
}

std::string errors_cell(const ResultSummary& r) {
  if (r.errors == 0) return "0";
  std::string kinds;
  for (const auto& [kind, count] : r.errors_by_kind) {
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", count, kind);
  }
  return fmt::format("{} ({})", r.errors, kinds);
}

std::string truncated_cell(const ResultSummary& r) {
  if (r.truncated == 0) return "0";
  return fmt::format("{} ({} wrong)", r.truncated, r.truncated_wrong);
}

// A pairwise suite's leaderboard: Bradley-Terry win rate against the baseline with its CI, the
// style-controlled one, AlpacaEval's win rate and LC win rate, answer length, and what the
// judge could not decide; then the predicted win rates between models.
std::string pairwise_section(const PairwiseSummary& p, double confidence) {
  std::string out = fmt::format("\n## {} (judged by {}, against {})\n\n", md_text(p.suite),
                                md_text(p.judge), md_text(p.baseline.empty() ? kNone : p.baseline));
  out += fmt::format(
      "| # | Model | Win rate [{0:.0f}% CI] | Style-controlled [{0:.0f}% CI] | AlpacaEval win rate "
      "(SE) | LC win rate | Mean length | Games judged / unparsed / judge errors / no baseline / "
      "no answer |\n|--:|---|--:|--:|--:|--:|--:|---|\n",
      confidence * 100);
  int rank = 0;
  for (const PairwiseModelResult& m : p.models) {
    out += fmt::format(
        "| {} | {} | {:.1f} [{:.1f}, {:.1f}] | {:.1f} [{:.1f}, {:.1f}] | {:.1f} ({:.1f}) | {} | "
        "{:.0f} | {} / {} / {} / {} / {} |\n",
        ++rank, md_text(m.model), m.win_rate, m.ci.lo, m.ci.hi, m.style_win_rate, m.style_ci.lo,
        m.style_ci.hi, m.alpaca.win_rate, m.alpaca.standard_error,
        m.lc_win_rate ? fmt::format("{:.1f}", *m.lc_win_rate) : std::string(kNone), m.mean_length,
        m.games_ok, m.games_unparsed, m.games_error, m.no_baseline, m.no_answer);
  }
  out += fmt::format(
      "\nWin rates are Bradley-Terry (strong verdicts weigh 3, ties count half) against {}, {} "
      "bootstrap rounds; LC uses an instruction difficulty fitted from these models only.\n",
      md_text(p.baseline), p.bootstrap_rounds);
  if (!p.fit_note.empty()) out += fmt::format("\nFit: {}\n", md_text(p.fit_note));
  if (!p.win_rate_matrix.empty()) {
    out += "\nPredicted win rate of the row model against the column model (%):\n\n| |";
    for (const auto& name : p.matrix_models) out += fmt::format(" {} |", md_text(name));
    out += "\n|---|";
    for (std::size_t i = 0; i < p.matrix_models.size(); ++i) out += "--:|";
    out += "\n";
    for (std::size_t i = 0; i < p.matrix_models.size(); ++i) {
      out += fmt::format("| {} |", md_text(p.matrix_models[i]));
      for (double v : p.win_rate_matrix[i]) out += fmt::format(" {:.1f} |", v);
      out += "\n";
    }
  }
  return out;
}

}  // namespace

std::string render_markdown_report(const ReportData& data) {
  std::string out = "# rbench results\n\n";
  out += fmt::format("From `{}`", md_text(data.db_path));
  if (!data.runs.empty()) {
    out += ", runs:";
    for (const RunInfo& run : data.runs) {
      out += fmt::format(" {} (rbench {}, {})", md_text(run.name), md_text(run.rbench_version),
                         md_text(run.git_sha));
      for (const RunProtocol& p : run_protocols({run})) {
        out += fmt::format(" under protocol {}", md_text(p.protocol));
      }
    }
  }
  out += fmt::format(". Accuracy with its {:.0f}% bootstrap confidence interval",
                     data.confidence * 100);
  const bool cost_intervals =
      std::any_of(data.results.begin(), data.results.end(),
                  [](const ResultSummary& r) { return r.cost_per_correct_ci.has_value(); });
  out += cost_intervals ? "; cost per correct answer with its interval, bootstrapped over items.\n"
                        : ".\n";
  if (!data.prices_note.empty()) {
    out += fmt::format("\nCosts {}, not at the prices stored with the runs.\n",
                       md_text(data.prices_note));
  }
  const bool several_runs = data.runs.size() > 1;
  bool any_unpriced = false;
  for (const auto& [suite, ranked] : rank_by_suite(data.results)) {
    out += fmt::format("\n## {}\n\n", md_text(suite));
    out += several_runs ? "| # | Model | Run |" : "| # | Model |";
    const SpeedColumns speed = speed_columns(ranked);
    out += fmt::format(
        " Accuracy [{:.0f}% CI] | Correct | n | Errors | Truncated | Output tok | Reasoning tok"
        " | Latency p50 |{} Cost | Cost / correct |\n",
        data.confidence * 100, speed_header(speed));
    out += several_runs ? "|--:|---|---|" : "|--:|---|";
    out += fmt::format("---|--:|--:|---|---|--:|--:|--:|{}--:|--:|\n", speed_rule(speed));
    int rank = 0;
    for (const ResultSummary* r : ranked) {
      out += fmt::format("| {} | {} |", ++rank, md_text(r->model));
      if (several_runs) out += fmt::format(" {} |", md_text(r->run));
      std::string per_correct = usd(r->cost_per_correct_usd);
      if (r->cost_per_correct_ci) {
        per_correct += fmt::format(" [{}, {}]", usd(r->cost_per_correct_ci->lo),
                                   usd(r->cost_per_correct_ci->hi));
      }
      if (!r->cost_per_correct_usd) {
        per_correct += r->cost_per_correct_note == "no correct answers" ? "²" : "¹";
        any_unpriced = true;
      }
      out += fmt::format(" {} | {}/{} | {} | {} | {} | {} | {} | {} |{} {} | {} |\n",
                         accuracy_cell(*r), r->correct, r->scored, r->n, errors_cell(*r),
                         truncated_cell(*r), tokens(r->completion_tokens_mean),
                         tokens(r->reasoning_tokens_mean), seconds(r->e2e_p50_s),
                         speed_cells(speed, *r), usd(r->cost_usd), per_correct);
    }
    out += speed_notes(speed, ranked, several_runs);
    out += hosts_table(ranked, several_runs);
    out += pass_at_k_table(ranked, several_runs);
    out += rules_lines(ranked, several_runs);
    out += paired_markdown(data.paired, suite);
    out += published_beside_markdown(data.published, suite);
  }
  for (const PairwiseSummary& p : data.pairwise) out += pairwise_section(p, data.confidence);
  out += published_markdown(data.published, measured_suites(data.results, data.pairwise),
                            run_protocols(data.runs));
  if (data.results.empty() && data.probes.empty()) out += "\nNo samples in the store yet.\n";
  if (any_unpriced) out += "\n¹ no price known for the model. ² no correct answers.\n";
  out += markdown_probes_section(data.probes);
  return out;
}

}  // namespace rbench
