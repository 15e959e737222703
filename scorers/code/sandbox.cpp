// The code sandbox (see sandbox.h): the Sandbox probes which isolation layers this machine
// allows, once, and then runs every program through execute() (execution.h). The parts of a run
// live in their own files: the child's side between clone() and execve() (child.h, with
// landlock.h and seccomp_filter.h), the parent's side (process_control.h), what is kept of the
// output (output_capture.h), and the reference-machine speed factor (calibration.h).
#include "scorers/code/sandbox.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "harness/core/error.h"
#include "scorers/code/calibration.h"
#include "scorers/code/child.h"
#include "scorers/code/execution.h"
#include "scorers/code/landlock.h"
#include "scorers/code/posix.h"
#include "scorers/code/seccomp_filter.h"
#include "scorers/code/zygote.h"

namespace rbench::sandbox {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::timeout:
      return "timeout";
    case Outcome::crashed:
      return "crashed";
    case Outcome::sandbox_error:
      return "sandbox_error";
  }
  return "unknown";
}

namespace {

using detail::Attempt;
using detail::Layers;
using detail::RunPlan;

std::vector<std::string> python_candidates(const std::filesystem::path& python) {
  if (python.empty()) throw UsageError("sandbox: no Python interpreter given");
  if (python.has_parent_path()) return {std::filesystem::absolute(python).string()};
  std::vector<std::string> found;
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env && *path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / python;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(candidate, ec) || access(candidate.c_str(), X_OK) != 0) {
      continue;
    }
    if (std::find(found.begin(), found.end(), candidate.string()) == found.end()) {
      found.push_back(candidate.string());
    }
  }
  if (found.empty()) {
    throw Error(fmt::format("sandbox: {} not found on PATH ({})", python.string(),
                            path_env ? path_env : ""));
  }
  return found;
}

void check_options(const Options& options) {
  const Limits& limits = options.limits;
  if (!(limits.timeout_s > 0) || !(options.speed_factor >= 0) || limits.open_files < 8 ||
      limits.processes < 1 || limits.output_keep_bytes == 0) {
    throw UsageError(
        "sandbox: limits need a positive timeout, at least 8 open files and 1 process, a kept "
        "output size, and a speed factor >= 0");
  }
}

// What every run shares, apart from the layers the probe chooses.
void fill_plan(RunPlan& plan, const Options& options) {
  plan.uid = getuid();
  plan.gid = getgid();
  if (!options.temp_root.empty()) {
    plan.temp_root = std::filesystem::absolute(options.temp_root).string();
  } else if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) {
    plan.temp_root = tmp;
  } else {
    plan.temp_root = "/tmp";
  }
  plan.seccomp = detail::seccomp_program();
  plan.read_roots = detail::landlock::read_roots();
  plan.has_dev_shm = std::filesystem::is_directory("/dev/shm");
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0) {
    plan.max_fd = static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20));
  }
}

// From the most isolated to the least: the first rung that runs the probe program is kept.
std::vector<Layers> layer_ladder() {
  const int abi = detail::landlock::abi();
  std::vector<Layers> ladder;
  if (geteuid() == 0) {
    ladder = {{.net_ns = true, .pid_ns = true, .tmpfs = true, .drop_to_nobody = true},
              {.net_ns = true, .pid_ns = true, .drop_to_nobody = true},
              {.drop_to_nobody = true},
              {}};
  } else {
    ladder = {{.user_ns = true, .net_ns = true, .pid_ns = true, .tmpfs = true},
              {.user_ns = true, .net_ns = true, .pid_ns = true},
              {}};
  }
  for (Layers& layers : ladder) layers.landlock_abi = abi;
  return ladder;
}

struct Choice {
  Layers layers;
  std::string python;
};

// Runs a probe program down the ladder and through the interpreters found until one passes: a
// failed namespace step moves down a rung, a failed Landlock step drops Landlock, and an
// interpreter that does not start in the sandbox is skipped.
Choice choose_layers(const RunPlan& plan, std::vector<Layers> ladder, const Options& options) {
  const std::vector<std::string> pythons = python_candidates(options.python);
  Program probe;
  probe.candidate = "value = 6 * 7\n";
  probe.tests = "assert value == 42\n";
  std::size_t rung = 0, which = 0;
  std::vector<std::string> rejected;
  for (;;) {
    if (which >= pythons.size()) {
      throw Error(fmt::format("sandbox: no Python interpreter runs in the sandbox: {}",
                              fmt::join(rejected, "; ")));
    }
    const Attempt attempt =
        detail::execute(plan, ladder[rung], pythons[which], probe, options.limits, 60);
    if (attempt.result.outcome == Outcome::passed) break;
    if (detail::landlock_step(attempt.failed_step) && ladder[rung].landlock_abi > 0) {
      for (Layers& layers : ladder) layers.landlock_abi = 0;
    } else if (detail::namespace_step(attempt.failed_step) && rung + 1 < ladder.size()) {
      ++rung;
    } else if (attempt.failed_step >= 0) {
      throw Error(
          fmt::format("sandbox: cannot be set up on this machine: {}", attempt.result.message));
    } else if (attempt.exec_failed || attempt.result.outcome != Outcome::sandbox_error) {
      // This interpreter does not start (or not as nobody), or cannot run the driver.
      rejected.push_back(fmt::format("{}: {}", pythons[which], attempt.result.message));
      ++which;
    } else {
      throw Error(attempt.result.message);  // ours, e.g. no run directory under temp_root
    }
  }
  return {ladder[rung], pythons[which]};
}

