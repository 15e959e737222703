#include "harness/run/runner.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/utc_time.h"
#include "harness/core/version.h"
#include "harness/run/scoring_pool.h"
#include "harness/store/run_facts.h"
#include "scorers/registry.h"
#include "suites/prompts.h"

namespace rbench {
namespace {

struct WorkItem {
  const Suite* suite;
  const Item* item;
  int sample_index;
};

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 1469598103934665603ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

json::OutValue sampling(const SamplingParams& s) {
  return json::object({{"max_tokens", s.max_tokens},
                       {"temperature", s.temperature},
                       {"top_p", s.top_p},
                       {"reasoning_effort", s.reasoning_effort}});
}

void write_fingerprint(json::Writer& w, const RunSpec& spec) {
  w.object(
      {{"models", json::array(spec.models,
                              [](json::Writer& w, const auto& m) {
                                // The endpoint's URL is left out on purpose: a server
                                // restarted on another port still serves the same model,
                                // and its run should resume.
                                w.object({{"label", m.label}, {"api_model", m.profile.api_model}});
                              })},
       {"suites", json::array(spec.suites,
                              [](json::Writer& w, const auto& s) {
                                w.object({{"name", s.name},
                                          {"version", s.version},
                                          {"prompt_template", s.prompt_template},
                                          {"scorer", s.scorer}});
                              })},
       {"samples", spec.samples},
       {"seed", spec.seed},
       // Only when set, so that runs stored before the option existed still resume.
       {"code_timeout_s",
        spec.code_timeout_s > 0 ? json::OutValue(spec.code_timeout_s) : std::nullopt},
       {"sampling", sampling(spec.sampling)}});
}

std::string messages_json(const std::vector<ChatMessage>& messages) {
  json::Writer w;
  w.value(json::array(messages, [](json::Writer& w, const ChatMessage& m) {
    w.object({{"role", m.role}, {"content", m.content}});
  }));
  return w.str();
}

// What was sent, as stored in samples.prompt_json: the chat messages, or for a raw completion
// one pseudo-message with role "prompt" (so readers always find an array of messages).
std::string request_json(const ChatRequest& request) {
  if (request.prompt.empty()) return messages_json(request.messages);
  return messages_json({ChatMessage{"prompt", request.prompt}});
}

// The stored run's shard ("" when not sharded), as "I/N".
std::string stored_shard(const std::string& config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("shard")) return "";
  const auto& shard = doc["shard"];
  if (!shard.IsObject() || !shard.HasMember("index") || !shard.HasMember("count") ||
      !shard["index"].IsInt() || !shard["count"].IsInt()) {
    return "";
  }
  return fmt::format("{}/{}", shard["index"].GetInt(), shard["count"].GetInt());
}

std::string stored_fingerprint(const std::string& config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("fingerprint")) return "";
  return json::to_string(doc["fingerprint"]);
}

}  // namespace

std::uint64_t request_seed(std::uint64_t seed, const std::string& suite, const std::string& item_id,
                           int sample_index) {
  std::uint64_t h = fnv1a(suite);
  h = fnv1a("/", h);
  h = fnv1a(item_id, h);
  // Keep it within 2^31 - 1: several servers reject larger seeds.
  return splitmix64(h ^ splitmix64(seed + static_cast<std::uint64_t>(sample_index))) %
         2147483647ULL;
}

std::string run_fingerprint_json(const RunSpec& spec) {
  json::Writer w;
  write_fingerprint(w, spec);
  return w.str();
}

