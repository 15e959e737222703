// Aggregation of samples into per (run, model, suite) results; see summary.h.
#include "reports/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "harness/store/run_facts.h"
#include "scorers/pairwise_scorer.h"

namespace rbench {
namespace {

// One scored sample as the majority vote sees it.
struct Vote {
  int sample_index = 0;
  std::string extracted;
  bool correct = false;
};

// 1 when the item's majority answer is a correct one, else 0 (also when nothing was extracted).
double majority_vote(std::vector<Vote> votes) {
  // The store gives samples in sample order already; sorting keeps the tie rule independent of it.
  std::stable_sort(votes.begin(), votes.end(),
                   [](const Vote& a, const Vote& b) { return a.sample_index < b.sample_index; });
  struct Tally {
    int count = 0;
    std::size_t first = 0;  // position of the first sample with this answer
    bool correct = false;   // some sample with this answer is correct
  };
  std::map<std::string, Tally> tallies;
  for (std::size_t i = 0; i < votes.size(); ++i) {
    if (votes[i].extracted.empty()) continue;
    auto [it, inserted] = tallies.try_emplace(votes[i].extracted, Tally{0, i, false});
    ++it->second.count;
    it->second.correct = it->second.correct || votes[i].correct;
  }
  const Tally* best = nullptr;
  for (const auto& [answer, tally] : tallies) {
    if (best == nullptr || tally.count > best->count ||
        (tally.count == best->count && tally.first < best->first)) {
      best = &tally;
    }
  }
  return best != nullptr && best->correct ? 1.0 : 0.0;
}

std::optional<double> mean_or_none(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return stats::mean(values);
}

// The latency and speed of a set of samples (a result's, or one host's share of it); see
// summary.h for what each figure is over.
struct TimingAccumulator {
  std::int64_t n = 0;
  std::int64_t errors = 0;
  std::vector<double> e2e, ttft;
  std::vector<double> e2e_rates;  // completion tokens / e2e seconds, per request
  std::int64_t decode_tokens = 0;
  double decode_seconds = 0;
  std::int64_t decode_samples = 0;

  void add(const Completion& c) {
    ++n;
    if (!c.ok()) {
      ++errors;
      return;
    }
    if (c.timings.e2e_s >= 0) e2e.push_back(c.timings.e2e_s);
    if (c.timings.ttft_s >= 0) ttft.push_back(c.timings.ttft_s);
    const std::int64_t tokens = c.usage.completion_tokens;
    const double ttft_s = c.timings.ttft_s;
    const double e2e_s = c.timings.e2e_s;
    if (tokens >= 2 && ttft_s >= 0 && e2e_s > ttft_s) {
      decode_tokens += tokens - 1;
      decode_seconds += e2e_s - ttft_s;
      ++decode_samples;
    }
    if (tokens >= 0 && e2e_s > 0) e2e_rates.push_back(double(tokens) / e2e_s);
  }

  HostTiming finish(std::string host) const {
    HostTiming t;
    t.host = std::move(host);
    t.n = n;
    t.errors = errors;
    t.e2e_mean_s = mean_or_none(e2e);
    if (!e2e.empty()) {
      t.e2e_p50_s = stats::quantile(e2e, 0.5);
      t.e2e_p90_s = stats::quantile(e2e, 0.9);
    }
    t.ttft_mean_s = mean_or_none(ttft);
    t.decode_tokens = decode_tokens;
    t.decode_seconds = decode_seconds;
    t.decode_samples = decode_samples;
    if (decode_samples > 0) t.decode_tokens_per_s = double(decode_tokens) / decode_seconds;
    t.e2e_tokens_per_s_mean = mean_or_none(e2e_rates);
    return t;
  }
};

// Accumulates one group; finish() turns it into the summary's derived numbers.
struct Accumulator {
  ResultSummary result;
  std::set<std::string> versions;
  std::vector<double> outcomes;                       // 1 correct, 0 wrong, per scored sample
  std::map<std::string, stats::ItemCounts> per_item;  // item id -> scored, correct
  std::vector<std::string> item_order;                // per_item's keys, first seen first
  std::map<std::string, std::vector<Vote>> votes;     // item id -> its scored samples
  std::vector<double> prompt_tokens, completion_tokens, reasoning_tokens;
  std::vector<double> cached_prompt_tokens, answer_tokens;
  double completion_tokens_sum = 0;
  // Per item, every sample of it (errors included): what it cost and its correct answers, for
  // cost per correct answer and its bootstrap over items.
  struct ItemCost {
    double cost = 0;
    double correct = 0;
  };
  std::map<std::string, ItemCost> item_costs;
  TimingAccumulator timing;
  std::map<std::string, TimingAccumulator> timing_by_host;  // host ("" unknown) -> its share
  double cost = 0;
  bool cost_known = false;

