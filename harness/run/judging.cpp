// judge_run: plan the games, skip what the store has, ask the judge (with bounded retries when
// its verdict is unusable) and store each game.
#include "harness/run/judging.h"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "scorers/judge/judge_prompt.h"
#include "scorers/judge/verdict.h"

namespace rbench {
namespace {

struct Game {
  const Item* item = nullptr;
  const SampleRecord* sample = nullptr;  // null when the model has no answer for the item
  std::string suite;
  std::string model;
  int game = 1;
};

using GameKey = std::tuple<std::string, std::string, std::string, std::string, int>;

double cost(const JudgeSpec& judge, const Usage& usage) {
  if (judge.input_price_per_mtok < 0 || judge.output_price_per_mtok < 0) return -1;
  if (usage.prompt_tokens < 0 || usage.completion_tokens < 0) return -1;
  return (usage.prompt_tokens * judge.input_price_per_mtok +
          usage.completion_tokens * judge.output_price_per_mtok) /
         1e6;
}

// One game: the judge's text until it gives a usable label, at most judge.max_attempts times.
JudgmentRecord judge_game(const JudgeSpec& judge, const Game& g, std::stop_token stop,
                          CircuitBreaker& breaker) {
  JudgmentRecord r;
  r.suite = g.suite;
  r.item_id = g.item->id;
  r.model = g.model;
  r.baseline_model = g.item->baseline_model;
  r.judge = judge.name;
  r.game = g.game;
  const std::string& answer = g.sample->completion.answer;
  const std::string& baseline = g.item->baseline_answer;
  // Game 1 shows the model's answer as A, game 2 as B.
  const auto prompt = g.game == 1 ? judge::judge_messages(g.item->question, answer, baseline)
                                  : judge::judge_messages(g.item->question, baseline, answer);
  ChatRequest request;
  for (const auto& m : prompt) request.messages.push_back({m.role, m.content});
  request.sampling = judge.sampling;
  double total_cost = 0;
  bool priced = true;
  for (int attempt = 1; attempt <= judge.max_attempts; ++attempt) {
    const Completion c = judge.engine->complete(request, nullptr, stop);
    breaker.record(c);
    r.attempts = attempt;
    if (const double k = cost(judge, c.usage); k >= 0) {
      total_cost += k;
    } else {
      priced = false;
    }
    r.cost_usd = priced ? total_cost : -1;
    if (!c.ok()) {
      r.status = "error";
      r.error = fmt::format("{}: {}", to_string(c.error_kind), c.error);
      r.why = "the judge call failed";
      return r;
    }
    r.raw = c.answer;
    r.reasoning = c.reasoning;
    const judge::ParsedVerdict v = judge::parse_verdict(c.answer);
    r.why = v.why;
    if (v.label) {
      r.status = "ok";
      r.label_as_judged = std::string(judge::to_string(*v.label));
      r.label = std::string(judge::to_string(g.game == 1 ? *v.label : judge::swapped(*v.label)));
      return r;
    }
    // Ask again in the same conversation: the judge's text, then a request for the label alone.
    request.messages.push_back({"assistant", c.answer});
    request.messages.push_back({"user", judge::retry_message(v.why)});
  }
  r.status = "unparsed";
  r.why = fmt::format("no usable label after {} attempts (last: {})", r.attempts, r.why);
  return r;
}

}  // namespace

JudgingSummary judge_run(Store& store, std::int64_t run_id, const std::vector<Suite>& suites,
                         const JudgeSpec& judge, std::stop_token stop) {
  JudgingSummary summary;
  // Games already decided: everything stored but errors.
  std::set<GameKey> decided;
  for (const JudgmentRecord& j : store.judgments(run_id)) {
    if (j.judge != judge.name || j.status == "error") continue;
    decided.insert({j.suite, j.item_id, j.model, j.baseline_model, j.game});
  }
  const std::vector<SampleRecord> samples = store.samples(run_id);
  std::vector<Game> todo;
  for (const Suite& suite : suites) {
    std::map<std::string, const Item*> items;
    for (const Item& item : suite.items) items[item.id] = &item;
    // One judged answer per (model, item): the first sample.
    for (const SampleRecord& s : samples) {
      if (s.key.suite != suite.name || s.key.sample_index != 0) continue;
      const auto it = items.find(s.key.item_id);
      if (it == items.end()) continue;
      for (int game : {1, 2}) {
        ++summary.planned;
        const GameKey key{suite.name, s.key.item_id, s.key.model, it->second->baseline_model, game};
        if (decided.count(key)) {
          ++summary.skipped;
          continue;
        }
        todo.push_back(Game{it->second, &s, suite.name, s.key.model, game});
      }
    }
  }
  std::mutex counts;
  auto count = [&](const std::string& status) {
    std::lock_guard lock(counts);
    if (status == "ok") ++summary.ok;
    if (status == "unparsed") ++summary.unparsed;
    if (status == "error") ++summary.errors;
    if (status == "no_baseline") ++summary.no_baseline;
    if (status == "no_answer") ++summary.no_answer;
  };
  // Judge calls block on the network: allow more threads than cores (as the runner does), or
  // TBB caps the arena at the core count and --judge-concurrency is silently not honoured.
  const int concurrency = std::max(1, judge.concurrency);
  tbb::global_control parallelism(
      tbb::global_control::max_allowed_parallelism,
      std::max<std::size_t>(
          static_cast<std::size_t>(concurrency) + 1,
          tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
  // The caller's stop or a tripped breaker: no new games, and calls in flight end (unstored).
  CircuitBreaker breaker(judge.endpoint.empty() ? judge.name : judge.endpoint,
                         judge.breaker_window);
  std::stop_source halt;
  const std::stop_callback on_stop(stop, [&halt] { halt.request_stop(); });
  const std::stop_callback on_trip(breaker.token(), [&halt] { halt.request_stop(); });
  const std::stop_token halted = halt.get_token();
  tbb::task_arena arena(concurrency);
  arena.execute([&] {
    tbb::parallel_for_each(todo.begin(), todo.end(), [&](const Game& g) {
      if (halted.stop_requested()) return;
      JudgmentRecord r;
      if (g.item->baseline_answer.empty()) {
        r.status = "no_baseline";
        r.why = "the data has no baseline answer for this item";
      } else if (!g.sample->completion.ok() || g.sample->completion.answer.empty()) {
        r.status = "no_answer";
        r.why = g.sample->completion.ok() ? "the answer is empty" : "the model's request failed";
      } else {
        r = judge_game(judge, g, halted, breaker);
        if (r.status == "error" && halted.stop_requested()) return;  // cancelled: not stored
      }
      r.run_id = run_id;
      r.suite = g.suite;
      r.item_id = g.item->id;
      r.model = g.model;
      r.baseline_model = g.item->baseline_model;
      r.judge = judge.name;
      r.game = g.game;
      store.put_judgment(r);
      count(r.status);
    });
  });
  summary.interrupted = stop.stop_requested();
  summary.breaker_trip = breaker.reason();
  return summary;
}

}  // namespace rbench
