// `rbench store check DB...`: PRAGMA quick_check and the file's length against its header, for
// each store named; prints "ok" or the problems, exit 1 on any (harness/store/store_check.h).
//
// `rbench store synth`: a developer's tool (hidden from --help) that writes a large store
// through the Store API, without calling any model: the input of the report-at-scale and
// resume measurements (README, "The report at scale").
//
// Every (model, suite, item, sample) of the suites' items gets a plausible sample: the item's
// prompt and reference, a reasoning text and an answer of realistic length, token counts,
// timings, a cost, and a math score whose correctness is drawn from the model's own accuracy
// (models are given accuracies spread between 0.35 and 0.85). Everything is drawn from a hash of
// the key and --seed, so the same flags write the same store. --errors-every N stores every N-th
// sample as an HTTP error instead (resume redoes those), --skip-every N leaves it out.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/version.h"
#include "harness/store/store.h"
#include "harness/store/store_check.h"
#include "suites/registry.h"

namespace rbench::cli {
namespace {

struct SynthOptions {
  std::string db;
  std::string run = "synth";
  std::vector<std::string> models;
  std::vector<std::string> suites;
  int samples = 64;
  std::uint64_t seed = 0;
  std::int64_t errors_every = 0;  // 0: none
  std::int64_t skip_every = 0;    // 0: none
  std::string data_dir;
};

// Samples per transaction: large enough that commits do not dominate, small enough to bound the
// memory of a batch.
constexpr std::size_t kBatch = 8192;
constexpr double kInputPerMtok = 0.55;
constexpr double kOutputPerMtok = 2.19;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t hash_text(std::string_view text, std::uint64_t h) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// A uniform in [0, 1) from the hash, advanced for the next draw.
double draw(std::uint64_t& state) {
  state = mix(state);
  return static_cast<double>(state >> 11) * 0x1.0p-53;
}

std::string config_json(const SynthOptions& o) {
  json::Writer w;
  w.object({{"synthesised", true},
            {"models", json::array(o.models,
                                   [](json::Writer& w, const std::string& m) {
                                     w.object({{"label", m},
                                               {"price_input_per_mtok", kInputPerMtok},
                                               {"price_output_per_mtok", kOutputPerMtok}});
                                   })},
            {"suites", json::array(o.suites)},
            {"samples", o.samples}});
  return w.str();
}

SampleRecord make_sample(std::int64_t run_id, const std::string& model, double accuracy,
                         const Suite& suite, const Item& item, int k, std::uint64_t seed) {
  std::uint64_t state = hash_text(item.id, hash_text(suite.name, hash_text(model, seed)));
  state = mix(state ^ static_cast<std::uint64_t>(k));
  SampleRecord r;
  r.run_id = run_id;
  r.key = {model, suite.name, item.id, k};
  r.suite_version = suite.version;
  json::Writer prompt;
  prompt.value(json::array(std::vector<int>{0}, [&](json::Writer& w, int) {
    w.object({{"role", "user"}, {"content", item.question}});
  }));
  r.prompt_json = prompt.str();
  r.reference = item.reference;
  const bool correct = draw(state) < accuracy;
  const std::string answer =
      correct ? item.reference : fmt::format("{}", static_cast<int>(draw(state) * 1000));
  Completion& c = r.completion;
  const int steps = 3 + static_cast<int>(draw(state) * 12);
  for (int s = 0; s < steps; ++s) {
    c.reasoning += fmt::format(
        "Step {}: from the question, working out part {} of {} gives an "
        "intermediate value of {}. ",
        s + 1, s + 1, steps, static_cast<int>(draw(state) * 500));
  }
  c.answer = fmt::format("The answer is \\boxed{{{}}}.", answer);
  c.finish_reason = "stop";
  c.usage.prompt_tokens = static_cast<std::int64_t>(item.question.size() / 4 + 20);
  c.usage.reasoning_tokens = static_cast<std::int64_t>(c.reasoning.size() / 4);
  c.usage.completion_tokens = c.usage.reasoning_tokens + 12;
  c.timings.ttft_s = 0.2 + draw(state) * 0.6;
  c.timings.e2e_s = c.timings.ttft_s + double(c.usage.completion_tokens) / (40 + draw(state) * 40);
  c.attempts = 1;
  c.http_status = 200;
  r.cost_usd = (double(c.usage.prompt_tokens) * kInputPerMtok +
                double(c.usage.completion_tokens) * kOutputPerMtok) /
               1e6;
  r.host = "synth";
  Score score;
  score.correct = correct;
  score.value = correct ? 1 : 0;
  score.extracted = answer;
  score.method = "boxed";
  score.rule = correct ? "exact" : "rational";
  score.answer_form = answer;
  score.reference_form = item.reference;
  score.detail = correct ? "equal" : "different values";
  r.score = std::move(score);
  r.scorer = "math";
  return r;
}

int synth_command(const SynthOptions& o) {
  if (o.models.empty() || o.suites.empty()) {
    throw UsageError("store synth: give at least one --model and one --suite");
  }
  if (o.samples < 1) throw UsageError("store synth: --samples must be at least 1");
  const std::filesystem::path data_dir =
      o.data_dir.empty() ? default_data_dir() : std::filesystem::path(o.data_dir);
  std::vector<Suite> suites;
  for (const std::string& s : o.suites)
    suites.push_back(load_suite(s, data_dir, bundled_data_dir()));
  const auto started = std::chrono::steady_clock::now();
  Store store(o.db);
  const RunInfo run = store.open_run(o.run, config_json(o), version(), git_sha());
  std::vector<RunItem> items;
  for (const Suite& suite : suites) {
    for (const Item& item : suite.items) items.push_back({suite.name, item.id});
  }
  store.put_run_items(run.id, items);
  std::vector<SampleRecord> batch;
  batch.reserve(kBatch);
  std::int64_t written = 0, errors = 0, serial = 0;
  const auto flush = [&] {
    store.put_samples(batch);
    written += static_cast<std::int64_t>(batch.size());
    batch.clear();
  };
  for (std::size_t m = 0; m < o.models.size(); ++m) {
    // Accuracies spread over the models, so that the paired matrices have something to find.
    const double accuracy =
        o.models.size() == 1 ? 0.6 : 0.35 + 0.5 * double(m) / double(o.models.size() - 1);
    for (const Suite& suite : suites) {
      for (const Item& item : suite.items) {
        for (int k = 0; k < o.samples; ++k) {
          ++serial;
          if (o.skip_every > 0 && serial % o.skip_every == 0) continue;
          SampleRecord r = make_sample(run.id, o.models[m], accuracy, suite, item, k, o.seed);
          if (o.errors_every > 0 && serial % o.errors_every == 0) {
            r.completion.error_kind = ErrorKind::http;
            r.completion.http_status = 500;
            r.completion.error = "HTTP 500: synthesised error";
            r.completion.answer.clear();
            r.completion.reasoning.clear();
            r.score.reset();
            ++errors;
          }
          batch.push_back(std::move(r));
          if (batch.size() == kBatch) flush();
        }
      }
    }
  }
  flush();
  store.finish_run(run.id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "store synth: {} samples ({} errors) of {} model(s) x {} suite(s) into {} (run '{}') "
      "in {:.1f} s\n",
      written, errors, o.models.size(), suites.size(), o.db, o.run, seconds);
  return kExitOk;
}

int check_command(const std::vector<std::string>& dbs) {
  int status = kExitOk;
  for (const std::string& db : dbs) {
    const std::vector<std::string> problems = check_store_integrity(db);
    if (problems.empty()) {
      fmt::print("{}: ok\n", db);
      continue;
    }
    status = kExitError;
    fmt::print("{}: {} problem(s)\n", db, problems.size());
    for (const std::string& p : problems) fmt::print("  {}\n", p);
  }
  return status;
}

}  // namespace

void add_store_command(CLI::App& app, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "Check result stores (and developer tools)");
  store->require_subcommand(1);
  auto dbs = std::make_shared<std::vector<std::string>>();
  CLI::App* check = store->add_subcommand(
      "check",
      "Check each store's pages (PRAGMA quick_check) and length; prints ok or the problems, "
      "exit 1 on any");
  check->add_option("DB", *dbs, "Store files to check")->required();
  check->callback([dbs, &exit_code] { exit_code = check_command(*dbs); });
  // synth is a developer's tool: hidden from `rbench store --help` (group ""), documented in the
  // README.
  auto o = std::make_shared<SynthOptions>();
  CLI::App* cmd =
      store
          ->add_subcommand(
              "synth",
              "Write a large store of synthesised samples through the Store API (no model is "
              "called): "
              "every model x suite item x sample, for measuring reports and resume at scale")
          ->group("");
  cmd->add_option("--db", o->db, "SQLite file to write (created, or added to)")->required();
  cmd->add_option("--run", o->run, "Run name")->capture_default_str();
  cmd->add_option("--model", o->models, "Model label (repeat for several)")->required();
  cmd->add_option("--suite", o->suites, "Suite name or .jsonl path (repeat)")->required();
  cmd->add_option("--samples", o->samples, "Samples per item")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the synthesised answers")->capture_default_str();
  cmd->add_option("--errors-every", o->errors_every, "Store every N-th sample as an HTTP error");
  cmd->add_option("--skip-every", o->skip_every, "Leave every N-th sample out (resume runs it)");
  cmd->add_option("--data-dir", o->data_dir, "Where fetched datasets live");
  cmd->callback([o, &exit_code] { exit_code = synth_command(*o); });
}

}  // namespace rbench::cli
