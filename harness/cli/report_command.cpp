// `rbench report`: the store rendered as an HTML leaderboard, or JSON/CSV/Markdown for CI.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/store/store.h"
#include "reports/report.h"

namespace rbench::cli {
namespace {

struct ReportCommandOptions {
  std::string db;
  std::string out;
  std::string format;
  std::string run;
  std::uint64_t seed = 0;
  bool paired = false;
  std::string published;  // --published DIR | none; "" = the bundled data/published
  std::string prices;
};

void report(const ReportCommandOptions& o) {
  if (!std::filesystem::exists(o.db)) {
    throw UsageError(
        fmt::format("report: no such database '{}' (run `rbench run --db {}` first)", o.db, o.db));
  }
  std::string format = o.format;
  if (format.empty()) {  // from the file name, html by default
    const std::string ext = std::filesystem::path(o.out).extension().string();
    format = ext == ".json" ? "json" : ext == ".csv" ? "csv" : ext == ".md" ? "md" : "html";
  }
  if (o.paired && format != "csv") {
    throw UsageError(fmt::format(
        "report: --paired is a CSV of the paired comparisons (the other formats include them); "
        "got format '{}' for {}",
        format, o.out));
  }
  Store store(o.db);
  ReportOptions options;
  options.bootstrap_seed = o.seed;
  if (!o.run.empty()) options.run = o.run;
  options.paired_csv = o.paired;
  if (!o.published.empty() && o.published != "none") {
    options.published_dir = o.published;  // given: it must exist
  } else if (o.published.empty()) {
    // The bundled rows, where this installation (or $RBENCH_DATA) has them.
    const std::filesystem::path bundled = bundled_data_dir() / "published";
    if (std::filesystem::is_directory(bundled)) options.published_dir = bundled;
  }
  if (!o.prices.empty()) {
    if (!std::filesystem::exists(o.prices)) {
      throw UsageError(fmt::format("report: --prices file '{}' does not exist", o.prices));
    }
    options.prices_file = o.prices;
  }
  write_report(store, o.out, parse_report_format(format), options);
  fmt::print(stderr, "wrote {} ({})\n", o.out, format);
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportCommandOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Render the store as a leaderboard");
  cmd->add_option("--db", o->db, "SQLite file written by `rbench run`")->required();
  cmd->add_option("-o,--out", o->out, "Output file")->required();
  cmd->add_option("--format", o->format, "html|json|csv|md (default: from the file extension)")
      ->check(CLI::IsMember({"html", "json", "csv", "md"}));
  cmd->add_option("--run", o->run, "Only this run");
  cmd->add_option("--seed", o->seed, "Seed of the bootstrap confidence intervals");
  cmd->add_flag("--paired", o->paired,
                "CSV only: one row per pair of models of a suite (difference, paired interval, "
                "p-values, Holm-adjusted verdict) instead of the results");
  cmd->add_option("--published", o->published,
                  "Folder of published reference rows shown in their own band, never ranked "
                  "(default: the bundled data/published); `none` leaves the band out");
  cmd->add_option("--prices", o->prices,
                  "Re-price stored runs: a JSON file {\"profile name\": {pricing}} (see README)");
  cmd->callback([o] { report(*o); });
}

}  // namespace rbench::cli