namespace {

void write_model_config(json::Writer& w, const ModelEntry& m) {
  const auto& p = m.profile;
  // What the engine knows of its model (weights, KV cache per token, parameters), for the
  // reports. Not in the fingerprint: a resumed run rewrites it and still resumes.
  const EngineFacts facts = m.engine ? m.engine->facts() : EngineFacts{};
  w.object({{"label", m.label},
            {"profile", p.name},
            {"profile_file", p.file.string()},
            {"base_url", p.base_url},
            {"api_model", p.api_model},
            {"concurrency", m.concurrency},
            {"price_input_per_mtok", json::nullable(p.pricing.input_per_mtok)},
            {"price_output_per_mtok", json::nullable(p.pricing.output_per_mtok)},
            {"price_as_of", p.pricing.as_of},
            // The full prices (cached input, off-peak, hourly, history) the reports apply.
            {"pricing", p.price_history.empty() ? pricing_json(p.pricing)
                                                : price_history_json(p.price_history)},
            {"facts", facts.empty() ? json::OutValue(std::nullopt)
                                    : [&](json::Writer& w) { write_engine_facts(w, facts); }}});
}

}  // namespace

std::string run_config_json(const RunSpec& spec) {
  json::Writer w;
  const auto shard = [&](json::Writer& w) {
    w.object({{"index", spec.shard->index},
              {"count", spec.shard->count},
              {"argv", json::array(spec.argv)},
              {"host", spec.host}});
  };
  w.object({{"fingerprint", [&](json::Writer& w) { write_fingerprint(w, spec); }},
            {"shard", spec.shard ? json::OutValue(shard) : std::nullopt},
            {"limit", json::nullable(spec.limit)},
            {"sampling_source", spec.sampling_source},
            {"models", json::array(spec.models, write_model_config)},
            {"scorer_notes", json::array(spec.scorer_notes)},
            {"protocol", json::unless_empty(spec.protocol)},
            {"defaults", json::raw(defaults_json(spec.defaults))},
            {"suites", json::array(spec.suites, [](json::Writer& w, const auto& s) {
               w.object({{"name", s.name}, {"path", s.path}, {"items", s.items.size()}});
             })}});
  return w.str();
}

DefaultsBySuite run_defaults(Store& store, const RunSpec& spec) {
  for (const auto& existing : store.runs()) {
    if (existing.name != spec.run_name) continue;
    // A run stored before defaults were recorded ran with the scorers' own settings: keep them.
    return stored_defaults(existing.config_json).value_or(DefaultsBySuite{});
  }
  DefaultsBySuite out;
  for (const Suite& suite : spec.suites) {
    if (auto d = official_defaults(suite.name)) out.emplace(suite.name, *d);
  }
  return out;
}

double suite_code_timeout(const RunSpec& spec, const std::string& suite) {
  if (spec.code_timeout_s > 0) return spec.code_timeout_s;
  const auto it = spec.defaults.find(suite);
  return it != spec.defaults.end() ? it->second.timeout_s.value_or(0) : 0;
}

std::string default_run_name(const RunSpec& spec) {
  std::string models, suites;
  for (const auto& m : spec.models) models += (models.empty() ? "" : "+") + m.label;
  for (const auto& s : spec.suites) suites += (suites.empty() ? "" : "+") + s.name;
  // The fingerprint's hash keeps runs with other settings apart; the names keep it readable.
  return fmt::format("{}_{}_{:08x}", models, suites,
                     fnv1a(run_fingerprint_json(spec)) & 0xffffffffULL);
}

