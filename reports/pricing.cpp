// Prices applied to stored samples: stored, re-priced, or hourly over busy time; see pricing.h.
#include "reports/pricing.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <tuple>

#include "harness/core/error.h"
#include "harness/core/utc_time.h"
#include "harness/store/run_facts.h"

namespace rbench {
namespace {

// The interval a sample's request was in flight, from when its response ended (created_at) and
// how long it took (e2e_s); nullopt when either is unknown.
std::optional<std::pair<double, double>> in_flight(const SampleRecord& s) {
  const double e2e = s.completion.timings.e2e_s;
  if (e2e < 0) return std::nullopt;
  const auto end = parse_utc_seconds(s.created_at);
  if (!end) return std::nullopt;
  return std::pair{*end - e2e, *end};
}

// The weight a sample's share of an hourly cost is taken by: the tokens it processed.
double token_weight(const SampleRecord& s) {
  const Usage& u = s.completion.usage;
  return double(std::max<std::int64_t>(u.prompt_tokens, 0) +
                std::max<std::int64_t>(u.completion_tokens, 0));
}

// Busy time of the samples at `hourly_usd`, shared by tokens (equally when none has a count).
double apply_hourly(const std::vector<SampleRecord*>& group, double hourly_usd, double busy_s,
                    double& weights) {
  weights = 0;
  for (const SampleRecord* s : group) weights += token_weight(*s);
  const double total = busy_s / 3600.0 * hourly_usd;
  for (SampleRecord* s : group) {
    s->cost_usd = weights > 0 ? total * token_weight(*s) / weights : total / double(group.size());
  }
  return total;
}

}  // namespace

double union_seconds(std::vector<std::pair<double, double>> intervals) {
  std::sort(intervals.begin(), intervals.end());
  double covered = 0;
  std::optional<std::pair<double, double>> current;
  for (const auto& [start, end] : intervals) {
    if (end <= start) continue;
    if (current && start <= current->second) {
      current->second = std::max(current->second, end);
      continue;
    }
    if (current) covered += current->second - current->first;
    current = std::pair{start, end};
  }
  if (current) covered += current->second - current->first;
  return covered;
}

PriceHistory stored_pricing(std::string_view config_json, std::string_view label) {
  // The config is our own JSON; a run stored before prices were kept in full falls back to its
  // two token prices, and anything odd reads as "no price known".
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (doc.HasParseError()) return {};
  const rapidjson::Value* entry = stored_model_entry(doc, label);
  if (!entry) return {};
  const rapidjson::Value& model = *entry;
  if (const auto pricing = model.FindMember("pricing"); pricing != model.MemberEnd()) {
    try {
      return read_price_history(json::Value(pricing->value, "the run's stored config"));
    } catch (const DataError&) {
      return {};
    }
  }
  const auto input = model.FindMember("price_input_per_mtok");
  const auto output = model.FindMember("price_output_per_mtok");
  if (input == model.MemberEnd() || output == model.MemberEnd() || !input->value.IsNumber() ||
      !output->value.IsNumber()) {
    return {};
  }
  Pricing p;
  p.input_per_mtok = input->value.GetDouble();
  p.output_per_mtok = output->value.GetDouble();
  if (const auto as_of = model.FindMember("price_as_of");
      as_of != model.MemberEnd() && as_of->value.IsString()) {
    p.as_of = as_of->value.GetString();
  }
  return PriceHistory{{p}};
}

std::vector<AppliedPrices> apply_prices(const std::vector<RunInfo>& runs,
                                        std::vector<SampleRecord>& samples,
                                        const std::map<std::string, PriceHistory>& file_prices) {
  std::map<std::tuple<std::int64_t, std::string>, std::vector<SampleRecord*>> groups;
  for (SampleRecord& s : samples) groups[{s.run_id, s.key.model}].push_back(&s);
  std::vector<AppliedPrices> out;
  for (auto& [key, group] : groups) {
    AppliedPrices applied;
    applied.run_id = std::get<0>(key);
    applied.model = std::get<1>(key);
    applied.samples = std::int64_t(group.size());
    const auto run = std::find_if(runs.begin(), runs.end(),
                                  [&](const RunInfo& r) { return r.id == applied.run_id; });
    if (run != runs.end()) applied.run = run->name;
    if (const auto file = file_prices.find(applied.model); file != file_prices.end()) {
      applied.pricing = file->second;
      applied.repriced = true;
    } else if (run != runs.end()) {
      applied.pricing = stored_pricing(run->config_json, applied.model);
    }
    // Per host: shards of a run on several machines each kept their own machine busy.
    std::map<std::string, std::vector<std::pair<double, double>>> intervals_by_host;
    for (const SampleRecord* s : group) {
      if (const auto interval = in_flight(*s)) intervals_by_host[s->host].push_back(*interval);
    }
    for (auto& [host, intervals] : intervals_by_host) {
      applied.busy_s = applied.busy_s.value_or(0) + union_seconds(std::move(intervals));
    }
    const Pricing* latest = applied.pricing.latest();
    if (latest != nullptr && latest->hourly()) {
      applied.cost_usd = apply_hourly(group, *latest->hourly_usd, applied.busy_s.value_or(0),
                                      applied.token_weights);
    } else {
      if (applied.repriced) {
        for (SampleRecord* s : group) {
          const Pricing* in_force = applied.pricing.at(s->created_at);
          s->cost_usd = token_cost_usd(*in_force, s->completion.usage, s->created_at).value_or(-1);
        }
      }
      double total = 0;
      bool any = false;
      for (const SampleRecord* s : group) {
        if (s->cost_usd < 0) continue;
        total += s->cost_usd;
        any = true;
      }
      if (any) applied.cost_usd = total;
    }
    out.push_back(std::move(applied));
  }
  return out;
}

double AppliedPrices::sample_cost(const SampleRecord& s) const {
  const Pricing* latest = pricing.latest();
  if (latest != nullptr && latest->hourly()) {
    const double total = cost_usd.value_or(0);
    return token_weights > 0 ? total * token_weight(s) / token_weights
                             : total / double(std::max<std::int64_t>(samples, 1));
  }
  if (!repriced) return s.cost_usd;
  const Pricing* in_force = pricing.at(s.created_at);
  return token_cost_usd(*in_force, s.completion.usage, s.created_at).value_or(-1);
}

json::OutValue prices_json(const std::vector<AppliedPrices>& prices, const std::string& note) {
  return [&prices, &note](json::Writer& w) {
    w.object({{"note", note.empty() ? json::OutValue(json::null) : json::OutValue(note)},
              {"models", json::array(prices, [](json::Writer& w, const AppliedPrices& p) {
                 w.object({{"run", p.run},
                           {"model", p.model},
                           {"repriced", p.repriced},
                           {"pricing", p.pricing.empty() ? json::OutValue(json::null)
                                                         : price_history_json(p.pricing)},
                           {"busy_s", json::nullable(p.busy_s)},
                           {"cost_usd", json::nullable(p.cost_usd)},
                           {"samples", p.samples}});
               })}});
  };
}

}  // namespace rbench
