// summarize_pairwise: judgments -> battles -> Bradley-Terry fits; per-item outcomes -> AlpacaEval
// win rates and the length-controlled win rate.
#include "reports/pairwise_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "reports/stats/answer_style.h"
#include "reports/stats/bradley_terry.h"

namespace rbench {
namespace {

// The model's outcome from a label on its side ("A" = the model).
std::optional<double> outcome(const std::string& label) {
  if (label == "A>>B" || label == "A>B") return 1.0;
  if (label == "A=B") return 0.5;
  if (label == "B>A" || label == "B>>A") return 0.0;
  return std::nullopt;
}

bool strong(const std::string& label) {
  return label == "A>>B" || label == "B>>A";
}

struct Answers {
  std::string model;
  std::string baseline;
};

using Texts = std::map<std::tuple<std::string, std::string, std::string>, Answers>;

// One (suite, judge) group's games: per-model counts, the battles of the Bradley-Terry fits, and
// per (model, item) the outcomes of its ok games.
struct Games {
  std::map<std::string, std::int64_t> baseline_games;
  std::map<std::string, PairwiseModelResult> results;
  std::vector<stats::Battle> battles;
  std::map<std::pair<std::string, std::string>, std::vector<double>> item_outcomes;
};

Games collect_games(const std::vector<const JudgmentRecord*>& group, const Texts& texts) {
  Games g;
  for (const JudgmentRecord* j : group) {
    PairwiseModelResult& r = g.results[j->model];
    r.model = j->model;
    if (j->status == "unparsed") ++r.games_unparsed;
    if (j->status == "error") ++r.games_error;
    if (j->status == "no_baseline") ++r.no_baseline;
    if (j->status == "no_answer") ++r.no_answer;
    if (j->status != "ok") continue;
    // Imported AlpacaEval annotations carry a preference in [1, 2] instead of a label.
    const std::optional<double> o =
        j->preference >= 0 ? std::optional<double>(j->preference - 1) : outcome(j->label);
    if (!o) continue;
    ++r.games_ok;
    ++g.baseline_games[j->baseline_model];
    g.item_outcomes[{j->model, j->item_id}].push_back(*o);
    stats::Battle b;
    b.model_a = j->model;
    b.model_b = j->baseline_model;
    b.outcome = *o;
    b.weight = strong(j->label) ? stats::kStrongVerdictWeight : 1.0;
    if (const auto t = texts.find({j->suite, j->model, j->item_id}); t != texts.end()) {
      b.style_a = stats::answer_style(t->second.model);
      b.style_b = stats::answer_style(t->second.baseline);
    }
    g.battles.push_back(std::move(b));
  }
  return g;
}

// The data of the length-controlled fit, for the models that have one (at least two items).
struct LcInputs {
  std::vector<std::string> models;
  std::vector<stats::LcData> data;
  std::vector<std::vector<std::string>> items;  // item ids in data order, per model
};

// One model's AlpacaEval win rate and mean length from its per-item outcomes; its LC data go
// into `lc`.
void alpaca_figures(const std::string& suite, const std::string& name, const Games& g,
                    const Texts& texts, PairwiseModelResult& r, LcInputs& lc_inputs) {
  std::vector<double> preferences;
  stats::LcData lc;
  std::vector<std::string> lc_ids;
  double length_sum = 0;
  for (const auto& [mk, outcomes] : g.item_outcomes) {
    if (mk.first != name) continue;
    double mean = 0;
    for (double o : outcomes) mean += o;
    mean /= static_cast<double>(outcomes.size());
    preferences.push_back(1 + mean);
    if (const auto t = texts.find({suite, name, mk.second}); t != texts.end()) {
      const double lm = double(stats::code_point_length(t->second.model));
      length_sum += lm;
      lc.preferences.push_back(1 + mean);
      lc.model_lengths.push_back(lm);
      lc.baseline_lengths.push_back(double(stats::code_point_length(t->second.baseline)));
      lc_ids.push_back(mk.second);
    }
  }
  if (!preferences.empty()) {
    r.alpaca = stats::alpaca_win_rate(preferences);
    r.mean_length = length_sum / double(preferences.size());
  }
  if (lc.preferences.size() >= 2) {
    lc_inputs.models.push_back(name);
    lc_inputs.data.push_back(std::move(lc));
    lc_inputs.items.push_back(std::move(lc_ids));
  }
}

// The instruction difficulty AlpacaEval fits across its leaderboard is fitted here from the
// models at hand, so every model must have been judged on the same items (in the same order,
// which the sorted map gives); otherwise there is no LC figure.
void length_controlled(const LcInputs& lc, std::map<std::string, PairwiseModelResult>& results) {
  bool same_items = !lc.items.empty();
  for (const auto& ids : lc.items) same_items = same_items && ids == lc.items[0];
  if (!same_items) return;
  const std::vector<double> difficulty = stats::fit_instruction_difficulty(lc.data);
  for (std::size_t m = 0; m < lc.models.size(); ++m) {
    const stats::LcResult fit = stats::length_controlled_win_rate(lc.data[m], difficulty);
    if (!fit.converged) continue;
    results[lc.models[m]].lc_win_rate = fit.win_rate;
    results[lc.models[m]].lc_standard_error = fit.standard_error;
  }
}

// The models sorted by win rate, and the win-rate matrix of their ratings and the baseline's.
void rank(PairwiseSummary& summary, std::map<std::string, PairwiseModelResult>& results) {
  for (auto& [name, r] : results) summary.models.push_back(std::move(r));
  std::stable_sort(summary.models.begin(), summary.models.end(),
                   [](const auto& a, const auto& b) { return a.win_rate > b.win_rate; });
  if (summary.models.size() < 2) return;
  std::vector<double> ratings;
  for (const auto& r : summary.models) {
    summary.matrix_models.push_back(r.model);
    ratings.push_back(r.rating);
  }
  summary.matrix_models.push_back(summary.baseline);
  ratings.push_back(1000.0);
  summary.win_rate_matrix = stats::win_rate_matrix(ratings);
}

PairwiseSummary summarize_group(const std::string& suite, const std::string& judge,
                                const std::vector<const JudgmentRecord*>& group, const Texts& texts,
                                const PairwiseOptions& options) {
  PairwiseSummary summary;
  summary.suite = suite;
  summary.judge = judge;
  summary.bootstrap_rounds = options.bootstrap_rounds;
  Games g = collect_games(group, texts);
  if (g.baseline_games.empty()) {
    for (auto& [name, r] : g.results) summary.models.push_back(r);
    return summary;
  }
  summary.baseline =
      std::max_element(g.baseline_games.begin(), g.baseline_games.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; })
          ->first;
  const stats::BtBootstrap plain = stats::bootstrap_bradley_terry(
      g.battles, summary.baseline, {}, options.bootstrap_rounds, options.seed, options.confidence);
  stats::BtOptions style_options;
  style_options.style_control = true;
  const stats::BtBootstrap styled =
      stats::bootstrap_bradley_terry(g.battles, summary.baseline, style_options,
                                     options.bootstrap_rounds, options.seed, options.confidence);
  for (const auto* fit : {&plain.fit, &styled.fit}) {
    if (!fit->message.empty()) {
      summary.fit_note += fmt::format("{}{}{}", summary.fit_note.empty() ? "" : "; ",
                                      fit == &styled.fit ? "style control: " : "", fit->message);
    }
  }
  LcInputs lc;
  for (auto& [name, r] : g.results) {
    alpaca_figures(summary.suite, name, g, texts, r, lc);
    if (const int i = plain.fit.index_of(name); i >= 0) {
      r.rating = plain.fit.ratings[i];
      r.win_rate = plain.fit.win_rate_vs_baseline[i];
      r.ci = plain.win_rate_ci[i];
    }
    if (const int k = styled.fit.index_of(name); k >= 0) {
      r.style_win_rate = styled.fit.win_rate_vs_baseline[k];
      r.style_ci = styled.win_rate_ci[k];
    }
  }
  length_controlled(lc, g.results);
  rank(summary, g.results);
  return summary;
}

}  // namespace

std::vector<PairwiseSummary> summarize_pairwise(const std::vector<JudgmentRecord>& judgments,
                                                const std::vector<SampleRecord>& samples,
                                                const PairwiseOptions& options) {
  // The judged texts: the first sample of (model, suite, item), with the baseline's answer as
  // its reference. The newest run's sample wins when several runs hold one.
  Texts texts;
  for (const SampleRecord& s : samples) {
    if (s.key.sample_index != 0) continue;
    texts[{s.key.suite, s.key.model, s.key.item_id}] = {s.completion.answer, s.reference};
  }
  std::map<std::pair<std::string, std::string>, std::vector<const JudgmentRecord*>> groups;
  for (const JudgmentRecord& j : judgments) groups[{j.suite, j.judge}].push_back(&j);
  std::vector<PairwiseSummary> out;
  for (const auto& [key, group] : groups) {
    out.push_back(summarize_group(key.first, key.second, group, texts, options));
  }
  return out;
}

}  // namespace rbench
