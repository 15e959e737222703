// rbench: benchmark and evaluation harness for reasoning LLMs. This file only wires the commands.
#include <fmt/core.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/version.h"

int main(int argc, char** argv) {
  using namespace rbench;
  // Past a file size limit (RLIMIT_FSIZE), write() then fails with EFBIG, which every writer
  // reports naming its file, instead of the process dying of SIGXFSZ without a word.
  ::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"rbench: evaluate reasoning LLMs (accuracy, latency, cost) into SQLite and HTML"};
  app.set_version_flag("--version", fmt::format("rbench {} ({})", version(), git_sha()));
  app.require_subcommand(1);
  int exit_code = cli::kExitOk;
  cli::add_run_command(app, exit_code);
  cli::add_report_command(app);
  cli::add_catalog_commands(app);
  cli::add_data_command(app);
  cli::add_serve_command(app);
  cli::add_engine_command(app);
  cli::add_sandbox_command(app, exit_code);
  cli::add_rescore_command(app, exit_code);
  cli::add_grade_command(app, exit_code);
  cli::add_import_command(app, exit_code);
  cli::add_merge_command(app, exit_code);
  cli::add_diff_command(app, exit_code);
  cli::add_probe_command(app, exit_code);
  cli::add_perf_command(app, exit_code);
  cli::add_store_command(app, exit_code);
  cli::add_slurm_command(app, exit_code);
  cli::add_k8s_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const UsageError& e) {
    fmt::print(stderr, "rbench: {}\n", e.what());
    return cli::kExitUsage;
  } catch (const DataError& e) {
    fmt::print(stderr, "rbench: {}\n", e.what());
    return cli::kExitUsage;
  } catch (const SetupError& e) {
    fmt::print(stderr, "rbench: {}\n", e.what());
    return cli::kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rbench: error: {}\n", e.what());
    return cli::kExitError;
  }
  return exit_code;
}
