// The runner: expands models x suites x items x samples, skips what the store already has for
// the run, calls the engines concurrently (a TBB arena per model, sized by its concurrency),
// scores each answer and commits each sample as it finishes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"
#include "harness/run/circuit_breaker.h"
#include "harness/run/progress.h"
#include "harness/run/shard.h"
#include "harness/store/store.h"
#include "suites/official_defaults.h"
#include "suites/suite.h"

namespace rbench {

struct ModelEntry {
  std::string label;  // the model's name in the store and the reports
  ModelProfile profile;
  std::unique_ptr<Engine> engine;
  int concurrency = 1;
};

struct RunSpec {
  std::string run_name;
  std::vector<ModelEntry> models;
  std::vector<Suite> suites;
  std::optional<std::size_t> limit;  // first N items of each suite, in file order
  int samples = 1;
  std::uint64_t seed = 0;
  SamplingParams sampling;      // already merged: command line over profile defaults
  std::string sampling_source;  // which flags were given, for the stored config
  int executors = 0;            // parallel code executions; 0 = one per core
  double code_timeout_s = 0;    // per-program limit in reference seconds; 0 = the suite default
  // The per-suite defaults this run uses (suites/official_defaults.h), chosen by Runner::run: a
  // new run takes today's official ones, a resumed run those it stored (none for a run stored
  // before they were recorded). Stored in the config, never in the fingerprint, so that adding a
  // default does not stop stored runs from resuming. An explicit code_timeout_s overrides them.
  DefaultsBySuite defaults;
  std::string protocol;  // `--protocol NAME` ("" = none): stored in the config, for the reports
  std::vector<std::string> scorer_notes;  // filled by Runner::run: Scorer::describe() per suite
  // --shard: only this shard's (item, sample) pairs. Stored as the run's own attribute (config
  // "shard", with argv and host), never in its name or fingerprint.
  std::optional<Shard> shard;
  std::vector<std::string> argv;  // the `rbench run` arguments, for the command that redoes it
  std::string host;               // stored with each sample
  // A model whose last N finished requests all failed with a dead endpoint's errors (connection,
  // 401, 403, 404) sends no more (harness/run/circuit_breaker.h); 0 = never.
  int breaker_window = kBreakerWindow;
};

// `drain`: start no new samples, let in-flight ones finish. `cancel`: also abort in-flight ones
// (they are not stored, so a later run redoes them).
struct RunControl {
  std::stop_token drain;
  std::stop_token cancel;
};

struct RunSummary {
  std::int64_t run_id = 0;
  std::size_t planned = 0;   // all samples of the run
  std::size_t skipped = 0;   // already in the store
  std::size_t finished = 0;  // stored by this invocation
  std::size_t errors = 0;
  bool interrupted = false;
  // Why each model stopped by its circuit breaker stopped ("the last 20 requests to URL failed
  // (...)"), one line each; empty when none did. The run is then not finished: rerun to resume.
  std::vector<std::string> breaker_trips;
};

// The identity of a run's results: what must not change when a run is resumed.
std::string run_fingerprint_json(const RunSpec& spec);
// The full configuration stored with the run (fingerprint, limits, concurrency, prices, and
// each model's engine facts where the engine knows them: harness/store/run_facts.h).
std::string run_config_json(const RunSpec& spec);
// The defaults a run uses: those stored with an existing run of spec.run_name (none where it
// stored none), else the official defaults of spec's suites.
DefaultsBySuite run_defaults(Store& store, const RunSpec& spec);
// The per-program limit of one suite's code: the explicit one, else the suite's default, else 0
// (the scorer's own).
double suite_code_timeout(const RunSpec& spec, const std::string& suite);
// A deterministic run name for a spec without --run, so rerunning the same command resumes.
std::string default_run_name(const RunSpec& spec);
// The seed sent with one request: stable for (seed, suite, item, sample), distinct across them.
std::uint64_t request_seed(std::uint64_t seed, const std::string& suite, const std::string& item_id,
                           int sample_index);

class Runner {
 public:
  Runner(Store& store, Progress& progress) : store_(store), progress_(progress) {}
  // Throws UsageError when the run exists with a different fingerprint.
  RunSummary run(RunSpec& spec, const RunControl& control);

 private:
  Store& store_;
  Progress& progress_;
};

}  // namespace rbench
