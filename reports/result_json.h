// One ResultSummary as a JSON object: shared by the JSON report and the data the HTML report
// embeds, so both carry the same numbers under the same names. Unknown numbers are null.
#pragma once

#include <rapidjson/rapidjson.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "reports/pairwise_summary.h"
#include "reports/summary.h"

namespace rbench {

template <class Writer>
void write_json_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class Writer>
void write_json_number(Writer& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

// "key": an integer, or null when unknown.
template <class Writer>
void write_json_count(Writer& w, const char* key, const std::optional<std::int64_t>& v) {
  w.Key(key);
  if (v) {
    w.Int64(*v);
  } else {
    w.Null();
  }
}

// The members of a pass@k or cons@k entry: k, the rate over items and its CI, the item count.
template <class Writer>
void write_rate_at_k(Writer& w, int k, double value, const stats::Interval& ci,
                     std::int64_t items) {
  w.Key("k");
  w.Int(k);
  w.Key("value");
  w.Double(value);
  w.Key("ci_low");
  w.Double(ci.lo);
  w.Key("ci_high");
  w.Double(ci.hi);
  w.Key("items");
  w.Int64(items);
}

// {"name": count, ...}
template <class Writer>
void write_counts(Writer& w, const std::map<std::string, std::int64_t>& counts) {
  w.StartObject();
  for (const auto& [name, count] : counts) {
    write_json_string(w, name);
    w.Int64(count);
  }
  w.EndObject();
}

template <class Writer>
void write_result_json(Writer& w, const ResultSummary& r) {
  w.StartObject();
  w.Key("run");
  write_json_string(w, r.run);
  w.Key("model");
  write_json_string(w, r.model);
  w.Key("suite");
  write_json_string(w, r.suite);
  w.Key("suite_version");
  write_json_string(w, r.suite_version);
  w.Key("n");
  w.Int64(r.n);
  w.Key("scored");
  w.Int64(r.scored);
  w.Key("correct");
  w.Int64(r.correct);
  w.Key("accuracy");
  write_json_number(w, r.accuracy);
  w.Key("ci_low");
  write_json_number(w, r.accuracy ? std::optional(r.ci.lo) : std::nullopt);
  w.Key("ci_high");
  write_json_number(w, r.accuracy ? std::optional(r.ci.hi) : std::nullopt);
  w.Key("max_samples_per_item");
  w.Int(r.max_samples_per_item);
  w.Key("pass_at_k");
  w.StartArray();
  for (const auto& p : r.pass_at) {
    w.StartObject();
    write_rate_at_k(w, p.k, p.value, p.ci, p.items);
    w.Key("skipped_items");
    w.Int64(p.skipped);
    w.EndObject();
  }
  w.EndArray();
  w.Key("cons_at_k");
  if (r.consensus) {
    w.StartObject();
    write_rate_at_k(w, r.consensus->k, r.consensus->value, r.consensus->ci, r.consensus->items);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("outcomes");
  write_counts(w, r.outcomes);
  w.Key("rules");
  write_counts(w, r.rules);
  w.Key("errors");
  w.Int64(r.errors);
  w.Key("errors_by_kind");
  write_counts(w, r.errors_by_kind);
  w.Key("truncated");
  w.Int64(r.truncated);
  w.Key("truncated_wrong");
  w.Int64(r.truncated_wrong);
  w.Key("unscored");
  w.Int64(r.unscored);
  w.Key("pairwise");  // judged in pairs: no accuracy, see the report's "pairwise" leaderboards
  w.Bool(r.pairwise);
  w.Key("tokens");
  w.StartObject();
  w.Key("prompt_mean");
  write_json_number(w, r.prompt_tokens_mean);
  w.Key("completion_mean");
  write_json_number(w, r.completion_tokens_mean);
  w.Key("reasoning_mean");
  write_json_number(w, r.reasoning_tokens_mean);
  w.EndObject();
  w.Key("latency");
  w.StartObject();
  w.Key("e2e_mean_s");
  write_json_number(w, r.e2e_mean_s);
  w.Key("e2e_p50_s");
  write_json_number(w, r.e2e_p50_s);
  w.Key("e2e_p90_s");
  write_json_number(w, r.e2e_p90_s);
  w.Key("ttft_mean_s");
  write_json_number(w, r.ttft_mean_s);
  w.EndObject();
  w.Key("speed");  // tokens/s; decode_tokens_per_s = decode_tokens / decode_seconds (summary.h)
  w.StartObject();
  w.Key("decode_tokens_per_s");
  write_json_number(w, r.decode_tokens_per_s);
  w.Key("decode_tokens");
  w.Int64(r.decode_tokens);
  w.Key("decode_seconds");
  w.Double(r.decode_seconds);
  w.Key("decode_samples");
  w.Int64(r.decode_samples);
  w.Key("e2e_tokens_per_s_mean");
  write_json_number(w, r.e2e_tokens_per_s_mean);
  w.EndObject();
  w.Key("facts");  // the engine's, as the run stored them; null when unknown
  w.StartObject();
  write_json_count(w, "weight_bytes", r.facts.weight_bytes);
  write_json_count(w, "kv_bytes_per_token", r.facts.kv_bytes_per_token);
  write_json_count(w, "kv_bytes_per_token_mha", r.facts.kv_bytes_per_token_mha);
  write_json_count(w, "parameters_total", r.facts.parameters_total);
  write_json_count(w, "parameters_active", r.facts.parameters_active);
  w.EndObject();
  w.Key("cost_usd");
  write_json_number(w, r.cost_usd);
  w.Key("cost_per_correct_usd");
  write_json_number(w, r.cost_per_correct_usd);
  if (!r.cost_per_correct_note.empty()) {
    w.Key("cost_per_correct_note");
    write_json_string(w, r.cost_per_correct_note);
  }
  w.EndObject();
}

template <class Writer>
void write_interval(Writer& w, const char* key, const stats::Interval& ci) {
  w.Key(key);
  w.StartArray();
  w.Double(ci.lo);
  w.Double(ci.hi);
  w.EndArray();
}

// One pairwise suite's leaderboard: what arena-hard-auto and alpaca_eval print, per model.
template <class Writer>
void write_pairwise_json(Writer& w, const PairwiseSummary& p) {
  w.StartObject();
  w.Key("suite");
  write_json_string(w, p.suite);
  w.Key("judge");
  write_json_string(w, p.judge);
  w.Key("baseline");
  write_json_string(w, p.baseline);
  w.Key("bootstrap_rounds");
  w.Int(p.bootstrap_rounds);
  w.Key("fit_note");
  write_json_string(w, p.fit_note);
  w.Key("models");
  w.StartArray();
  for (const PairwiseModelResult& m : p.models) {
    w.StartObject();
    w.Key("model");
    write_json_string(w, m.model);
    w.Key("rating");
    w.Double(m.rating);
    w.Key("win_rate");
    w.Double(m.win_rate);
    write_interval(w, "ci", m.ci);
    w.Key("style_controlled_win_rate");
    w.Double(m.style_win_rate);
    write_interval(w, "style_controlled_ci", m.style_ci);
    w.Key("alpaca_win_rate");
    w.Double(m.alpaca.win_rate);
    w.Key("alpaca_standard_error");
    w.Double(m.alpaca.standard_error);
    w.Key("discrete_win_rate");
    w.Double(m.alpaca.discrete_win_rate);
    w.Key("n_wins");
    w.Int(m.alpaca.n_wins);
    w.Key("n_wins_base");
    w.Int(m.alpaca.n_wins_base);
    w.Key("n_draws");
    w.Int(m.alpaca.n_draws);
    w.Key("length_controlled_win_rate");
    write_json_number(w, m.lc_win_rate);
    w.Key("length_controlled_standard_error");
    write_json_number(w, m.lc_standard_error);
    w.Key("mean_length");
    w.Double(m.mean_length);
    w.Key("games");
    w.StartObject();
    w.Key("ok");
    w.Int64(m.games_ok);
    w.Key("unparsed");
    w.Int64(m.games_unparsed);
    w.Key("error");
    w.Int64(m.games_error);
    w.Key("no_baseline");
    w.Int64(m.no_baseline);
    w.Key("no_answer");
    w.Int64(m.no_answer);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("matrix_models");
  w.StartArray();
  for (const auto& name : p.matrix_models) write_json_string(w, name);
  w.EndArray();
  w.Key("win_rate_matrix");
  w.StartArray();
  for (const auto& row : p.win_rate_matrix) {
    w.StartArray();
    for (double v : row) w.Double(v);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace rbench
