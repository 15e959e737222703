// What a model costs: token prices (input, cached input, output, off-peak rates) or an hourly
// price for a machine of one's own, dated, since providers change them (DeepSeek did three times
// in 2025). The runner prices each call with the entry in force when it ran; reports re-price
// stored runs with other prices (`rbench report --prices FILE`) from the same types.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/api/engine.h"
#include "harness/core/json_reader.h"
#include "harness/core/json_writer.h"

namespace rbench {

// A discount window, e.g. DeepSeek's 16:30-00:30 UTC; the rates it sets replace the standard
// ones inside it (an absent rate keeps the standard one).
struct OffPeakRates {
  std::optional<double> input_per_mtok;
  std::optional<double> cached_input_per_mtok;
  std::optional<double> output_per_mtok;
  std::string hours_utc;  // "HH:MM-HH:MM", as written
  int start_minute = 0;   // minutes after 00:00 UTC; the window may wrap past midnight
  int end_minute = 0;
  bool contains(int minute_of_day) const;
};

struct Pricing {
  // USD per million tokens; reasoning tokens are billed as output tokens.
  std::optional<double> input_per_mtok;
  std::optional<double> cached_input_per_mtok;  // absent: cached tokens at input_per_mtok
  std::optional<double> output_per_mtok;
  std::optional<OffPeakRates> off_peak;
  // A machine of one's own (the built-in engine, a local vLLM or Ollama): USD per hour of busy
  // time, apportioned to samples by their share of tokens (reports/pricing.h).
  std::optional<double> hourly_usd;
  // When this price took effect, UTC: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ"; "" = always.
  std::string from;
  std::string as_of;   // date the price was read, YYYY-MM-DD
  std::string source;  // where it was read
  std::string note;

  bool known() const { return input_per_mtok && output_per_mtok; }  // token prices
  bool hourly() const { return hourly_usd.has_value(); }
};

// A model's prices over time, in order of `from` (one entry for an undated price).
struct PriceHistory {
  std::vector<Pricing> entries;

  bool empty() const { return entries.empty(); }
  // The entry in force at `utc` (ISO 8601 UTC, as samples store created_at): the last one whose
  // `from` is not after it; the earliest when `utc` precedes them all; the latest when `utc` is "".
  // nullptr when empty.
  const Pricing* at(std::string_view utc) const;
  const Pricing* latest() const { return entries.empty() ? nullptr : &entries.back(); }
};

// USD of one call: prompt tokens not from the cache at the input rate, cached ones at the cached
// rate, completion tokens (reasoning included) at the output rate; the off-peak rates when
// `utc`'s time of day falls in the window. nullopt when the token prices or the prompt and
// completion counts are unknown.
std::optional<double> token_cost_usd(const Pricing& pricing, const Usage& usage,
                                     std::string_view utc);

// A profile's or a price file's `pricing`: one object, or an array of dated objects (each with
// `from`, in increasing order). Unknown keys and wrong types fail naming the source and path.
PriceHistory read_price_history(const json::Value& value);

// A `--prices` file: {"profile name": pricing, ...}. Throws DataError naming the file and path.
std::map<std::string, PriceHistory> load_price_file(const std::filesystem::path& file);

// Back to JSON, keys as read (absent values left out): for the run's config and the reports.
json::OutValue pricing_json(const Pricing& pricing);
json::OutValue price_history_json(const PriceHistory& history);

}  // namespace rbench