namespace {

// An existing run of the same name must have been made with the same settings.
void check_resumable(Store& store, const RunSpec& spec) {
  const std::string fingerprint = run_fingerprint_json(spec);
  for (const auto& existing : store.runs()) {
    if (existing.name != spec.run_name) continue;
    const std::string before = stored_fingerprint(existing.config_json);
    if (!before.empty() && before != fingerprint) {
      throw UsageError(fmt::format(
          "run '{}' already exists in {} with a different configuration, so its results "
          "would not be comparable.\n  stored:  {}\n  now:     {}\nUse --run NAME for a new run.",
          spec.run_name, store.path().string(), before, fingerprint));
    }
    // One file holds one shard: resuming another shard (or none) into it would mix them.
    const std::string stored = stored_shard(existing.config_json);
    const std::string now =
        spec.shard ? fmt::format("{}/{}", spec.shard->index, spec.shard->count) : "";
    if (stored != now) {
      throw UsageError(fmt::format(
          "run '{}' in {} holds {}, but this command runs {}: give each shard a store of its "
          "own (--db), and merge them with `rbench merge`",
          spec.run_name, store.path().string(),
          stored.empty() ? "the whole run" : "shard " + stored,
          now.empty() ? "the whole run" : "shard " + now));
    }
  }
}

// One scorer per suite, in suite order; their notes go into spec.scorer_notes.
std::vector<std::unique_ptr<Scorer>> make_scorers(RunSpec& spec) {
  std::vector<std::unique_ptr<Scorer>> scorers;
  for (const auto& suite : spec.suites) {
    ScorerOptions options;
    options.completion_style = is_completion_template(suite.prompt_template);
    options.code_timeout_s = suite_code_timeout(spec, suite.name);
    scorers.push_back(make_scorer(suite.scorer, options));
    // How the verdicts are reached on this machine (the sandbox's isolation and speed factor)
    // goes into the run's stored configuration: part of what a reader needs to trust them.
    const std::string how = scorers.back()->describe();
    if (!how.empty()) spec.scorer_notes.push_back(fmt::format("{}: {}", suite.name, how));
  }
  return scorers;
}

struct WorkPlan {
  // Per model, the work still to do, in suite, item, sample order.
  std::vector<std::vector<WorkItem>> per_model;
  std::size_t planned = 0;  // all samples of the run
  std::size_t skipped = 0;  // already in the store
};

// The run's full item list (every shard stores all of it, so a merge can name what is missing).
std::vector<RunItem> run_items(const RunSpec& spec) {
  std::vector<RunItem> items;
  for (const auto& suite : spec.suites) {
    const std::size_t n = std::min(suite.items.size(), spec.limit.value_or(suite.items.size()));
    for (std::size_t i = 0; i < n; ++i) items.push_back({suite.name, suite.items[i].id});
  }
  return items;
}

WorkPlan plan_work(const RunSpec& spec, const std::set<SampleKey>& done) {
  WorkPlan plan;
  plan.per_model.resize(spec.models.size());
  for (std::size_t m = 0; m < spec.models.size(); ++m) {
    for (const auto& suite : spec.suites) {
      const std::size_t n = std::min(suite.items.size(), spec.limit.value_or(suite.items.size()));
      for (std::size_t i = 0; i < n; ++i) {
        for (int s = 0; s < spec.samples; ++s) {
          if (spec.shard &&
              shard_of(suite.name, suite.items[i].id, s, spec.shard->count) != spec.shard->index) {
            continue;
          }
          ++plan.planned;
          const SampleKey key{spec.models[m].label, suite.name, suite.items[i].id, s};
          if (done.contains(key)) {
            ++plan.skipped;
          } else {
            plan.per_model[m].push_back({&suite, &suite.items[i], s});
          }
        }
      }
    }
  }
  return plan;
}

// Results handed from the engine's thread to the model's: a push is a lock and a move.
class CompletionQueue {
 public:
  struct Finished {
    std::size_t index;
    Completion completion;
    std::string ended_at;  // when the response ended, not when the model's thread took it
  };
  void push(std::size_t index, Completion completion) {
    std::string ended_at = utc_now_iso();
    {
      std::lock_guard lock(mutex_);
      items_.push_back({index, std::move(completion), std::move(ended_at)});
    }
    ready_.notify_one();
  }
  // Waits for at least one.
  std::vector<Finished> take_all() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !items_.empty(); });
    return std::exchange(items_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Finished> items_;
};

// Calls the engines, scores and stores each sample of one run.
class Dispatch {
 public:
  Dispatch(RunSpec& spec, const RunControl& control, std::int64_t run_id, Store& store,
           Progress& progress, const std::vector<std::unique_ptr<Scorer>>& scorers,
           ScoringPool& pool, RunCounters& counters)
      : spec_(spec),
        control_(control),
        run_id_(run_id),
        store_(store),
        progress_(progress),
        scorers_(scorers),
        pool_(pool),
        counters_(counters) {
    for (const ModelEntry& m : spec_.models) {
      const std::string endpoint = m.profile.base_url.empty() ? m.label : m.profile.base_url;
      breakers_.push_back(std::make_unique<CircuitBreaker>(endpoint, spec_.breaker_window));
    }
  }