  void add(const SampleRecord& s, std::size_t index) {
    const Completion& c = s.completion;
    result.samples.push_back(index);
    ++result.n;
    versions.insert(s.suite_version);
    if (c.usage.prompt_tokens >= 0) prompt_tokens.push_back(double(c.usage.prompt_tokens));
    if (c.usage.completion_tokens >= 0) {
      completion_tokens.push_back(double(c.usage.completion_tokens));
    }
    if (c.usage.reasoning_tokens >= 0) reasoning_tokens.push_back(double(c.usage.reasoning_tokens));
    if (c.usage.cached_prompt_tokens >= 0) {
      cached_prompt_tokens.push_back(double(c.usage.cached_prompt_tokens));
    }
    if (c.usage.completion_tokens >= 0) {
      completion_tokens_sum += double(c.usage.completion_tokens);
      if (c.usage.reasoning_tokens >= 0) {
        answer_tokens.push_back(double(c.usage.completion_tokens - c.usage.reasoning_tokens));
      }
    }
    ItemCost& item_cost = item_costs[s.key.item_id];
    if (s.cost_usd >= 0) {  // an errored call may still have been billed
      cost += s.cost_usd;
      item_cost.cost += s.cost_usd;
      cost_known = true;
    }
    if (c.ok() && s.score && s.scorer != kPairwiseScorer && s.score->correct) {
      item_cost.correct += 1;
    }
    timing.add(c);
    timing_by_host[s.host].add(c);
    if (!c.ok()) {
      ++result.errors;
      ++result.errors_by_kind[std::string(to_string(c.error_kind))];
      return;
    }
    add_drafts(c);
    if (c.truncated()) ++result.truncated;
    if (!s.score) {
      ++result.unscored;
      return;
    }
    // Answers of pairwise suites have no verdict of their own: their judgments are summarised
    // apart (reports/pairwise_summary), never as an accuracy.
    if (s.scorer == kPairwiseScorer) {
      result.pairwise = true;
      return;
    }
    ++result.scored;
    outcomes.push_back(s.score->correct ? 1.0 : 0.0);
    const auto [item_it, new_item] = per_item.try_emplace(s.key.item_id);
    if (new_item) item_order.push_back(s.key.item_id);
    stats::ItemCounts& item = item_it->second;
    ++item.n;
    if (s.score->correct) ++item.c;
    // Math answers vote by their canonical form, so 0.5 and \frac{1}{2} are one answer only
    // when they print the same; others by the text extracted.
    const std::string& ballot =
        s.score->answer_form.empty() ? s.score->extracted : s.score->answer_form;
    votes[s.key.item_id].push_back(Vote{s.key.sample_index, ballot, s.score->correct});
    if (!s.score->outcome.empty()) ++result.outcomes[s.score->outcome];
    if (!s.score->rule.empty()) ++result.rules[s.score->rule];
    if (s.score->correct) {
      ++result.correct;
    } else if (c.truncated()) {
      ++result.truncated_wrong;
    }
  }

