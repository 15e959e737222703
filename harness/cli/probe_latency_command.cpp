// `rbench probe latency`: TTFT, TPOT, ITL, end-to-end latency, throughput and goodput of a model
// under a sweep of concurrency levels or arrival rates (harness/probe/latency_probe.h).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>

#include "engines/engine_factory.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "harness/cli/commands.h"
#include "harness/cli/engine_options.h"
#include "harness/core/error.h"
#include "harness/core/interrupts.h"
#include "harness/core/json_writer.h"
#include "harness/core/version.h"
#include "harness/probe/latency_probe.h"
#include "harness/probe/probe_header.h"
#include "harness/probe/probe_json.h"
#include "harness/run/progress.h"
#include "harness/store/store.h"

namespace rbench::cli {
namespace {

// The engine flags (--model, --engine, --base-url, --api-model, --mtp, --max-batch) are the
// shared group's, inherited so that the probe's config names them as it always has.
struct LatencyOptions : EngineOptions {
  std::string tokenizer;
  std::string concurrency;
  std::string rate;
  double burstiness = 1;
  int requests = 32;
  double max_step_s = 120;
  int max_in_flight = 256;
  int input_tokens = 256;
  int output_tokens = 128;
  double spread = 0;
  bool ignore_eos = false;
  bool min_tokens = false;
  std::optional<double> slo_ttft_ms, slo_tpot_ms, slo_e2e_ms;
  std::uint64_t seed = 0;
  int warmup = 1;
  std::string db;
  std::string run;
  std::string json;
};

std::string config_json(const LatencyOptions& o) {
  json::Writer w;
  w.object({{"model", json::unless_empty(o.model)},
            {"engine", json::unless_empty(o.engine)},
            {"base_url", json::unless_empty(o.base_url)},
            {"api_model", json::unless_empty(o.api_model)},
            {"tokenizer", json::unless_empty(o.tokenizer)},
            {"concurrency", json::unless_empty(o.concurrency)},
            {"rate", json::unless_empty(o.rate)},
            {"burstiness", o.burstiness},
            {"requests_per_step", o.requests},
            {"max_step_s", o.max_step_s},
            {"input_tokens", o.input_tokens},
            {"output_tokens", o.output_tokens},
            {"length_spread", o.spread},
            {"ignore_eos", o.ignore_eos},
            {"min_tokens", o.min_tokens},
            {"seed", o.seed},
            {"max_batch", o.engine == "builtin" ? json::OutValue(o.max_batch) : std::nullopt},
            {"mtp", o.mtp ? json::OutValue(true) : std::nullopt}});
  return w.str();
}

std::string ms(const probe::Distribution& d, double v) {
  return d.count ? fmt::format("{:.1f}", v) : "-";
}

void print_table(const std::vector<probe::StepSummary>& steps, bool slo) {
  fmt::print(
      "| load | ok / sent | req/s | out tok/s | TTFT ms p50 / p99 | TPOT ms p50 / p99 | "
      "ITL ms p50 / p99 | E2E ms p50 / p99 |{}\n",
      slo ? " goodput req/s |" : "");
  fmt::print("|---|---|---|---|---|---|---|---|{}\n", slo ? "---|" : "");
  for (const probe::StepSummary& s : steps) {
    const std::string load = s.load == "concurrency" ? fmt::format("{} in flight", s.load_value)
                             : std::isfinite(s.load_value) ? fmt::format("{}/s", s.load_value)
                                                           : std::string("all at once");
    fmt::print("| {} | {} / {} | {:.2f} | {:.1f} | {} / {} | {} / {} | {} / {} | {} / {} |{}\n",
               load, s.ok, s.requests, s.request_throughput, s.output_throughput,
               ms(s.ttft_ms, s.ttft_ms.median), ms(s.ttft_ms, s.ttft_ms.p99),
               ms(s.tpot_ms, s.tpot_ms.median), ms(s.tpot_ms, s.tpot_ms.p99),
               ms(s.itl_ms, s.itl_ms.median), ms(s.itl_ms, s.itl_ms.p99),
               ms(s.e2e_ms, s.e2e_ms.median), ms(s.e2e_ms, s.e2e_ms.p99),
               slo ? fmt::format(" {:.2f} ({} of {}) |", s.goodput, s.good, s.ok) : "");
  }
  for (const probe::StepSummary& s : steps) {
    if (s.failed == 0) continue;
    std::string kinds;
    for (const auto& [kind, n] : s.failures)
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, kind);
    fmt::print("step {}: {} failed requests ({}), left out of every latency figure\n", s.step + 1,
               s.failed, kinds);
  }
  if (!steps.empty() && !steps.front().tokens_from_usage) {
    fmt::print(
        "note: some token counts are not the server's usage (counted with the tokenizer, "
        "or one per streamed chunk)\n");
  }
}

int probe_latency(const LatencyOptions& o) {
  // Before any thread starts (the built-in engine's scheduler, the client's): every thread then
  // inherits the blocked signals and Ctrl-C reaches the watcher, not a worker.
  Progress progress(stderr, false);
  InterruptWatcher interrupts([&progress](const std::string& line) { progress.message(line); });
  probe::LatencyProbeOptions options;
  if (o.concurrency.empty() && o.rate.empty()) {
    options.steps = probe::parse_steps("concurrency", "1,2,4");
  }
  if (!o.concurrency.empty()) options.steps = probe::parse_steps("concurrency", o.concurrency);
  if (!o.rate.empty()) {
    for (const auto& s : probe::parse_steps("rate", o.rate)) options.steps.push_back(s);
  }
  if (o.input_tokens < 1 || o.output_tokens < 1) {
    throw UsageError("probe latency: --input-tokens and --output-tokens must be >= 1");
  }
  if (o.spread < 0 || o.spread >= 1) {
    throw UsageError("probe latency: --length-spread must be in [0, 1)");
  }
  options.requests_per_step = o.requests;
  options.max_step_s = o.max_step_s;
  options.burstiness = o.burstiness;
  options.max_in_flight = o.max_in_flight;
  options.warmup_requests = o.warmup;
  options.workload.input = {o.input_tokens, o.spread};
  options.workload.output = {o.output_tokens, o.spread};
  options.workload.seed = o.seed;
  options.ignore_eos = o.ignore_eos;
  options.min_tokens = o.min_tokens;
  options.slo = {o.slo_ttft_ms, o.slo_tpot_ms, o.slo_e2e_ms};
  options.seed = o.seed;
  options.sampling.temperature = 0.0;

  EngineOptions engine_options = o;
  // A probe measures each request once: retries would hide the failure inside a slow request.
  engine_options.max_attempts = 1;
  // The probe's --tokenizer is a dummy model's too (a file, or the folder that holds one).
  if (engine_options.load_format == "dummy" && !o.tokenizer.empty()) {
    std::filesystem::path t(o.tokenizer);
    if (std::filesystem::is_directory(t)) t /= "tokenizer.json";
    engine_options.tokenizer = t.string();
  }
  MadeEngine made = make_cli_engine(engine_options, "probe latency");
  const std::unique_ptr<Engine> engine = std::move(made.engine);
  const std::string model_name = made.model_name;
  std::optional<moe::Tokenizer> tokenizer;
  if (!made.tokenizer.empty()) tokenizer = moe::Tokenizer::load(made.tokenizer);
  if (!o.tokenizer.empty()) {
    std::filesystem::path t(o.tokenizer);
    if (std::filesystem::is_directory(t)) t /= "tokenizer.json";
    tokenizer = moe::Tokenizer::load(t);
  }

  std::optional<Store> store;
  ProbeRecord record;
  if (!o.db.empty()) {
    store.emplace(o.db);
    const std::string run = o.run.empty() ? "probe-latency-" + model_name : o.run;
    const RunInfo info = store->open_run(run, config_json(o), version(), git_sha());
    record.run_id = info.id;
    record.kind = "latency";
    record.model = model_name;
    record.config_json = config_json(o);
    record.id = store->put_probe(record);
    fmt::print(stderr, "probe {} in run '{}' -> {}\n", record.id, run, store->path().string());
  }

  probe::ProbeHeader header{.kind = "latency",
                            .model = model_name,
                            .engine = engine->describe(),
                            .started_at = probe::utc_now_iso8601(),
                            .config_json = config_json(o)};
  const std::vector<probe::StepSummary> steps = probe::run_latency_probe(
      *engine, options, tokenizer ? &*tokenizer : nullptr, store ? &*store : nullptr, record.id,
      [](const std::string& line) { fmt::print(stderr, "{}\n", line); }, interrupts.drain());
  header.finished_at = probe::utc_now_iso8601();
  const std::string json = probe::latency_probe_json(header, options.slo, steps);
  if (store) {
    store->finish_probe(record.id, json);
    store->finish_run(record.run_id);
  }
  if (!o.json.empty()) {
    std::ofstream out(o.json, std::ios::binary);
    out << json << '\n';
    if (!out) throw Error(fmt::format("probe latency: cannot write {}", o.json));
  }
  print_table(steps, !options.slo.empty());
  if (interrupts.drain().stop_requested()) {
    fmt::print(stderr, "interrupted: the requests measured so far are stored and summarised\n");
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace

void add_probe_latency(CLI::App& probe, int& exit_code) {
  auto o = std::make_shared<LatencyOptions>();
  CLI::App* cmd = probe.add_subcommand(
      "latency",
      "TTFT, TPOT, inter-token and end-to-end latency, throughput and goodput under a sweep of "
      "concurrency levels or arrival rates");
  add_engine_flags(*cmd, *o, {.default_max_batch = 8, .tokenizer = false});
  cmd->add_option("--tokenizer", o->tokenizer,
                  "tokenizer.json (or its folder): exact prompt lengths, and output counts "
                  "where the server sends no usage");
  cmd->add_option("--concurrency", o->concurrency,
                  "Closed-loop steps: requests in flight, e.g. 1,2,4,8 (default 1,2,4)");
  cmd->add_option("--rate", o->rate,
                  "Open-loop steps: requests per second, e.g. 0.5,1,2,inf (inf: all at once)");
  cmd->add_option("--burstiness", o->burstiness,
                  "Rate steps: gamma shape of the gaps (1 = Poisson, < 1 burstier)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--requests", o->requests, "Requests per step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-step-seconds", o->max_step_s,
                  "Stop sending after this long in a step (in-flight requests get 30 s more)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-in-flight", o->max_in_flight, "Rate steps: cap on concurrent requests")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--input-tokens", o->input_tokens, "Prompt length in tokens")
      ->capture_default_str();
  cmd->add_option("--output-tokens", o->output_tokens, "Output length asked for (max_tokens)")
      ->capture_default_str();
  cmd->add_option("--length-spread", o->spread,
                  "Draw lengths uniformly within +-this fraction of the mean (0: fixed)")
      ->capture_default_str();
  cmd->add_flag("--ignore-eos", o->ignore_eos,
                "Ask the server to generate exactly --output-tokens (vLLM's ignore_eos; rbench "
                "serve and the mock honour it)");
  cmd->add_flag("--min-tokens", o->min_tokens,
                "Ask for at least --output-tokens (vLLM's min_tokens)");
  cmd->add_option("--slo-ttft-ms", o->slo_ttft_ms, "Goodput: TTFT at most this (ms)");
  cmd->add_option("--slo-tpot-ms", o->slo_tpot_ms, "Goodput: TPOT at most this (ms)");
  cmd->add_option("--slo-e2e-ms", o->slo_e2e_ms, "Goodput: end-to-end at most this (ms)");
  cmd->add_option("--seed", o->seed, "Seeds prompts, lengths and arrivals")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Unmeasured requests before the sweep")
      ->capture_default_str();
  cmd->add_option("--db", o->db, "Store every request and the summary in this SQLite file");
  cmd->add_option("--run", o->run, "Run name in the store (default probe-latency-MODEL)");
  cmd->add_option("--json", o->json, "Write the probe JSON (for `rbench perf compare`)");
  cmd->callback([o, &exit_code] { exit_code = probe_latency(*o); });
}

}  // namespace rbench::cli