  // Why each tripped breaker tripped, in model order.
  std::vector<std::string> breaker_trips() const {
    std::vector<std::string> trips;
    for (const auto& b : breakers_) {
      if (b->tripped()) trips.push_back(b->reason());
    }
    return trips;
  }

  // Stored answers whose scoring never finished (a killed run, a sandbox that could not start):
  // scored from the store, without calling the model again.
  void rescore(const std::vector<SampleRecord>& stored) {
    for (const SampleRecord& r : stored) {
      const auto [suite_index, item] = find_item(r.key.suite, r.key.item_id);
      if (item == nullptr) continue;  // the item left the suite: nothing to score it against
      pool_.score_later({r.id, item, scorers_[suite_index].get(), r.completion.answer,
                         r.completion.truncated(), r.completion.usage.completion_tokens,
                         std::max(0.0, r.cost_usd)});
    }
  }

  // Each model's work on a thread of its own, in a TBB arena sized by its concurrency. A failure
  // that is not the sample's own (the store cannot write) stops that model's work and is
  // returned, to be rethrown once every thread has joined.
  std::vector<std::exception_ptr> run_models(const WorkPlan& plan) {
    std::vector<std::exception_ptr> failures(spec_.models.size());
    std::vector<std::jthread> per_model;
    for (std::size_t m = 0; m < spec_.models.size(); ++m) {
      per_model.emplace_back([&, m] {
        try {
          run_model(spec_.models[m], plan.per_model[m], *breakers_[m]);
        } catch (...) {
          failures[m] = std::current_exception();
        }
      });
    }
    per_model.clear();  // joins
    return failures;
  }