Isolation isolation_of(const RunPlan& plan, const Limits& limits) {
  const Layers& chosen = plan.layers;
  Isolation isolation;
  isolation.network_namespace = chosen.net_ns;
  isolation.pid_namespace = chosen.pid_ns;
  isolation.user_namespace = chosen.user_ns;
  isolation.seccomp = !plan.seccomp.empty();
  isolation.landlock_abi = chosen.landlock_abi;
  isolation.dropped_to_nobody = chosen.drop_to_nobody;
  isolation.private_tmpfs = chosen.tmpfs;
  isolation.tmpfs_bytes = chosen.tmpfs ? limits.disk_bytes : 0;
  return isolation;
}

void warn_if_weak(const Isolation& isolation) {
  if (!isolation.network_namespace) {
    fmt::print(stderr,
               "\n*** WARNING (rbench sandbox): no network namespace could be created on this "
               "machine.\n*** Generated code runs on the host's network; only the seccomp filter "
               "(no Internet sockets) keeps it off.\n*** Allow unprivileged user namespaces or "
               "run as root for full isolation.\n\n");
  }
  if (geteuid() == 0 && !isolation.dropped_to_nobody) {
    fmt::print(stderr,
               "\n*** WARNING (rbench sandbox): could not drop to user nobody; generated code "
               "runs as root.\n\n");
  }
}

}  // namespace

struct Sandbox::Plan : RunPlan {};

Sandbox::Sandbox(Options options) : options_(std::move(options)) {
  check_options(options_);
  auto plan = std::make_shared<Plan>();
  fill_plan(*plan, options_);
  Choice choice = choose_layers(*plan, layer_ladder(), options_);
  plan->layers = choice.layers;
  python_ = std::move(choice.python);
  isolation_ = isolation_of(*plan, options_.limits);
  plan_ = std::move(plan);
  warn_if_weak(isolation_);
  if (options_.zygote) start_zygote();
  if (options_.speed_factor == 0) options_.speed_factor = calibrate();
}

void Sandbox::start_zygote() {
  // The probe again, forked by the zygote: where that does not work (no ctypes, an interpreter
  // that cannot import as nobody), every program starts its own interpreter, as before.
  auto zygote = std::make_shared<detail::Zygote>(python_, *plan_);
  Program probe;
  probe.candidate = "value = 6 * 7\n";
  probe.tests = "assert value == 42\n";
  const Attempt attempt =
      detail::execute(*plan_, plan_->layers, python_, probe, options_.limits, 60, zygote.get());
  if (attempt.result.outcome == Outcome::passed) {
    zygote_ = std::move(zygote);
    return;
  }
  zygote_why_not_ = attempt.result.message;
  fmt::print(stderr,
             "rbench sandbox: the zygote does not work here ({}); every program starts its own "
             "interpreter\n",
             zygote_why_not_);
}

Result Sandbox::run_for(const Program& program, double timeout_s) const {
  if (!zygote_) {
    return detail::execute(*plan_, plan_->layers, python_, program, options_.limits, timeout_s)
        .result;
  }
  // The zygote keeps running an interpreter that is gone from disk (replaced, uninstalled):
  // refuse as an exec would, rather than run programs on what is left of it.
  if (access(python_.c_str(), X_OK) != 0) {
    Result r;
    r.timeout_s = timeout_s;
    r.message = fmt::format("cannot run {}: {}", python_, detail::errno_text(errno));
    return r;
  }
  // A run the zygote died on is never judged: once more on a fresh zygote, then no verdict.
  std::string lost;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Attempt a = detail::execute(*plan_, plan_->layers, python_, program, options_.limits, timeout_s,
                                zygote_.get());
    if (!a.zygote_lost) return std::move(a.result);
    zygote_->restart(a.zygote_generation);
    lost = a.result.message;
  }
  Result r;
  r.timeout_s = timeout_s;
  r.message = "the sandbox's zygote failed twice on this program: " + lost;
  return r;
}

ZygoteInfo Sandbox::zygote() const {
  if (!zygote_) {
    ZygoteInfo info;
    info.why_not = options_.zygote ? zygote_why_not_ : "off in the options";
    return info;
  }
  return zygote_->info();
}

Result Sandbox::run(const Program& program) const {
  return run_for(program, options_.limits.timeout_s * options_.speed_factor);
}

double Sandbox::calibrate() const {
  return detail::measure_speed_factor(
      [this](const Program& program, double timeout_s) { return run_for(program, timeout_s); });
}

std::string Isolation::describe() const {
  std::string text;
  text += network_namespace
              ? "network: own network namespace\n"
              : "network: the host's (no namespace could be created): only seccomp keeps the "
                "program off the network\n";
  text += pid_namespace ? "pid: own PID namespace\n"
                        : "pid: the host's (the process group is killed at the end)\n";
  if (dropped_to_nobody) {
    text += "user: nobody (rbench runs as root)\n";
  } else if (user_namespace) {
    text += fmt::format("user: rbench's (uid {}), in its own user namespace\n", getuid());
  } else {
    text += fmt::format("user: rbench's (uid {})\n", getuid());
  }
  text += private_tmpfs ? fmt::format(
                              "filesystem: the run directory (and /dev/shm) is a private {} MiB "
                              "tmpfs\n",
                              tmpfs_bytes >> 20)
                        : "filesystem: the run directory is on the host (file size limit only)\n";
  if (landlock_abi == 0) {
    text += "landlock: not available (writes limited by file permissions only)\n";
  } else {
    std::string what = "reads everywhere but /proc, writes only in the run directory";
    if (landlock_abi >= 4) what += ", no TCP";
    if (landlock_abi >= 6) what += ", scoped signals";
    text += fmt::format("landlock: ABI {} ({})\n", landlock_abi, what);
  }
  text += seccomp ? "seccomp: Internet sockets denied (also ptrace, io_uring, new namespaces)\n"
                  : "seccomp: not installed\n";
  return text;
}

}  // namespace rbench::sandbox
