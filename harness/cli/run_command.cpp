// `rbench run`: models x suites into the store, resumable.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "engines/engine_factory.h"
#include "harness/cli/commands.h"
#include "harness/cli/engine_options.h"
#include "harness/core/error.h"
#include "harness/core/interrupts.h"
#include "harness/core/json_reader.h"
#include "harness/core/open_files.h"
#include "harness/run/judging.h"
#include "harness/run/launch_scripts.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"
#include "scorers/pairwise_scorer.h"
#include "suites/prompts.h"
#include "suites/protocols.h"
#include "suites/registry.h"

namespace rbench::cli {
namespace {

struct RunOptions {
  EngineOptions engine;             // engine.model unused: one entry per --model
  std::vector<std::string> models;  // --model, repeatable
  std::string label;
  std::vector<std::string> suites;
  std::string data_dir;
  std::optional<std::size_t> limit;
  int samples = 1;
  std::uint64_t seed = 0;
  std::optional<int> concurrency;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::string db = "rbench.db";
  std::string run_name;
  std::string prompt_style;  // code suites: "chat" (default) or "completion"
  double code_timeout_s = 0;
  int executors = 0;
  bool debug = false;
  bool quiet = false;
  // Pairwise suites: the judge (--judge, --judge-engine, ...); its --max-batch is the run's.
  EngineOptions judge;
  int judge_concurrency = 0;
  int judge_attempts = 3;
  std::string shard;  // --shard I/N or auto
  int shard_count = 0;
  std::string protocol;        // --protocol NAME: a published protocol's settings
  bool samples_given = false;  // --samples was on the command line (it overrides a protocol)
  std::vector<std::string> from_protocol;  // the settings the protocol filled
  std::string price_per_hour;    // --price-per-hour: USD, or a pricing file with hourly_usd
  int breaker = kBreakerWindow;  // --breaker N: dead-endpoint failures in a row that stop it
};

// A protocol's settings fill what the command line left unset: explicit flags win. Returns what
// it filled, as the stored config's sampling_source says it.
std::string apply_protocol_flags(RunOptions& o) {
  if (o.protocol.empty()) return "";
  ProtocolSettings settings{o.samples_given ? std::optional(o.samples) : std::nullopt,
                            o.temperature, o.top_p, o.max_tokens};
  const std::vector<std::string> filled = apply_protocol(protocol_or_throw(o.protocol), settings);
  o.from_protocol = filled;
  o.samples = settings.samples.value_or(o.samples);
  o.temperature = settings.temperature;
  o.top_p = settings.top_p;
  o.max_tokens = settings.max_tokens;
  return filled.empty() ? ""
                        : fmt::format("; {} from protocol {}", fmt::join(filled, ", "), o.protocol);
}

// --price-per-hour: a number of USD, or a pricing file (data/prices/*.json) whose hourly_usd is
// a named machine's price with its source and date. It replaces the model's prices: the run's
// cost is then its busy time at that price (reports/pricing.h).
Pricing hourly_pricing(const std::string& value) {
  std::size_t used = 0;
  double usd = -1;
  try {
    usd = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == value.size() && used > 0) {
    if (!(usd >= 0)) throw UsageError(fmt::format("run: --price-per-hour {} must be >= 0", value));
    Pricing p;
    p.hourly_usd = usd;
    p.note = "--price-per-hour";
    return p;
  }
  if (!std::filesystem::exists(value)) {
    throw UsageError(fmt::format(
        "run: --price-per-hour {} is neither a number of USD nor an existing pricing file", value));
  }
  const json::Document document = json::Document::read_file(value);
  const PriceHistory history = read_price_history(document.root());
  if (!history.latest()->hourly()) {
    document.root().fail_at("hourly_usd", "missing: --price-per-hour needs an hourly price");
  }
  return *history.latest();
}

// Requests one model may keep in flight: each is a connection, so the open-file limit follows.
constexpr int kMaxConcurrency = 65'536;

// --rpm/--tpm: a rate, any number > 0 (CLI::PositiveNumber would print DBL_MAX as its bound).
const CLI::Validator kPositiveRate(
    [](std::string& value) -> std::string {
      double rate = 0;
      try {
        rate = std::stod(value);
      } catch (const std::exception&) {
      }
      return rate > 0 ? "" : "must be a number > 0 (per minute), not " + value;
    },
    "RATE > 0");

// One model of the run. A checkpoint's profile (no endpoint, no price, greedy by default) is
// made by the factory, with the engine's batch as its concurrency so that a run fills it. Models
// on one API key share its rate limiter (`limiters`).
ModelEntry make_model(const RunOptions& o, const std::string& name_or_path,
                      SharedRateLimiters* limiters = nullptr) {
  EngineOptions options = o.engine;
  options.model = name_or_path;
  MadeEngine made = make_cli_engine(options, "run", limiters);
  ModelEntry entry;
  entry.label = !o.label.empty() ? o.label : made.model_name;
  entry.concurrency = o.concurrency.value_or(made.profile.concurrency);
  if (o.debug) entry.concurrency = 1;
  if (!o.price_per_hour.empty()) {
    made.profile.pricing = hourly_pricing(o.price_per_hour);
    made.profile.price_history = PriceHistory{{made.profile.pricing}};
  }
  entry.profile = std::move(made.profile);
  entry.engine = std::move(made.engine);
  return entry;
}

// The judge of pairwise suites: a profile (endpoint) or a checkpoint run in process. Judging is
// greedy (temperature 0) with the profile's max_tokens, or 4096.
JudgeSpec make_judge(const RunOptions& o, ModelEntry& holder) {
  RunOptions as_model = o;
  as_model.engine = o.judge;
  as_model.engine.max_batch = o.engine.max_batch;
  as_model.label.clear();
  as_model.concurrency.reset();
  as_model.price_per_hour.clear();  // the judge keeps its own prices
  holder = make_model(as_model, o.judge.model);
  JudgeSpec spec;
  spec.name = holder.label;
  spec.engine = holder.engine.get();
  spec.sampling.temperature = 0.0;
  spec.sampling.max_tokens = holder.profile.default_max_tokens.value_or(4096);
  spec.sampling.reasoning_effort = holder.profile.reasoning_effort;
  spec.max_attempts = std::max(1, o.judge_attempts);
  spec.concurrency = o.judge_concurrency > 0 ? o.judge_concurrency : holder.concurrency;
  spec.input_price_per_mtok = holder.profile.pricing.input_per_mtok.value_or(-1);
  spec.output_price_per_mtok = holder.profile.pricing.output_per_mtok.value_or(-1);
  spec.endpoint = holder.profile.base_url;
  spec.breaker_window = o.breaker;
  return spec;
}

// Command line over the profile's defaults. With several models the profile defaults must agree,
// since the sampling settings are part of the run's identity.
SamplingParams merge_sampling(const RunOptions& o, const std::vector<ModelEntry>& models,
                              std::string& source) {
  SamplingParams s;
  const ModelProfile& first = models.front().profile;
  s.max_tokens = o.max_tokens ? o.max_tokens : first.default_max_tokens;
  s.temperature = o.temperature ? o.temperature : first.default_temperature;
  s.top_p = o.top_p;
  s.reasoning_effort = first.reasoning_effort;
  const auto origin = [&](const char* setting, bool given, const char* flag) -> std::string {
    if (std::find(o.from_protocol.begin(), o.from_protocol.end(), setting) !=
        o.from_protocol.end()) {
      return "protocol " + o.protocol;
    }
    return given ? flag : "profile " + first.name;
  };
  source = fmt::format("max_tokens from {}, temperature from {}",
                       origin("max_tokens", o.max_tokens.has_value(), "--max-tokens"),
                       origin("temperature", o.temperature.has_value(), "--temperature"));
  return s;
}

int run(RunOptions o) {
  const std::string from_protocol = apply_protocol_flags(o);
  // --load-format dummy is one model without a --model.
  std::vector<std::string> models = o.models;
  if (models.empty() && o.engine.load_format == "dummy") models.emplace_back();
  if (models.empty()) throw UsageError("run: give at least one --model");
  if (o.suites.empty()) throw UsageError("run: give at least one --suite (see `rbench suites`)");
  check_engine_options(o.engine, "run");
  if (models.size() > 1 && (!o.engine.api_model.empty() || !o.label.empty())) {
    throw UsageError("run: --api-model and --label apply to a single --model");
  }
  // Signals are blocked before any thread starts, so every thread inherits the mask.
  const bool interactive = isatty(fileno(stderr)) && !o.quiet;
  Progress progress(stderr, interactive);
  InterruptWatcher interrupts([&progress](const std::string& line) { progress.message(line); });

  RunSpec spec;
  SharedRateLimiters limiters;
  for (const auto& m : models) spec.models.push_back(make_model(o, m, &limiters));
  // A descriptor per request in flight, and some for the store, the suites and the sandbox.
  std::uint64_t connections = 0;
  for (const ModelEntry& m : spec.models) connections += static_cast<std::uint64_t>(m.concurrency);
  constexpr std::uint64_t kUsualSoftLimit = 1024;
  if (connections + 256 > kUsualSoftLimit) raise_open_files_limit(connections + 256);
  const std::filesystem::path data_dir =
      o.data_dir.empty() ? default_data_dir() : std::filesystem::path(o.data_dir);
  for (const auto& s : o.suites) spec.suites.push_back(load_suite(s, data_dir, bundled_data_dir()));
  if (!o.prompt_style.empty()) {
    const std::string code_template = code_prompt_template(o.prompt_style);
    for (Suite& suite : spec.suites) {
      if (suite.scorer != "code") {
        throw UsageError(
            fmt::format("run: --prompt-style applies to code suites; {} is scored with \"{}\"",
                        suite.name, suite.scorer));
      }
      suite.prompt_template = code_template;
    }
  }
  for (const Suite& suite : spec.suites) {
    // The judge step and the leaderboards' statistics take one answer per item, as the
    // published methods do; a second sample would be stored and never judged.
    if (suite.scorer == kPairwiseScorer && o.samples > 1) {
      throw UsageError(fmt::format(
          "run: {} is a pairwise suite, judged on one answer per item; run it with --samples 1 "
          "(and other suites with --samples {} in a separate run)",
          suite.name, o.samples));
    }
  }
  spec.code_timeout_s = o.code_timeout_s;
  spec.protocol = o.protocol;
  spec.executors = o.executors;
  spec.limit =
      o.debug ? std::optional<std::size_t>(std::min<std::size_t>(o.limit.value_or(5), 5)) : o.limit;
  spec.samples = o.samples;
  spec.seed = o.seed;
  spec.sampling = merge_sampling(o, spec.models, spec.sampling_source);
  spec.sampling_source += from_protocol;
  spec.run_name = o.run_name.empty() ? default_run_name(spec) : o.run_name;
  spec.host = short_host_name();
  spec.breaker_window = o.breaker;
  if (!o.shard.empty()) {
    spec.shard = parse_shard(o.shard, o.shard_count, process_env());
    spec.argv = process_arguments();
  } else if (o.shard_count > 0) {
    throw UsageError("run: --shard-count goes with --shard auto");
  }

  Store store(o.db);
  if (spec.shard) {
    fmt::print(stderr, "run '{}', shard {} of {} (0-based) -> {}\n", spec.run_name,
               spec.shard->index, spec.shard->count, store.path().string());
  } else {
    fmt::print(stderr, "run '{}' -> {}\n", spec.run_name, store.path().string());
  }
  Runner runner(store, progress);
  const RunSummary summary = runner.run(spec, {interrupts.drain(), interrupts.cancel()});
  const auto stats = progress.stats();
  fmt::print(stderr,
             "{} samples planned, {} already stored, {} finished now ({} errors, {} truncated, "
             "{} correct), cost ${:.4f}\n",
             summary.planned, summary.skipped, summary.finished, summary.errors, stats.truncated,
             stats.correct, stats.cost_usd);
  if (summary.interrupted) {
    fmt::print(stderr, "interrupted: run the same command again to resume\n");
    return kExitInterrupted;
  }
  if (!summary.breaker_trips.empty()) {
    // What is stored stays; the errored samples and those never sent are redone on resume.
    const std::size_t stored = store.completed(summary.run_id).size();
    for (const std::string& why : summary.breaker_trips) {
      fmt::print(stderr,
                 "rbench: stopping: {}; {} of {} samples stored; rerun the same command to "
                 "resume\n",
                 why, stored, summary.planned);
    }
    return kExitError;
  }
  std::vector<Suite> pairwise;
  for (const Suite& suite : spec.suites) {
    if (suite.scorer == kPairwiseScorer) pairwise.push_back(suite);
  }
  if (!pairwise.empty() && o.judge.model.empty()) {
    fmt::print(stderr,
               "pairwise suites: answers stored, not judged; run the same command with "
               "--judge PROFILE to judge them\n");
  } else if (!pairwise.empty()) {
    ModelEntry judge_holder;
    const JudgeSpec judge = make_judge(o, judge_holder);
    fmt::print(stderr, "judging with {} ({} attempts at most per game)\n", judge.name,
               judge.max_attempts);
    const JudgingSummary j = judge_run(store, summary.run_id, pairwise, judge, interrupts.cancel());
    fmt::print(stderr,
               "{} games planned, {} already judged, {} judged now ({} unparsed, {} judge "
               "errors), {} without a baseline, {} without an answer\n",
               j.planned, j.skipped, j.ok + j.unparsed, j.unparsed, j.errors, j.no_baseline,
               j.no_answer);
    if (j.interrupted) {
      fmt::print(stderr, "interrupted: run the same command again to resume\n");
      return kExitInterrupted;
    }
    if (!j.breaker_trip.empty()) {
      fmt::print(stderr,
                 "rbench: stopping the judge: {}; {} of {} games judged; rerun the same command "
                 "to resume\n",
                 j.breaker_trip, j.skipped + j.ok + j.unparsed + j.no_baseline + j.no_answer,
                 j.planned);
      return kExitError;
    }
    if (j.errors > 0) {
      fmt::print(stderr, "{} judge calls failed: run the same command again to judge them\n",
                 j.errors);
    }
  }
  // Quoted, so that the line can be pasted whatever the file's name.
  fmt::print(stderr, "report: rbench report --db {} -o leaderboard.html\n",
             launch::shell_quote(o.db));
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run models on suites into the SQLite store");
  add_engine_flags(*cmd, o->engine, {.default_max_batch = 16}, &o->models);
  cmd->add_option("--label", o->label, "Name of the model in the store and reports");
  cmd->add_option("--suite", o->suites, "Suite name (see `rbench suites`) or a .jsonl path")
      ->required();
  cmd->add_option(
      "--data-dir", o->data_dir,
      "Folder holding the public data (default: $RBENCH_DATA_DIR or ~/.cache/rbench/data)");
  cmd->add_option("--limit", o->limit, "Only the first N items of each suite")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--samples", o->samples, "Samples per item (for pass@k)")
      ->check(CLI::PositiveNumber)
      ->each([o](const std::string&) { o->samples_given = true; });
  cmd->add_option("--protocol", o->protocol,
                  "A published protocol's settings (samples, temperature, top-p, max tokens; see "
                  "`rbench protocols`); flags given explicitly override its values");
  cmd->add_option("--seed", o->seed, "Seed for the per-request seeds");
  cmd->add_option("--concurrency", o->concurrency,
                  "Requests in flight per model (default: profile)")
      ->check(CLI::Range(1, kMaxConcurrency));
  cmd->add_option("--rpm", o->engine.rpm,
                  "Endpoints: at most N requests per minute, per API key (or per profile without "
                  "a key), paced on the client (default: the profile's rpm)")
      ->check(kPositiveRate);
  cmd->add_option("--tpm", o->engine.tpm,
                  "Endpoints: at most N tokens (prompt + max tokens, settled with the usage) per "
                  "minute, per API key or profile (default: the profile's tpm)")
      ->check(kPositiveRate);
  cmd->add_option("--max-tokens", o->max_tokens, "Max output tokens (default: profile)");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (default: profile)");
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling");
  cmd->add_option("--db", o->db, "SQLite file for the results")->capture_default_str();
  add_engine_flags(*cmd, o->judge,
                   {.prefix = "judge-",
                    .model_flag = "--judge",
                    .model_help = "Pairwise suites (arena-hard, alpaca-eval): the judge's profile, "
                                  "or its checkpoint with --judge-engine builtin",
                    .model_required = false,
                    .max_batch = false});
  cmd->add_option("--judge-concurrency", o->judge_concurrency,
                  "Judge calls in flight (default: the judge profile's)");
  cmd->add_option("--judge-attempts", o->judge_attempts,
                  "Attempts per game when the judge gives no usable label")
      ->capture_default_str();
  cmd->add_option(
      "--run", o->run_name,
      "Run name; the same name resumes (default: derived from models, suites, settings)");
  cmd->add_option("--prompt-style", o->prompt_style,
                  "Code suites: chat (ask for a fenced solution; the default) | completion (a raw "
                  "completion of the function header, for base models)")
      ->check(CLI::IsMember({"chat", "completion"}));
  cmd->add_option("--code-timeout", o->code_timeout_s,
                  "Code suites: seconds per program on a reference machine, scaled by this "
                  "machine's measured speed (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--executors", o->executors,
                  "Code suites: programs run in parallel (default: one per core)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--shard", o->shard,
                  "Run only shard I of N (I/N, 0-based: 0/8 .. 7/8) of the (item, sample) pairs, "
                  "split by a stable hash of their content; `auto` reads a Slurm array's or a "
                  "Kubernetes Indexed Job's variables. Each shard gets its own --db; join them "
                  "with `rbench merge`");
  cmd->add_option("--shard-count", o->shard_count,
                  "With --shard auto in a Kubernetes Indexed Job: the number of shards "
                  "(default: $RBENCH_SHARD_COUNT)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--price-per-hour", o->price_per_hour,
                  "Self-hosted: USD per busy hour of the machine, or a pricing file with "
                  "hourly_usd (data/prices/*.json); the run's cost is its busy time at that price");
  cmd->add_option("--breaker", o->breaker,
                  "Stop sending to a model (or the judge) once its last N finished requests all "
                  "failed with a connection error, 401, 403 or 404; exits 1, and the same "
                  "command resumes (0: never stop)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--debug", o->debug, "At most 5 items, one request at a time");
  cmd->add_flag("--quiet", o->quiet, "Plain log lines instead of a progress bar");
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace rbench::cli