 private:
  void run_model(ModelEntry& model, const std::vector<WorkItem>& work, CircuitBreaker& breaker) {
    if (model.engine->asynchronous()) return run_model_async(model, work, breaker);
    // Ctrl-C's cancel or a tripped breaker ends the requests in flight (they are not stored, so
    // a rerun redoes them); either also keeps new ones from starting.
    std::stop_source stop;
    const std::stop_callback on_cancel(control_.cancel, [&stop] { stop.request_stop(); });
    const std::stop_callback on_trip(breaker.token(), [&stop] { stop.request_stop(); });
    tbb::task_arena arena(std::max(1, model.concurrency));
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, work.size(), 1),
          [&](const tbb::blocked_range<std::size_t>& range) {
            for (std::size_t i = range.begin(); i != range.end(); ++i) {
              run_sample(model, work[i], stop.get_token(), breaker);
            }
          },
          tbb::simple_partitioner());
    });
  }

  // An engine that holds requests without a thread each: this thread keeps up to the model's
  // concurrency submitted, and stores, scores and submits the next as each one ends. The engine
  // calls `done` on its own thread, which only queues the result here (Engine::submit).
  void run_model_async(ModelEntry& model, const std::vector<WorkItem>& work,
                       CircuitBreaker& breaker) {
    const std::size_t limit = static_cast<std::size_t>(std::max(1, model.concurrency));
    CompletionQueue finished;
    // A failure here stops this model's requests too (in flight ones end as cancelled), so that
    // it returns soon; Ctrl-C's cancel reaches them through the same source.
    std::stop_source stop;
    const std::stop_callback on_cancel(control_.cancel, [&stop] { stop.request_stop(); });
    // A tripped breaker does the same: no new requests, and those in flight end as cancelled.
    const std::stop_callback on_trip(breaker.token(), [&stop] { stop.request_stop(); });
    std::unordered_map<std::size_t, SampleRecord> in_flight;
    std::size_t next = 0;
    std::exception_ptr failure;
    // Once failed, it only waits for what is in flight: their `done` refers to `finished`.
    const auto fail = [&] {
      if (!failure) failure = std::current_exception();
      stop.request_stop();
    };
    while (true) {
      try {
        while (!failure && in_flight.size() < limit && next < work.size() &&
               !control_.drain.stop_requested() && !breaker.tripped()) {
          const std::size_t i = next++;
          ChatRequest request = request_for(work[i]);
          in_flight.emplace(i, begin_record(model, work[i], request));
          try {
            model.engine->submit(std::move(request), nullptr, stop.get_token(),
                                 [&finished, i](Completion c) { finished.push(i, std::move(c)); });
          } catch (...) {
            in_flight.erase(i);  // never started: no result will come for it
            throw;
          }
        }
      } catch (...) {
        fail();
      }
      if (in_flight.empty()) break;
      for (auto& [i, completion, ended_at] : finished.take_all()) {
        auto node = in_flight.extract(i);
        if (failure) continue;
        try {
          SampleRecord& record = node.mapped();
          record.completion = std::move(completion);
          record.created_at = std::move(ended_at);
          finish_sample(model, work[i], std::move(record), breaker);
        } catch (...) {
          fail();
        }
      }
    }
    if (failure) std::rethrow_exception(failure);
  }

  ChatRequest request_for(const WorkItem& w) const {
    ChatRequest request;
    const Prompt prompt = build_prompt(*w.suite, *w.item);
    request.messages = prompt.messages;
    request.prompt = prompt.text;
    request.sampling = spec_.sampling;
    if (!prompt.stop.empty()) {
      request.sampling.stop.insert(request.sampling.stop.end(), prompt.stop.begin(),
                                   prompt.stop.end());
    }
    request.sampling.seed = request_seed(spec_.seed, w.suite->name, w.item->id, w.sample_index);
    return request;
  }

  const Scorer& scorer_for(const WorkItem& w) const {
    return *scorers_[static_cast<std::size_t>(w.suite - spec_.suites.data())];
  }

  // The sample's record before its completion: what was asked, of which item.
  SampleRecord begin_record(const ModelEntry& model, const WorkItem& w,
                            const ChatRequest& request) const {
    SampleRecord record;
    record.run_id = run_id_;
    record.key = {model.label, w.suite->name, w.item->id, w.sample_index};
    record.host = spec_.host;
    record.suite_version = w.suite->version;
    record.reference = w.item->reference;
    record.prompt_json = request_json(request);
    return record;
  }

  void run_sample(ModelEntry& model, const WorkItem& w, std::stop_token stop,
                  CircuitBreaker& breaker) {
    if (control_.drain.stop_requested() || stop.stop_requested()) return;
    const ChatRequest request = request_for(w);
    SampleRecord record = begin_record(model, w, request);
    record.completion = model.engine->complete(request, nullptr, stop);
    // When the response ended, not when it was stored (scoring comes between): the end of the
    // interval the request was in flight, which busy-time pricing unites.
    record.created_at = utc_now_iso();
    finish_sample(model, w, std::move(record), breaker);
  }

  // Prices, scores (or hands to the scoring pool) and stores one completed sample, and counts
  // it in the model's breaker.
  void finish_sample(const ModelEntry& model, const WorkItem& w, SampleRecord record,
                     CircuitBreaker& breaker) {
    if (record.completion.error_kind == ErrorKind::cancelled) return;  // redone on resume
    if (breaker.record(record.completion)) {
      progress_.message(
          fmt::format("{}: stopping: {}; no new requests are sent", model.label, breaker.reason()));
    }
    const Scorer& scorer = scorer_for(w);
    const auto& usage = record.completion.usage;
    // -1: no token price known for this model (stored as NULL, shown as "no price"); an hourly
    // price is applied by the reports, over the run's busy time.
    record.cost_usd =
        token_cost_usd(model.profile.pricing_at(record.created_at), usage, record.created_at)
            .value_or(-1);
    const bool ok = record.completion.ok();
    if (ok && scorer.executes_code()) {
      // Stored first, scored in the execution arena: a killed run keeps the answer.
      const std::int64_t id = store_.put_sample(record);
      pool_.score_later({id, w.item, &scorer, record.completion.answer,
                         record.completion.truncated(), usage.completion_tokens,
                         std::max(0.0, record.cost_usd)});
      return;
    }
    if (ok) {
      record.score = scorer.score(*w.item, record.completion.answer);
      record.scorer = scorer.name();
    }
    store_.put_sample(record);
    ++counters_.finished;
    if (!ok) {
      ++counters_.errors;
      progress_.message(fmt::format("error: {} {} #{} ({}): {}", model.label, w.item->id,
                                    w.sample_index, to_string(record.completion.error_kind),
                                    record.completion.error));
    }
    progress_.sample_finished(!ok, ok && record.score->correct, record.completion.truncated(),
                              usage.completion_tokens, std::max(0.0, record.cost_usd));
  }

  std::pair<std::size_t, const Item*> find_item(const std::string& suite_name,
                                                const std::string& item_id) const {
    for (std::size_t i = 0; i < spec_.suites.size(); ++i) {
      if (spec_.suites[i].name != suite_name) continue;
      for (const Item& item : spec_.suites[i].items) {
        if (item.id == item_id) return {i, &item};
      }
    }
    return {0, nullptr};
  }

  RunSpec& spec_;
  const RunControl& control_;
  std::int64_t run_id_;
  Store& store_;
  Progress& progress_;
  const std::vector<std::unique_ptr<Scorer>>& scorers_;
  ScoringPool& pool_;
  RunCounters& counters_;
  std::vector<std::unique_ptr<CircuitBreaker>> breakers_;  // one per model, in model order
};

}  // namespace