  // Self-speculative decoding's counts of a sample without error; see summary.h.
  void add_drafts(const Completion& c) {
    if (c.usage.draft_tokens >= 0 && c.usage.accepted_draft_tokens >= 0) {
      result.draft_tokens += c.usage.draft_tokens;
      result.accepted_draft_tokens += c.usage.accepted_draft_tokens;
      ++result.draft_samples;
    }
  }

  // Cost per correct answer's interval: items resampled, sum(cost) / sum(correct) each time.
  void finish_cost_interval(const SummaryOptions& options) {
    std::vector<double> costs, corrects;
    costs.reserve(item_costs.size());
    corrects.reserve(item_costs.size());
    for (const auto& [id, item] : item_costs) {
      costs.push_back(item.cost);
      corrects.push_back(item.correct);
    }
    const auto ratio = stats::bootstrap_ratio_ci(costs, corrects, options.confidence,
                                                 options.bootstrap_rounds, options.bootstrap_seed);
    if (ratio) result.cost_per_correct_ci = ratio->ci;
  }

  // The pooled latency and speed, and each host's when there are several.
  void finish_timing() {
    ResultSummary& r = result;
    const HostTiming pooled = timing.finish("");
    r.e2e_mean_s = pooled.e2e_mean_s;
    r.e2e_p50_s = pooled.e2e_p50_s;
    r.e2e_p90_s = pooled.e2e_p90_s;
    r.ttft_mean_s = pooled.ttft_mean_s;
    r.decode_tokens_per_s = pooled.decode_tokens_per_s;
    r.decode_tokens = pooled.decode_tokens;
    r.decode_seconds = pooled.decode_seconds;
    r.decode_samples = pooled.decode_samples;
    r.e2e_tokens_per_s_mean = pooled.e2e_tokens_per_s_mean;
    if (timing_by_host.size() < 2) return;
    for (const auto& [host, acc] : timing_by_host) {
      if (!host.empty()) r.hosts.push_back(acc.finish(host));
    }
    // The unknown host (samples stored before hosts were) after the named ones.
    if (const auto unknown = timing_by_host.find(""); unknown != timing_by_host.end()) {
      r.hosts.push_back(unknown->second.finish(""));
    }
  }

