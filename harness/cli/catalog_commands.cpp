// `rbench models`, `rbench suites` and `rbench protocols`: what can be run, with prices,
// settings and sources.
#include <fmt/format.h>

#include "engines/openai/model_profile.h"
#include "harness/cli/commands.h"
#include "suites/official_defaults.h"
#include "suites/protocols.h"
#include "suites/registry.h"

namespace rbench::cli {
namespace {

std::string price(const std::optional<double>& p) {
  return p ? fmt::format("${:.2f}", *p) : "-";
}

void list_models() {
  const auto profiles = list_profiles(bundled_data_dir() / "models");
  fmt::print("{:<24} {:<28} {:<34} {:>9} {:>9}  {}\n", "PROFILE", "MODEL", "ENDPOINT", "IN/MTOK",
             "OUT/MTOK", "PRICE AS OF");
  for (const auto& p : profiles) {
    fmt::print("{:<24} {:<28} {:<34} {:>9} {:>9}  {}\n", p.name, p.api_model, p.base_url,
               price(p.pricing.input_per_mtok), price(p.pricing.output_per_mtok),
               p.pricing.as_of.empty() ? "-" : p.pricing.as_of);
  }
  fmt::print("\nProfiles live in {}; pass --model FILE.json for your own.\n",
             (bundled_data_dir() / "models").string());
}

void list_all_suites() {
  fmt::print("{:<15} {:<8} {}\n", "SUITE", "SCORER", "DESCRIPTION");
  for (const auto& s : list_suites()) {
    std::string official;
    if (const auto d = official_defaults(s.name); d && d->timeout_s) {
      official = fmt::format(" [official default: {:g} s per program]", *d->timeout_s);
    }
    fmt::print("{:<15} {:<8} {}{}\n", s.name, s.scorer, s.description, official);
  }
  std::string names;
  for (const Protocol& p : protocols()) names += (names.empty() ? "" : ", ") + p.name;
  fmt::print("\nPublished protocols for `rbench run --protocol NAME`: {} (`rbench protocols`).\n",
             names);
  fmt::print(
      "\nPublic data is read from --data-dir (default {}); `rbench data fetch NAME` "
      "downloads it.\nAny .jsonl path is a suite too: {{\"id\",\"question\",\"answer\"}} "
      "lines (math), or\n{{\"id\",\"prompt\",\"entry_point\",\"tests\"}} lines (code, "
      "executed in the sandbox).\n",
      default_data_dir().string());
}

std::string setting(const std::optional<double>& v) {
  return v ? fmt::format("{:g}", *v) : "-";
}

void list_protocols() {
  for (const Protocol& p : protocols()) {
    fmt::print("{}\n  {}\n", p.name, p.summary);
    fmt::print("  samples {}, temperature {}, top-p {}, max tokens {}\n", p.samples,
               setting(p.temperature), setting(p.top_p),
               p.max_tokens ? std::to_string(*p.max_tokens) : "-");
    fmt::print("  source: {}\n  \"{}\"\n", p.source, p.quote);
  }
  fmt::print(
      "\n`rbench run --protocol NAME` applies these settings; a flag given explicitly (--samples, "
      "--temperature, --top-p, --max-tokens) overrides the preset's value. The run stores the "
      "protocol's name in its config, and the reports say so.\n");
}

}  // namespace

void add_catalog_commands(CLI::App& app) {
  app.add_subcommand("models", "List the bundled model profiles and their prices")
      ->callback(list_models);
  app.add_subcommand("suites", "List the known suites")->callback(list_all_suites);
  app.add_subcommand("protocols", "List the published protocols `rbench run --protocol` knows")
      ->callback(list_protocols);
}

}  // namespace rbench::cli
