// The prices a report applies to stored samples, before any figure is computed from them:
//   - token prices: the cost each sample stored when it ran, or, re-priced (`rbench report
//     --prices FILE`), its usage at the file's price in force at the sample's time;
//   - an hourly price (self-hosted: `rbench run --price-per-hour`, a profile's hourly_usd): the
//     run's busy time for that model times the price, apportioned to its samples by tokens.
// Busy time is the union of the intervals [end - e2e_s, end] of the model's samples in the run,
// `end` being when the response ended (created_at): overlapping requests count once, idle gaps
// between them and between the invocations of a resumed run not at all. Shards that ran on
// several hosts add each host's union (each kept its own machine busy).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines/api/pricing.h"
#include "harness/core/json_writer.h"
#include "harness/store/store.h"

namespace rbench {

// The prices applied to one model of one run.
struct AppliedPrices {
  std::int64_t run_id = 0;
  std::string run;
  std::string model;
  PriceHistory pricing;            // what was applied; empty when no price is known
  bool repriced = false;           // from a --prices file rather than as the run stored them
  std::optional<double> busy_s;    // hourly prices: the busy time they were applied to
  std::optional<double> cost_usd;  // the total over the model's samples in the run
  std::int64_t samples = 0;
  // Hourly prices: the tokens the total was shared by (0: shared equally).
  double token_weights = 0;

  // The cost apply_prices gave `s`, one of these samples read again (the HTML's items view reads
  // its samples after the figures are computed).
  double sample_cost(const SampleRecord& s) const;
};

// Seconds covered by the union of [start, end] intervals (an interval with end <= start adds
// nothing).
double union_seconds(std::vector<std::pair<double, double>> intervals);

// The prices the run stored for the model labelled `label` (its config's models[].pricing, or
// the price_input/output_per_mtok of runs stored before it); empty when none.
PriceHistory stored_pricing(std::string_view config_json, std::string_view label);

// Rewrites the samples' cost_usd as described above and says, per (run, model), what it applied.
// `file_prices` (profile name -> prices, from --prices) replaces the stored prices of the models
// it names; the others keep theirs.
std::vector<AppliedPrices> apply_prices(const std::vector<RunInfo>& runs,
                                        std::vector<SampleRecord>& samples,
                                        const std::map<std::string, PriceHistory>& file_prices);

// The reports' top-level "prices": {"note": what re-priced them or null, "models": [{run, model,
// repriced, pricing (as the profile writes it, null when unknown), busy_s, cost_usd, samples}]}.
json::OutValue prices_json(const std::vector<AppliedPrices>& prices, const std::string& note);

}  // namespace rbench
