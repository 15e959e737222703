#include "harness/run/runner.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/version.h"
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

json::Value sampling(const SamplingParams& s) {
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
        spec.code_timeout_s > 0 ? json::Value(spec.code_timeout_s) : std::nullopt},
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
            {"facts", facts.empty() ? json::Value(std::nullopt)
                                    : [&](json::Writer& w) { write_engine_facts(w, facts); }}});
}

}  // namespace

std::string run_config_json(const RunSpec& spec) {
  json::Writer w;
  w.object({{"fingerprint", [&](json::Writer& w) { write_fingerprint(w, spec); }},
            {"limit", json::nullable(spec.limit)},
            {"sampling_source", spec.sampling_source},
            {"models", json::array(spec.models, write_model_config)},
            {"scorer_notes", json::array(spec.scorer_notes)},
            {"suites", json::array(spec.suites, [](json::Writer& w, const auto& s) {
               w.object({{"name", s.name}, {"path", s.path}, {"items", s.items.size()}});
             })}});
  return w.str();
}

std::string default_run_name(const RunSpec& spec) {
  std::string models, suites;
  for (const auto& m : spec.models) models += (models.empty() ? "" : "+") + m.label;
  for (const auto& s : spec.suites) suites += (suites.empty() ? "" : "+") + s.name;
  // The fingerprint's hash keeps runs with other settings apart; the names keep it readable.
  return fmt::format("{}_{}_{:08x}", models, suites,
                     fnv1a(run_fingerprint_json(spec)) & 0xffffffffULL);
}

