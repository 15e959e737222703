#include "reports/result_json.h"

#include <vector>

namespace rbench {
namespace {

// The members of a pass@k or cons@k entry: k, the rate over items and its CI, the item count.
std::vector<json::Field> rate_at_k(int k, double value, const stats::Interval& ci,
                                   std::int64_t items) {
  return {{"k", k}, {"value", value}, {"ci_low", ci.lo}, {"ci_high", ci.hi}, {"items", items}};
}

void write_pass_at_k(json::Writer& w, const stats::PassAtK& p) {
  w.object([&](json::Writer& w) {
    w.fields(rate_at_k(p.k, p.value, p.ci, p.items));
    w.field("skipped_items", p.skipped);
  });
}

json::OutValue interval(const stats::Interval& ci) {
  return json::array({ci.lo, ci.hi});
}

void write_pairwise_model(json::Writer& w, const PairwiseModelResult& m) {
  w.object({{"model", m.model},
            {"rating", m.rating},
            {"win_rate", m.win_rate},
            {"ci", interval(m.ci)},
            {"style_controlled_win_rate", m.style_win_rate},
            {"style_controlled_ci", interval(m.style_ci)},
            {"alpaca_win_rate", m.alpaca.win_rate},
            {"alpaca_standard_error", m.alpaca.standard_error},
            {"discrete_win_rate", m.alpaca.discrete_win_rate},
            {"n_wins", m.alpaca.n_wins},
            {"n_wins_base", m.alpaca.n_wins_base},
            {"n_draws", m.alpaca.n_draws},
            {"length_controlled_win_rate", json::nullable(m.lc_win_rate)},
            {"length_controlled_standard_error", json::nullable(m.lc_standard_error)},
            {"mean_length", m.mean_length},
            {"games", json::object({{"ok", m.games_ok},
                                    {"unparsed", m.games_unparsed},
                                    {"error", m.games_error},
                                    {"no_baseline", m.no_baseline},
                                    {"no_answer", m.no_answer}})}});
}

// One host's share of a result's timings; the same members as the result's "latency" and
// "speed" (host null: samples stored without a host).
void write_host_timing(json::Writer& w, const HostTiming& h) {
  w.object({{"host", h.host.empty() ? json::null : json::OutValue(h.host)},
            {"n", h.n},
            {"errors", h.errors},
            {"latency", json::object({{"e2e_mean_s", json::nullable(h.e2e_mean_s)},
                                      {"e2e_p50_s", json::nullable(h.e2e_p50_s)},
                                      {"e2e_p90_s", json::nullable(h.e2e_p90_s)},
                                      {"ttft_mean_s", json::nullable(h.ttft_mean_s)}})},
            {"speed",
             json::object({{"decode_tokens_per_s", json::nullable(h.decode_tokens_per_s)},
                           {"decode_tokens", h.decode_tokens},
                           {"decode_seconds", h.decode_seconds},
                           {"decode_samples", h.decode_samples},
                           {"e2e_tokens_per_s_mean", json::nullable(h.e2e_tokens_per_s_mean)}})}});
}

}  // namespace

void write_result_json(json::Writer& w, const ResultSummary& r) {
  const auto if_accuracy = [&](double v) { return r.accuracy ? json::OutValue(v) : json::null; };
  const auto if_drafts = [&](std::int64_t v) {
    return r.draft_samples > 0 ? json::OutValue(v) : json::null;
  };
  const json::OutValue consensus =
      r.consensus ? json::object(rate_at_k(r.consensus->k, r.consensus->value, r.consensus->ci,
                                           r.consensus->items))
                  : json::null;
  w.object({
      {"run", r.run},
      {"model", r.model},
      {"suite", r.suite},
      {"suite_version", r.suite_version},
      {"n", r.n},
      {"scored", r.scored},
      {"correct", r.correct},
      {"accuracy", json::nullable(r.accuracy)},
      {"ci_low", if_accuracy(r.ci.lo)},
      {"ci_high", if_accuracy(r.ci.hi)},
      {"max_samples_per_item", r.max_samples_per_item},
      {"pass_at_k", json::array(r.pass_at, write_pass_at_k)},
      {"cons_at_k", consensus},
      {"outcomes", json::map(r.outcomes)},
      {"rules", json::map(r.rules)},
      {"errors", r.errors},
      {"errors_by_kind", json::map(r.errors_by_kind)},
      {"truncated", r.truncated},
      {"truncated_wrong", r.truncated_wrong},
      {"unscored", r.unscored},
      // Judged in pairs: no accuracy, see the report's "pairwise" leaderboards.
      {"pairwise", r.pairwise},
      {"tokens", json::object({{"prompt_mean", json::nullable(r.prompt_tokens_mean)},
                               {"completion_mean", json::nullable(r.completion_tokens_mean)},
                               {"reasoning_mean", json::nullable(r.reasoning_tokens_mean)}})},
      // Per sample: of the prompt, tokens served from the provider's cache; of the completion,
      // the visible answer's (completion minus reasoning).
      {"cached_prompt_tokens_mean", json::nullable(r.cached_prompt_tokens_mean)},
      {"answer_tokens_mean", json::nullable(r.answer_tokens_mean)},
      {"latency", json::object({{"e2e_mean_s", json::nullable(r.e2e_mean_s)},
                                {"e2e_p50_s", json::nullable(r.e2e_p50_s)},
                                {"e2e_p90_s", json::nullable(r.e2e_p90_s)},
                                {"ttft_mean_s", json::nullable(r.ttft_mean_s)}})},
      // Tokens/s; decode_tokens_per_s = decode_tokens / decode_seconds (summary.h).
      {"speed", json::object({{"decode_tokens_per_s", json::nullable(r.decode_tokens_per_s)},
                              {"decode_tokens", r.decode_tokens},
                              {"decode_seconds", r.decode_seconds},
                              {"decode_samples", r.decode_samples},
                              {"e2e_tokens_per_s_mean", json::nullable(r.e2e_tokens_per_s_mean)},
                              // Self-speculative decoding (--mtp): summed over the samples that
                              // stored counts; null when none did.
                              {"draft_tokens", if_drafts(r.draft_tokens)},
                              {"accepted_draft_tokens", if_drafts(r.accepted_draft_tokens)},
                              {"draft_acceptance", json::nullable(r.draft_acceptance)},
                              {"tokens_per_step", json::nullable(r.tokens_per_step)}})},
      // Per host, where the samples ran on several; absent otherwise.
      {"hosts",
       r.hosts.empty() ? json::OutValue(std::nullopt) : json::array(r.hosts, write_host_timing)},
      // The engine's, as the run stored them; null when unknown.
      {"facts",
       json::object({{"weight_bytes", json::nullable(r.facts.weight_bytes)},
                     {"kv_bytes_per_token", json::nullable(r.facts.kv_bytes_per_token)},
                     {"kv_bytes_per_token_mha", json::nullable(r.facts.kv_bytes_per_token_mha)},
                     {"parameters_total", json::nullable(r.facts.parameters_total)},
                     {"parameters_active", json::nullable(r.facts.parameters_active)},
                     {"device", json::nullable(r.facts.device)},
                     {"device_name", json::nullable(r.facts.device_name)},
                     {"device_memory_bytes", json::nullable(r.facts.device_memory_bytes)},
                     {"cache_bytes_peak", json::nullable(r.facts.cache_bytes_peak)},
                     {"cache_bytes_capacity", json::nullable(r.facts.cache_bytes_capacity)}})},
      {"cost_usd", json::nullable(r.cost_usd)},
      {"cost_per_correct_usd", json::nullable(r.cost_per_correct_usd)},
      // Bootstrap over items of sum(cost) / sum(correct); the same seed and rounds as accuracy.
      {"cost_per_correct_ci_low_usd",
       r.cost_per_correct_ci ? json::OutValue(r.cost_per_correct_ci->lo) : json::null},
      {"cost_per_correct_ci_high_usd",
       r.cost_per_correct_ci ? json::OutValue(r.cost_per_correct_ci->hi) : json::null},
      {"cost_per_item_usd", json::nullable(r.cost_per_item_usd)},
      {"tokens_per_correct", json::nullable(r.tokens_per_correct)},
      {"cost_per_correct_note", json::unless_empty(r.cost_per_correct_note)},
  });
}

void write_pairwise_json(json::Writer& w, const PairwiseSummary& p) {
  w.object({{"suite", p.suite},
            {"judge", p.judge},
            {"baseline", p.baseline},
            {"bootstrap_rounds", p.bootstrap_rounds},
            {"fit_note", p.fit_note},
            {"models", json::array(p.models, write_pairwise_model)},
            {"matrix_models", json::array(p.matrix_models)},
            {"win_rate_matrix",
             json::array(p.win_rate_matrix, [](json::Writer& w, const std::vector<double>& row) {
               w.value(json::array(row));
             })}});
}

}  // namespace rbench
