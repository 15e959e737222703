// The plain aggregation every reporter renders: one ResultSummary per (run, model, suite),
// computed from the store's samples. Reporters only format; all numbers are decided here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "reports/stats/bootstrap.h"
#include "reports/stats/pass_at_k.h"

namespace rbench {

struct SummaryOptions {
  std::uint64_t bootstrap_seed = 0;  // every group uses this seed, so a report reproduces exactly
  int bootstrap_rounds = 1000;
  double confidence = 0.95;
};

// Majority vote over each item's samples (cons@k, "self-consistency"): the most frequent extracted
// answer wins, ties going to the answer seen first (lowest sample index); the item is correct
// when a sample with that answer is. An item whose samples extracted nothing is wrong.
struct ConsensusAtK {
  int k = 0;               // the most scored samples any item has (items may have fewer)
  double value = 0;        // mean over items of the 0/1 vote outcome
  stats::Interval ci;      // percentile bootstrap over items
  std::int64_t items = 0;  // items with a scored sample
};

// The timing figures of one host's samples within a result, for results whose samples ran on
// several hosts: latency measured from different client machines is never pooled blindly. The
// figures are defined as ResultSummary's of the same names, over that host's samples.
struct HostTiming {
  std::string host;    // "" for samples stored without one (before schema v7): one unknown host
  std::int64_t n = 0;  // samples from this host
  std::int64_t errors = 0;  // of those, with an error
  std::optional<double> e2e_mean_s;
  std::optional<double> e2e_p50_s;
  std::optional<double> e2e_p90_s;
  std::optional<double> ttft_mean_s;
  std::optional<double> decode_tokens_per_s;
  std::int64_t decode_tokens = 0;
  double decode_seconds = 0;
  std::int64_t decode_samples = 0;
  std::optional<double> e2e_tokens_per_s_mean;
};

struct ResultSummary {
  std::int64_t run_id = 0;
  std::string run;  // run name
  std::string model;
  std::string suite;
  std::string suite_version;  // versions seen, comma-separated if the data changed mid-run

  std::int64_t n = 0;        // samples stored
  std::int64_t scored = 0;   // samples without error that have a score
  std::int64_t correct = 0;  // scored and correct
  std::int64_t errors = 0;   // samples with an error (never scored)
  std::map<std::string, std::int64_t> errors_by_kind;
  std::int64_t truncated = 0;        // finish_reason == "length", errors excluded
  std::int64_t truncated_wrong = 0;  // truncated, scored and wrong
  std::int64_t unscored = 0;         // no error, yet no score (a scorer failed to run)

  std::optional<double> accuracy;  // correct / scored; absent when nothing was scored
  stats::Interval ci;              // bootstrap CI of accuracy (valid with accuracy)

  // Unbiased pass@k over items (k = 1, 5, 10 as the samples per item allow, and the most
  // samples any item has), CIs bootstrapped over items. Empty when nothing was scored.
  std::vector<stats::PassAtK> pass_at;
  int max_samples_per_item = 0;  // scored samples of the item that has the most
  // Only where some item has more than one scored sample (a vote of one is just accuracy).
  std::optional<ConsensusAtK> consensus;
  // Code scorers: how the executions ended ("passed", "failed", "timeout", "crashed").
  std::map<std::string, std::int64_t> outcomes;
  // Math scorers: how many verdicts each equivalence rule decided ("structural", "rational",
  // "symbolic", "numeric", ..., "unknown" for those no rule could decide, "no answer").
  std::map<std::string, std::int64_t> rules;
  // A pairwise suite (ArenaHard, AlpacaEval): no accuracy; see its judgments' summary.
  bool pairwise = false;

  // Means over the samples that reported the number.
  std::optional<double> prompt_tokens_mean;
  std::optional<double> completion_tokens_mean;
  std::optional<double> reasoning_tokens_mean;
  // Of the prompt, tokens the provider served from its cache (billed at the cached rate).
  std::optional<double> cached_prompt_tokens_mean;
  // The visible answer's tokens: completion minus reasoning, over samples that reported both.
  std::optional<double> answer_tokens_mean;
  // Latency over samples without error that were timed.
  std::optional<double> e2e_mean_s;
  std::optional<double> e2e_p50_s;
  std::optional<double> e2e_p90_s;
  std::optional<double> ttft_mean_s;

