// The rbench command line: each command registers itself on the CLI11 app.
// Errors are thrown (rbench::Error and subclasses); main.cpp turns them into exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>

namespace rbench::cli {

// Exit codes shared by the commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // a run or report failed at run time
inline constexpr int kExitUsage = 2;  // bad flags, bad input files, missing set-up
inline constexpr int kExitInterrupted = 130;

// rbench's bundled data/ (model profiles, our own suites, the dataset catalogue):
// $RBENCH_DATA, else the source tree's data/ when run from a build, else ../share/rbench/data
// next to the executable.
std::filesystem::path bundled_data_dir();

void add_run_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app);
void add_catalog_commands(CLI::App& app);  // models, suites
void add_data_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_engine_command(CLI::App& app);
void add_sandbox_command(CLI::App& app, int& exit_code);
void add_rescore_command(CLI::App& app, int& exit_code);
void add_grade_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);  // merge, merge --status
void add_probe_command(CLI::App& app, int& exit_code);
void add_probe_latency(CLI::App& probe, int& exit_code);  // in probe_latency_command.cpp
void add_diff_command(CLI::App& app, int& exit_code);     // diff of two models, paired
void add_perf_command(CLI::App& app, int& exit_code);     // perf compare (a group: more to come)
void add_store_command(CLI::App& app, int& exit_code);    // store check; store synth (hidden)

// Launch helpers: a run cut into shards on a cluster's scheduler (slurm submit, k8s job).
void add_slurm_command(CLI::App& app, int& exit_code);
void add_k8s_command(CLI::App& app, int& exit_code);

// `rbench probe` and its subcommands (probe_command.cpp; latency is added by its own file).
void add_probe_command(CLI::App& app, int& exit_code);
void add_probe_memory(CLI::App& probe, int& exit_code);
void add_probe_ceiling(CLI::App& probe, int& exit_code);
void add_probe_decode(CLI::App& probe, int& exit_code);
void add_probe_training(CLI::App& probe, int& exit_code);
void add_probe_latency(CLI::App& probe, int& exit_code);

}  // namespace rbench::cli
