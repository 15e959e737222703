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

}  // namespace

std::vector<PairwiseSummary> summarize_pairwise(const std::vector<JudgmentRecord>& judgments,
                                                const std::vector<SampleRecord>& samples,
                                                const PairwiseOptions& options) {
  // The judged texts: the first sample of (model, suite, item), with the baseline's answer as
  // its reference. The newest run's sample wins when several runs hold one.
  std::map<std::tuple<std::string, std::string, std::string>, Answers> texts;
  for (const SampleRecord& s : samples) {
    if (s.key.sample_index != 0) continue;
    texts[{s.key.suite, s.key.model, s.key.item_id}] = {s.completion.answer, s.reference};
  }
  std::map<std::pair<std::string, std::string>, std::vector<const JudgmentRecord*>> groups;
  for (const JudgmentRecord& j : judgments) groups[{j.suite, j.judge}].push_back(&j);

  std::vector<PairwiseSummary> out;
  for (const auto& [key, group] : groups) {
    PairwiseSummary summary;
    summary.suite = key.first;
    summary.judge = key.second;
    summary.bootstrap_rounds = options.bootstrap_rounds;
    std::map<std::string, std::int64_t> baseline_games;
    std::map<std::string, PairwiseModelResult> results;
    std::vector<stats::Battle> battles;
    // Per (model, item): the outcomes of its ok games, and the texts' lengths.
    std::map<std::pair<std::string, std::string>, std::vector<double>> item_outcomes;
    for (const JudgmentRecord* j : group) {
      PairwiseModelResult& r = results[j->model];
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
      ++baseline_games[j->baseline_model];
      item_outcomes[{j->model, j->item_id}].push_back(*o);
      stats::Battle b;
      b.model_a = j->model;
      b.model_b = j->baseline_model;
      b.outcome = *o;
      b.weight = strong(j->label) ? stats::kStrongVerdictWeight : 1.0;
      if (const auto t = texts.find({j->suite, j->model, j->item_id}); t != texts.end()) {
        b.style_a = stats::answer_style(t->second.model);
        b.style_b = stats::answer_style(t->second.baseline);
      }
      battles.push_back(std::move(b));
    }
    if (baseline_games.empty()) {
      for (auto& [name, r] : results) summary.models.push_back(r);
      out.push_back(std::move(summary));
      continue;
    }
    summary.baseline =
        std::max_element(baseline_games.begin(), baseline_games.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
    const stats::BtBootstrap plain = stats::bootstrap_bradley_terry(
        battles, summary.baseline, {}, options.bootstrap_rounds, options.seed, options.confidence);
    stats::BtOptions style_options;
    style_options.style_control = true;
    const stats::BtBootstrap styled =
        stats::bootstrap_bradley_terry(battles, summary.baseline, style_options,
                                       options.bootstrap_rounds, options.seed, options.confidence);
    for (const auto* fit : {&plain.fit, &styled.fit}) {
      if (!fit->message.empty()) {
        summary.fit_note += fmt::format("{}{}{}", summary.fit_note.empty() ? "" : "; ",
                                        fit == &styled.fit ? "style control: " : "", fit->message);
      }
    }
    // AlpacaEval figures and the data of the length-controlled fit, per model.
    std::vector<std::string> lc_models;
    std::vector<stats::LcData> lc_data;
    std::vector<std::vector<std::string>> lc_items;  // item ids in lc_data order, per model
    for (auto& [name, r] : results) {
      std::vector<double> preferences;
      stats::LcData lc;
      std::vector<std::string> lc_ids;
      double length_sum = 0;
      for (const auto& [mk, outcomes] : item_outcomes) {
        if (mk.first != name) continue;
        double mean = 0;
        for (double o : outcomes) mean += o;
        mean /= static_cast<double>(outcomes.size());
        preferences.push_back(1 + mean);
        if (const auto t = texts.find({summary.suite, name, mk.second}); t != texts.end()) {
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
        lc_models.push_back(name);
        lc_data.push_back(std::move(lc));
        lc_items.push_back(std::move(lc_ids));
      }
      const int i = plain.fit.index_of(name);
      if (i >= 0) {
        r.rating = plain.fit.ratings[i];
        r.win_rate = plain.fit.win_rate_vs_baseline[i];
        r.ci = plain.win_rate_ci[i];
      }
      const int k = styled.fit.index_of(name);
      if (k >= 0) {
        r.style_win_rate = styled.fit.win_rate_vs_baseline[k];
        r.style_ci = styled.win_rate_ci[k];
      }
    }
    // The instruction difficulty AlpacaEval fits across its leaderboard is fitted here from the
    // models at hand, so every model must have been judged on the same items (in the same
    // order, which the sorted map gives); otherwise there is no LC figure.
    bool same_items = !lc_items.empty();
    for (const auto& ids : lc_items) same_items = same_items && ids == lc_items[0];
    if (same_items) {
      const std::vector<double> difficulty = stats::fit_instruction_difficulty(lc_data);
      for (std::size_t m = 0; m < lc_models.size(); ++m) {
        const stats::LcResult lc = stats::length_controlled_win_rate(lc_data[m], difficulty);
        if (!lc.converged) continue;
        results[lc_models[m]].lc_win_rate = lc.win_rate;
        results[lc_models[m]].lc_standard_error = lc.standard_error;
      }
    }
    for (auto& [name, r] : results) summary.models.push_back(std::move(r));
    std::stable_sort(summary.models.begin(), summary.models.end(),
                     [](const auto& a, const auto& b) { return a.win_rate > b.win_rate; });
    if (summary.models.size() >= 2) {
      std::vector<double> ratings;
      for (const auto& r : summary.models) {
        summary.matrix_models.push_back(r.model);
        ratings.push_back(r.rating);
      }
      summary.matrix_models.push_back(summary.baseline);
      ratings.push_back(1000.0);
      summary.win_rate_matrix = stats::win_rate_matrix(ratings);
    }
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace rbench
