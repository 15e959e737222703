// `rbench slurm submit`: one run cut into shards as a Slurm array, and a merge job after it.
#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/run/launch_scripts.h"

extern char** environ;

namespace rbench::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmCommandOptions {
  int shards = 0;
  std::optional<int> throttle;
  std::string partition;
  std::string gres;
  std::string time;
  std::optional<int> cpus_per_task;
  std::string out;
  bool dry_run = false;
  bool wait = false;
  std::vector<std::string> run_args;
};

// Letters, digits, '.', '_' and '-' of a run name, the rest as '-': a folder and job name.
std::string name_part(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    out += keep ? c : '-';
  }
  return out;
}

std::optional<fs::path> find_in_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const fs::path dir(dirs.substr(0, colon));
    const fs::path candidate = (dir.empty() ? fs::path(".") : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

struct Captured {
  int status = -1;
  std::string out;
};

// Runs argv (found in PATH) with this process's environment (SLURM_CONF and the like reach
// sbatch, and through it the jobs), stdin from /dev/null, its stderr shown, its stdout captured.
Captured capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(fmt::format("slurm submit: pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw Error(fmt::format("slurm submit: cannot start {}: {}", argv[0], std::strerror(rc)));
  }
  Captured c;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    c.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return c;
}

// `sbatch --parsable` prints "ID" or "ID;CLUSTER".
std::string job_id(const Captured& c, const std::vector<std::string>& argv) {
  std::string id = c.out.substr(0, c.out.find_first_of(";\n"));
  const bool digits = !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
  if (c.status != 0 || !digits) {
    throw Error(fmt::format("slurm submit: `{}` {} (its output: '{}')", launch::shell_join(argv),
                            c.status != 0 ? fmt::format("failed with exit status {}", c.status)
                                          : std::string("printed no job id"),
                            c.out));
  }
  return id;
}

// Why the merge job waited for did not succeed, or "" when it did: sbatch's status, then the
// status file the merge script writes last (its absence: the job never ran).
std::string merge_failure(const Captured& merge, const std::string& merge_id,
                          const fs::path& status_file) {
  if (merge.status != 0) return fmt::format("ended with status {}", merge.status);
  std::ifstream f(status_file);
  std::string ran_as;
  int status = -1;
  if (!(f >> ran_as >> status) || ran_as != merge_id) {
    return fmt::format("never ran ({} not written by it): a shard failed, so afterok was not met",
                       status_file.string());
  }
  return status == 0 ? "" : fmt::format("ended with status {}", status);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f.flush()) throw Error(fmt::format("slurm submit: cannot write {}", path.string()));
  fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
}