RunSummary Runner::run(RunSpec& spec, const RunControl& control) {
  if (spec.samples < 1) throw UsageError("--samples must be at least 1");
  check_resumable(store_, spec);
  spec.defaults = run_defaults(store_, spec);
  const std::vector<std::unique_ptr<Scorer>> scorers = make_scorers(spec);
  for (const std::string& note : spec.scorer_notes) progress_.message(note);

  const RunInfo info = store_.open_run(spec.run_name, run_config_json(spec), version(), git_sha());
  store_.put_run_items(info.id, run_items(spec));
  const WorkPlan plan = plan_work(spec, store_.completed(info.id));
  const std::vector<SampleRecord> rescore = store_.unscored(info.id);
  std::size_t to_do = rescore.size();
  int threads = 1;
  for (std::size_t m = 0; m < plan.per_model.size(); ++m) {
    to_do += plan.per_model[m].size();
    // An asynchronous engine's requests take no TBB thread: its model's own thread submits them.
    if (!spec.models[m].engine->asynchronous()) threads += std::max(1, spec.models[m].concurrency);
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int executors = spec.executors > 0 ? spec.executors : cores;
  threads += executors;
  progress_.start(to_do, plan.skipped);

  // Requests block on the network, so allow more threads than cores.
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  RunCounters counters;
  ScoringPool pool(executors, store_, progress_, control, counters);
  Dispatch dispatch(spec, control, info.id, store_, progress_, scorers, pool, counters);
  dispatch.rescore(rescore);
  const std::vector<std::exception_ptr> failures = dispatch.run_models(plan);
  pool.wait();
  progress_.finish();
  pool.rethrow_failure();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  // The config again, for the engine facts known only now (the KV cache's peak in this session).
  if (to_do > 0) store_.open_run(spec.run_name, run_config_json(spec), version(), git_sha());
  RunSummary summary;
  summary.run_id = info.id;
  summary.planned = plan.planned;
  summary.skipped = plan.skipped;
  summary.finished = counters.finished;
  summary.errors = counters.errors;
  summary.interrupted = control.drain.stop_requested() || control.cancel.stop_requested();
  summary.breaker_trips = dispatch.breaker_trips();
  if (!summary.interrupted && summary.breaker_trips.empty()) store_.finish_run(info.id);
  return summary;
}

}  // namespace rbench
