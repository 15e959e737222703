// `rbench sandbox`: what isolation the code sandbox has on this machine, and running one program
// through it by hand (the way the code scorer does), for debugging a verdict.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "scorers/code/sandbox.h"

namespace rbench::cli {
namespace {

struct SandboxRunOptions {
  std::string program;
  std::string tests;
  std::string entry_point;
  double timeout_s = 10;
  double speed_factor = 0;
  bool zygote = false;
};

// The zygote after the probe (and the calibration, when measured) went through it.
void print_zygote(const sandbox::ZygoteInfo& z) {
  if (!z.enabled) {
    fmt::print("zygote: none, every program starts its own interpreter ({})\n", z.why_not);
    return;
  }
  const auto started = std::chrono::system_clock::to_time_t(z.started);
  std::tm utc{};
  gmtime_r(&started, &utc);
  fmt::print("zygote: pid {}, {}, started {:%Y-%m-%dT%H:%M:%SZ}, {} fork{} served, {} restart{}\n",
             z.pid, z.running ? "running" : "not running", utc, z.forks, z.forks == 1 ? "" : "s",
             z.restarts, z.restarts == 1 ? "" : "s");
}

int info(double speed_factor, bool zygote) {
  sandbox::Options options;
  options.speed_factor = speed_factor;
  options.zygote = zygote;
  const sandbox::Sandbox box(options);
  fmt::print("{}", box.isolation().describe());
  fmt::print("speed factor: {:.2f} (time limits are multiplied by it{})\n", box.speed_factor(),
             speed_factor == 0 ? "; measured now" : "; given");
  print_zygote(box.zygote());
  return kExitOk;
}

int run_program(const SandboxRunOptions& o) {
  sandbox::Options options;
  options.limits.timeout_s = o.timeout_s;
  options.speed_factor = o.speed_factor;
  options.zygote = o.zygote;
  const sandbox::Sandbox box(options);
  sandbox::Program program;
  program.candidate = read_file_bytes(o.program);
  if (!o.tests.empty()) program.tests = read_file_bytes(o.tests);
  program.entry_point = o.entry_point;
  const sandbox::Result r = box.run(program);
  fmt::print("outcome: {}\n", sandbox::to_string(r.outcome));
  if (!r.message.empty()) fmt::print("message: {}\n", r.message);
  fmt::print("wall: {:.3f} s, cpu: {:.3f} s, limit: {:.1f} s\n", r.wall_s, r.cpu_s, r.timeout_s);
  if (!r.stdout_head.empty()) fmt::print("stdout ({} bytes):\n{}\n", r.stdout_bytes, r.stdout_head);
  if (!r.stderr_tail.empty()) fmt::print("stderr ({} bytes):\n{}\n", r.stderr_bytes, r.stderr_tail);
  if (r.outcome == sandbox::Outcome::sandbox_error) return kExitError;
  return r.outcome == sandbox::Outcome::passed ? kExitOk : kExitError;
}

}  // namespace

void add_sandbox_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("sandbox", "The code sandbox: its isolation, or one program");
  cmd->require_subcommand(1);

  auto factor = std::make_shared<double>(0);
  CLI::App* info_cmd =
      cmd->add_subcommand("info",
                          "Which isolation layers are in force here, and this machine's "
                          "measured speed factor");
  info_cmd->add_option("--speed-factor", *factor, "Use this factor instead of measuring");
  auto zygote = std::make_shared<bool>(false);
  info_cmd->add_flag("--zygote", *zygote, "Fork the programs from a pre-started interpreter");
  info_cmd->callback([factor, zygote, &exit_code] { exit_code = info(*factor, *zygote); });

  auto o = std::make_shared<SandboxRunOptions>();
  CLI::App* run_cmd = cmd->add_subcommand(
      "run", "Run a Python program (and tests) as the code scorer does; exit 0 only if it passes");
  run_cmd->add_option("program", o->program, "The candidate program (.py)")->required();
  run_cmd->add_option("--tests", o->tests, "Test code run after the program (.py)");
  run_cmd->add_option("--entry-point", o->entry_point,
                      "Function passed to the tests' check() (HumanEval style)");
  run_cmd->add_option("--timeout", o->timeout_s, "Seconds on a reference machine")
      ->capture_default_str();
  run_cmd->add_option("--speed-factor", o->speed_factor, "Time-limit multiplier; 0 = measure");
  run_cmd->add_flag("--zygote", o->zygote, "Fork the program from a pre-started interpreter");
  run_cmd->callback([o, &exit_code] { exit_code = run_program(*o); });
}

}  // namespace rbench::cli