int submit(const SlurmCommandOptions& o) {
  if (o.run_args.empty()) {
    throw UsageError(
        "slurm submit: give the run's arguments after `--` (rbench slurm submit --shards N -- "
        "--model ... --suite ...)");
  }
  launch::SlurmOptions s;
  s.shards = o.shards;
  s.throttle = o.throttle;
  s.partition = o.partition;
  s.gres = o.gres;
  s.time = o.time;
  s.cpus_per_task = o.cpus_per_task;
  s.run_args = o.run_args;
  const auto run_name = launch::run_name_in(o.run_args);
  s.job_name = run_name ? "rbench-" + name_part(*run_name) : "rbench";
  const std::string out =
      !o.out.empty() ? o.out
      : run_name     ? "rbench-slurm-" + name_part(*run_name)
                 : fmt::format("rbench-slurm-{:%Y%m%d-%H%M%S}", fmt::localtime(std::time(nullptr)));
  s.out_dir = fs::absolute(out).lexically_normal();
  if (s.out_dir.has_filename() == false) s.out_dir = s.out_dir.parent_path();  // a trailing '/'
  s.workdir = fs::current_path();
  // This very binary: the nodes see the same file system (the shards' stores need one anyway).
  s.rbench = fs::read_symlink("/proc/self/exe");
  const std::string array_script = launch::slurm_array_script(s);
  const std::string merge_script = launch::slurm_merge_script(s);
  const fs::path array_path = s.out_dir / "array.sbatch";
  const fs::path merge_path = s.out_dir / "merge.sbatch";
  const auto array_command = launch::sbatch_array_command(array_path);

  if (o.dry_run) {
    fmt::print(
        "# {}\n{}\n# {}\n{}\n# submitted with:\n{}\n{}\n", array_path.string(), array_script,
        merge_path.string(), merge_script, launch::shell_join(array_command),
        launch::shell_join(launch::sbatch_merge_command(merge_path, "ARRAY_JOB_ID", o.wait)));
    return kExitOk;
  }
  if (!find_in_path("sbatch")) {
    throw SetupError(
        "slurm submit: sbatch is not in PATH: run this on a Slurm login node (or see the scripts "
        "with --dry-run)");
  }
  fs::create_directories(s.out_dir / "logs");
  fs::create_directories(s.out_dir / "shards");
  write_file(array_path, array_script);
  write_file(merge_path, merge_script);

  const std::string array_id = job_id(capture(array_command), array_command);
  fmt::print("submitted array job {} ({} shards{})\n", array_id, o.shards,
             o.throttle ? fmt::format(", {} at a time", *o.throttle) : "");
  const auto merge_command = launch::sbatch_merge_command(merge_path, array_id, o.wait);
  const fs::path status_file = launch::merge_status_file(s.out_dir);
  std::error_code ignored;
  fs::remove(status_file, ignored);  // an earlier submission's
  if (o.wait) fmt::print("waiting for the merge job, which starts once every shard succeeded\n");
  std::fflush(stdout);
  const Captured merge = capture(merge_command);
  if (o.wait) {
    const std::string merge_id = merge.out.substr(0, merge.out.find_first_of(";\n"));
    const std::string why = merge_failure(merge, merge_id, status_file);
    if (!why.empty()) {
      fmt::print(stderr,
                 "slurm submit: merge job {} {}: see {} and {}; `rbench merge --status {}` lists "
                 "what is missing and how to redo it\n",
                 merge_id, why, (s.out_dir / "logs" / "merge.err").string(),
                 (s.out_dir / "logs" / "shard-*.err").string(),
                 launch::shell_quote((s.out_dir / "shards" / "*.db").string()));
      return kExitError;
    }
  }
  const std::string merge_id = job_id(merge, merge_command);
  fmt::print("{} merge job {} (after array job {})\n", o.wait ? "finished" : "submitted", merge_id,
             array_id);
  fmt::print("results: {} (store), {} and {} (reports); logs in {}\n",
             (s.out_dir / "merged.db").string(), (s.out_dir / "leaderboard.html").string(),
             (s.out_dir / "report.json").string(), (s.out_dir / "logs").string());
  if (!o.wait) fmt::print("progress: squeue -j {},{}\n", array_id, merge_id);
  return kExitOk;
}

}  // namespace

void add_slurm_command(CLI::App& app, int& exit_code) {
  CLI::App* slurm = app.add_subcommand("slurm", "Run one evaluation as a Slurm job array");
  slurm->require_subcommand(1);
  auto o = std::make_shared<SlurmCommandOptions>();
  CLI::App* cmd = slurm->add_subcommand(
      "submit",
      "Write and submit an sbatch array of shards of one `rbench run`, and a merge job after it");
  cmd->footer(
      "The arguments after `--` are those of `rbench run`, without --db or --shard: task I runs\n"
      "shard I into OUT/shards/shard-I.db; once every task has succeeded, the merge job writes\n"
      "OUT/merged.db, OUT/leaderboard.html and OUT/report.json. Pairwise suites are judged in\n"
      "the shards (--judge goes to each), so the merge needs no engine.\n\n"
      "Cut 4-8 times more shards than the workers that run at once (--throttle, or the GPUs you\n"
      "have): reasoning answers run from 500 to 30,000 tokens, so shards of equal item counts "
      "take\n"
      "very unequal times, and with one shard per worker the run waits on the slowest. Small\n"
      "shards let a worker that finished early take the next one.");
  cmd->add_option("--shards", o->shards, "Array tasks, one shard of the run each")->required();
  cmd->add_option("--throttle", o->throttle, "Tasks running at once (sbatch --array=...%K)");
  cmd->add_option("--partition", o->partition, "Slurm partition (default: the cluster's)");
  cmd->add_option("--gres", o->gres,
                  "Generic resources per task, e.g. gpu:1 for the built-in engine");
  cmd->add_option("--time", o->time, "Time limit per task, in sbatch's syntax (e.g. 4:00:00)");
  cmd->add_option("--cpus-per-task", o->cpus_per_task,
                  "CPUs per task (code suites' sandboxes, the built-in engine on CPUs)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", o->out,
                  "Folder of the scripts, logs, shards and results (default: "
                  "rbench-slurm-RUN, RUN from --run, else the time)");
  cmd->add_flag("--dry-run", o->dry_run, "Print the scripts and sbatch commands; write nothing");
  cmd->add_flag("--wait", o->wait,
                "Return when the merge job has ended; exit non-zero when it failed or never ran");
  cmd->add_option("run_args", o->run_args, "`rbench run` arguments, after --");
  cmd->callback([o, &exit_code] { exit_code = submit(*o); });
}

}  // namespace rbench::cli
