// `rbench models` and `rbench suites`: what can be run, with prices and sources.
#include <fmt/format.h>

#include "engines/openai/model_profile.h"
#include "harness/cli/commands.h"
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
    fmt::print("{:<15} {:<8} {}\n", s.name, s.scorer, s.description);
  }
  fmt::print(
      "\nPublic data is read from --data-dir (default {}); `rbench data fetch NAME` "
      "downloads it.\nAny .jsonl path is a suite too: {{\"id\",\"question\",\"answer\"}} "
      "lines (math), or\n{{\"id\",\"prompt\",\"entry_point\",\"tests\"}} lines (code, "
      "executed in the sandbox).\n",
      default_data_dir().string());
}

}  // namespace

void add_catalog_commands(CLI::App& app) {
  app.add_subcommand("models", "List the bundled model profiles and their prices")
      ->callback(list_models);
  app.add_subcommand("suites", "List the known suites")->callback(list_all_suites);
}

}  // namespace rbench::cli