  // Decode speed in tokens/s, per request as the client saw it, over the samples without error
  // whose completion_tokens, ttft_s and e2e_s are known and that had a decode phase
  // (completion_tokens >= 2 and e2e_s > ttft_s):
  //   decode_tokens_per_s = sum(completion_tokens - 1) / sum(e2e_s - ttft_s),
  // the tokens after the first over the time after the first text arrived. Prefill and queueing
  // end before the first token, so they are left out; a ratio of sums, so each request weighs by
  // its length. Requests decoded side by side (--concurrency, the built-in engine's batches) each
  // count at their own rate, so the engine's total throughput is higher: compare rows run at the
  // same concurrency. Absent when no sample qualifies.
  std::optional<double> decode_tokens_per_s;
  std::int64_t decode_tokens = 0;   // sum(completion_tokens - 1) over those samples
  double decode_seconds = 0;        // sum(e2e_s - ttft_s) over those samples
  std::int64_t decode_samples = 0;  // how many samples qualified
  // Mean over samples without error with completion_tokens known and e2e_s > 0 of
  // completion_tokens / e2e_s: each request's rate end to end, prefill and waiting included.
  std::optional<double> e2e_tokens_per_s_mean;

  // The latency and speed figures above per host, hosts in name order (the unknown host last);
  // only when the samples came from two hosts or more, else empty. The pooled figures stay.
  std::vector<HostTiming> hosts;

  // Self-speculative decoding (the built-in engine with --mtp), summed over the samples without
  // error that stored their counts: draft tokens proposed and those accepted. Absent (and the
  // sums 0) when no sample has them: engines without speculation store none.
  std::int64_t draft_tokens = 0;
  std::int64_t accepted_draft_tokens = 0;
  std::int64_t draft_samples = 0;          // samples that stored counts
  std::optional<double> draft_acceptance;  // accepted_draft_tokens / draft_tokens
  // 1 + draft_acceptance: the tokens a step that drafted one token emits on average (the token
  // it verifies, plus the draft when accepted). Steps without a draft emit one.
  std::optional<double> tokens_per_step;

  // What the run stored about this model's engine (harness/store/run_facts.h): weights, KV cache
  // per token and its multi-head equivalent, parameters. Empty for HTTP endpoints and for runs
  // stored before rbench recorded them.
  EngineFacts facts;

  std::optional<double> cost_usd;  // absent when no sample had a price (or all cost 0)
  std::optional<double> cost_per_correct_usd;
  // Percentile bootstrap over items of sum(cost) / sum(correct answers), with the accuracy's
  // seed and rounds; present with cost_per_correct_usd.
  std::optional<stats::Interval> cost_per_correct_ci;
  std::optional<double> cost_per_item_usd;  // cost_usd / items (every item the result has)
  // Completion tokens (reasoning included) over all samples, per correct answer.
  std::optional<double> tokens_per_correct;
  std::string cost_per_correct_note;  // why cost_per_correct_usd is absent ("" when present)

  std::vector<std::size_t> samples;  // indices into the input samples, in store order

  // Per item, in the order its first sample came: the scored samples and the correct ones
  // (pairwise-scored ones excluded). The paired matrices compare results on these.
  struct ItemOutcome {
    std::string item_id;
    stats::ItemCounts counts;
  };
  std::vector<ItemOutcome> item_outcomes;
};

// Groups by (run, model, suite) in that order. `runs` names the run ids found in `samples`.
std::vector<ResultSummary> summarize(const std::vector<RunInfo>& runs,
                                     const std::vector<SampleRecord>& samples,
                                     const SummaryOptions& options);

// Results grouped by suite (suites in name order), each ranked best first: accuracy, then CI
// lower bound, then model and run name; results with nothing scored come last.
std::vector<std::pair<std::string, std::vector<const ResultSummary*>>> rank_by_suite(
    const std::vector<ResultSummary>& results);

}  // namespace rbench