RunSummary Runner::run(RunSpec& spec, const RunControl& control) {
  if (spec.samples < 1) throw UsageError("--samples must be at least 1");
  const std::string fingerprint = run_fingerprint_json(spec);
  for (const auto& existing : store_.runs()) {
    if (existing.name != spec.run_name) continue;
    const std::string before = stored_fingerprint(existing.config_json);
    if (!before.empty() && before != fingerprint) {
      throw UsageError(fmt::format(
          "run '{}' already exists in {} with a different configuration, so its results "
          "would not be comparable.\n  stored:  {}\n  now:     {}\nUse --run NAME for a new run.",
          spec.run_name, store_.path().string(), before, fingerprint));
    }
  }
  std::vector<std::unique_ptr<Scorer>> scorers;
  for (const auto& suite : spec.suites) {
    ScorerOptions options;
    options.completion_style = is_completion_template(suite.prompt_template);
    options.code_timeout_s = spec.code_timeout_s;
    scorers.push_back(make_scorer(suite.scorer, options));
    // How the verdicts are reached on this machine (the sandbox's isolation and speed factor)
    // goes into the run's stored configuration: part of what a reader needs to trust them.
    const std::string how = scorers.back()->describe();
    if (!how.empty()) spec.scorer_notes.push_back(fmt::format("{}: {}", suite.name, how));
  }
  for (const std::string& note : spec.scorer_notes) progress_.message(note);

  const RunInfo info = store_.open_run(spec.run_name, run_config_json(spec), version(), git_sha());

  const auto done = store_.completed(info.id);
  RunSummary summary;
  summary.run_id = info.id;
  // Per model, the work still to do, in suite, item, sample order.
  std::vector<std::vector<WorkItem>> work(spec.models.size());
  for (std::size_t m = 0; m < spec.models.size(); ++m) {
    for (const auto& suite : spec.suites) {
      const std::size_t n = std::min(suite.items.size(), spec.limit.value_or(suite.items.size()));
      for (std::size_t i = 0; i < n; ++i) {
        for (int s = 0; s < spec.samples; ++s) {
          ++summary.planned;
          const SampleKey key{spec.models[m].label, suite.name, suite.items[i].id, s};
          if (done.contains(key)) {
            ++summary.skipped;
          } else {
            work[m].push_back({&suite, &suite.items[i], s});
          }
        }
      }
    }
  }
  // Stored answers whose scoring never finished (a killed run, a sandbox that could not start):
  // scored now from the store, without calling the model again.
  std::vector<SampleRecord> rescore;
  for (SampleRecord& r : store_.unscored(info.id)) rescore.push_back(std::move(r));
  std::size_t to_do = rescore.size();
  int threads = 1;
  for (std::size_t m = 0; m < work.size(); ++m) {
    to_do += work[m].size();
    threads += std::max(1, spec.models[m].concurrency);
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int executors = spec.executors > 0 ? spec.executors : cores;
  threads += executors;
  progress_.start(to_do, summary.skipped);

  // Requests block on the network, so allow more threads than cores.
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  std::atomic<std::size_t> finished{0}, errors{0};

  // Programs run in their own arena, sized to the cores: the model calls (network-bound) and the
  // executions (CPU-bound) neither wait for nor starve each other.
  tbb::task_arena executions(executors);
  tbb::task_group pending_executions;
  std::mutex failure_mutex;
  std::exception_ptr execution_failure;

  const auto find_item = [&](const std::string& suite_name,
                             const std::string& item_id) -> std::pair<std::size_t, const Item*> {
    for (std::size_t i = 0; i < spec.suites.size(); ++i) {
      if (spec.suites[i].name != suite_name) continue;
      for (const Item& item : spec.suites[i].items) {
        if (item.id == item_id) return {i, &item};
      }
    }
    return {0, nullptr};
  };

  // Scores a stored sample in the execution arena and stores the score.
  auto score_later = [&](std::int64_t sample_id, const Item& item, const Scorer& scorer,
                         std::string answer, bool truncated, std::int64_t output_tokens,
                         double cost) {
    executions.execute([&, sample_id, item_ptr = &item, scorer_ptr = &scorer,
                        answer = std::move(answer), truncated, output_tokens, cost] {
      pending_executions.run(
          [&, sample_id, item_ptr, scorer_ptr, answer, truncated, output_tokens, cost] {
            if (control.cancel.stop_requested()) return;  // left unscored: scored on resume
            try {
              const Score score = scorer_ptr->score(*item_ptr, answer);
              store_.put_score(sample_id, scorer_ptr->name(), score);
              ++finished;
              progress_.sample_finished(false, score.correct, truncated, output_tokens, cost);
            } catch (const std::exception& e) {
              // Not the answer's fault (the sandbox could not run it): stays unscored, so a rerun
              // scores it; the run goes on.
              ++errors;
              progress_.message(
                  fmt::format("scoring failed for {} (left unscored; rerun to score "
                              "it): {}",
                              item_ptr->id, e.what()));
            } catch (...) {
              std::lock_guard lock(failure_mutex);
              if (!execution_failure) execution_failure = std::current_exception();
            }
          });
    });
  };

  for (const SampleRecord& r : rescore) {
    const auto [suite_index, item] = find_item(r.key.suite, r.key.item_id);
    if (item == nullptr) continue;  // the item left the suite: nothing to score it against
    score_later(r.id, *item, *scorers[suite_index], r.completion.answer, r.completion.truncated(),
                r.completion.usage.completion_tokens, std::max(0.0, r.cost_usd));
  }

  auto run_one = [&](ModelEntry& model, const WorkItem& w, const Scorer& scorer) {
    if (control.drain.stop_requested()) return;
    SampleRecord record;
    record.run_id = info.id;
    record.key = {model.label, w.suite->name, w.item->id, w.sample_index};
    record.suite_version = w.suite->version;
    record.reference = w.item->reference;
    ChatRequest request;
    const Prompt prompt = build_prompt(*w.suite, *w.item);
    request.messages = prompt.messages;
    request.prompt = prompt.text;
    request.sampling = spec.sampling;
    if (!prompt.stop.empty()) {
      request.sampling.stop.insert(request.sampling.stop.end(), prompt.stop.begin(),
                                   prompt.stop.end());
    }
    request.sampling.seed = request_seed(spec.seed, w.suite->name, w.item->id, w.sample_index);
    record.prompt_json = request_json(request);
    record.completion = model.engine->complete(request, nullptr, control.cancel);
    if (record.completion.error_kind == ErrorKind::cancelled) return;  // redone on resume
    const auto& usage = record.completion.usage;
    // -1: no price known for this model (stored as NULL, shown as "no price").
    record.cost_usd = model.profile.pricing.known()
                          ? model.profile.cost_usd(usage.prompt_tokens, usage.completion_tokens)
                          : -1;
    const bool ok = record.completion.ok();
    if (ok && scorer.executes_code()) {
      // Stored first, scored in the execution arena: a killed run keeps the answer.
      const std::int64_t id = store_.put_sample(record);
      score_later(id, *w.item, scorer, record.completion.answer, record.completion.truncated(),
                  usage.completion_tokens, std::max(0.0, record.cost_usd));
      return;
    }
    if (ok) {
      record.score = scorer.score(*w.item, record.completion.answer);
      record.scorer = scorer.name();
    }
    store_.put_sample(record);
    ++finished;
    if (!ok) {
      ++errors;
      progress_.message(fmt::format("error: {} {} #{} ({}): {}", model.label, w.item->id,
                                    w.sample_index, to_string(record.completion.error_kind),
                                    record.completion.error));
    }
    progress_.sample_finished(!ok, ok && record.score->correct, record.completion.truncated(),
                              usage.completion_tokens, std::max(0.0, record.cost_usd));
  };

  // A failure that is not the sample's own (the store cannot write) stops that model's work and
  // is rethrown here once every thread has joined.
  std::vector<std::exception_ptr> failures(spec.models.size());
  {
    std::vector<std::jthread> per_model;
    for (std::size_t m = 0; m < spec.models.size(); ++m) {
      per_model.emplace_back([&, m] {
        try {
          ModelEntry& model = spec.models[m];
          tbb::task_arena arena(std::max(1, model.concurrency));
          arena.execute([&] {
            tbb::parallel_for(
                tbb::blocked_range<std::size_t>(0, work[m].size(), 1),
                [&](const tbb::blocked_range<std::size_t>& range) {
                  for (std::size_t i = range.begin(); i != range.end(); ++i) {
                    const WorkItem& w = work[m][i];
                    const auto suite_index = static_cast<std::size_t>(w.suite - spec.suites.data());
                    run_one(model, w, *scorers[suite_index]);
                  }
                },
                tbb::simple_partitioner());
          });
        } catch (...) {
          failures[m] = std::current_exception();
        }
      });
    }
  }
  executions.execute([&] { pending_executions.wait(); });
  progress_.finish();
  if (execution_failure) std::rethrow_exception(execution_failure);
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  summary.finished = finished;
  summary.errors = errors;
  summary.interrupted = control.drain.stop_requested() || control.cancel.stop_requested();
  if (!summary.interrupted) store_.finish_run(info.id);
  return summary;
}

}  // namespace rbench