  ResultSummary finish(const SummaryOptions& options) && {
    ResultSummary& r = result;
    std::string joined;
    for (const auto& v : versions) joined += (joined.empty() ? "" : ",") + v;
    r.suite_version = joined;
    if (r.scored > 0) {
      r.accuracy = double(r.correct) / double(r.scored);
      r.ci = stats::bootstrap_mean_ci(outcomes, options.confidence, options.bootstrap_rounds,
                                      options.bootstrap_seed);
    }
    if (!per_item.empty()) {
      std::vector<stats::ItemCounts> counts;
      counts.reserve(per_item.size());
      for (const auto& [id, c] : per_item) {
        counts.push_back(c);
        r.max_samples_per_item = std::max(r.max_samples_per_item, c.n);
      }
      for (int k : stats::reported_ks(r.max_samples_per_item)) {
        r.pass_at.push_back(stats::aggregate_pass_at_k(
            counts, k, options.confidence, options.bootstrap_rounds, options.bootstrap_seed));
      }
    }
    r.item_outcomes.reserve(item_order.size());
    for (std::string& id : item_order) {
      const stats::ItemCounts counts = per_item.at(id);
      r.item_outcomes.push_back({std::move(id), counts});
    }
    if (r.max_samples_per_item > 1) {
      std::vector<double> outcomes_per_item;
      outcomes_per_item.reserve(votes.size());
      for (auto& [id, item_votes] : votes) {
        outcomes_per_item.push_back(majority_vote(std::move(item_votes)));
      }
      ConsensusAtK& cons = r.consensus.emplace();
      cons.k = r.max_samples_per_item;
      cons.items = std::int64_t(outcomes_per_item.size());
      cons.value = stats::mean(outcomes_per_item);
      cons.ci = stats::bootstrap_mean_ci(outcomes_per_item, options.confidence,
                                         options.bootstrap_rounds, options.bootstrap_seed);
    }
    r.prompt_tokens_mean = mean_or_none(prompt_tokens);
    r.completion_tokens_mean = mean_or_none(completion_tokens);
    r.reasoning_tokens_mean = mean_or_none(reasoning_tokens);
    r.cached_prompt_tokens_mean = mean_or_none(cached_prompt_tokens);
    r.answer_tokens_mean = mean_or_none(answer_tokens);
    if (r.correct > 0 && !completion_tokens.empty()) {
      r.tokens_per_correct = completion_tokens_sum / double(r.correct);
    }
    finish_timing();
    if (r.draft_tokens > 0) {
      r.draft_acceptance = double(r.accepted_draft_tokens) / double(r.draft_tokens);
      r.tokens_per_step = 1.0 + *r.draft_acceptance;
    }
    // The runner records 0 when the profile has no price, so a zero total means "unknown" too.
    if (cost_known && cost > 0) r.cost_usd = cost;
    if (!r.cost_usd) {
      r.cost_per_correct_note = "no price known for this model";
    } else if (r.correct == 0) {
      r.cost_per_correct_note = "no correct answers";
    } else {
      r.cost_per_correct_usd = cost / double(r.correct);
      finish_cost_interval(options);
    }
    if (r.cost_usd && !item_costs.empty()) r.cost_per_item_usd = cost / double(item_costs.size());
    return std::move(r);
  }
};

}  // namespace

std::vector<ResultSummary> summarize(const std::vector<RunInfo>& runs,
                                     const std::vector<SampleRecord>& samples,
                                     const SummaryOptions& options) {
  std::map<std::int64_t, const RunInfo*> runs_by_id;
  for (const auto& run : runs) runs_by_id[run.id] = &run;
  std::map<std::tuple<std::int64_t, std::string, std::string>, Accumulator> groups;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const SampleRecord& s = samples[i];
    auto [it, inserted] = groups.try_emplace({s.run_id, s.key.model, s.key.suite});
    if (inserted) {
      ResultSummary& r = it->second.result;
      r.run_id = s.run_id;
      const auto run = runs_by_id.find(s.run_id);
      r.run = run != runs_by_id.end() ? run->second->name : fmt::format("run {}", s.run_id);
      r.model = s.key.model;
      r.suite = s.key.suite;
      if (run != runs_by_id.end()) r.facts = stored_engine_facts(run->second->config_json, r.model);
    }
    it->second.add(s, i);
  }
  std::vector<ResultSummary> out;
  out.reserve(groups.size());
  for (auto& [key, acc] : groups) out.push_back(std::move(acc).finish(options));
  return out;
}

std::vector<std::pair<std::string, std::vector<const ResultSummary*>>> rank_by_suite(
    const std::vector<ResultSummary>& results) {
  std::map<std::string, std::vector<const ResultSummary*>> by_suite;
  for (const auto& r : results) by_suite[r.suite].push_back(&r);
  std::vector<std::pair<std::string, std::vector<const ResultSummary*>>> out;
  for (auto& [suite, list] : by_suite) {
    std::stable_sort(list.begin(), list.end(), [](const ResultSummary* a, const ResultSummary* b) {
      if (a->accuracy.has_value() != b->accuracy.has_value()) return a->accuracy.has_value();
      if (a->accuracy && *a->accuracy != *b->accuracy) return *a->accuracy > *b->accuracy;
      if (a->accuracy && a->ci.lo != b->ci.lo) return a->ci.lo > b->ci.lo;
      return std::tie(a->model, a->run) < std::tie(b->model, b->run);
    });
    out.emplace_back(suite, std::move(list));
  }
  return out;
}

}  // namespace rbench
