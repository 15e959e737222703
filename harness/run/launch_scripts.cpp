// Shell quoting, the run arguments' checks, and the Slurm scripts (launch_scripts.h says why the
// shards judge pairwise suites themselves).
#include "harness/run/launch_scripts.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/core/error.h"

namespace rbench::launch {
namespace {

// The characters no POSIX shell treats specially anywhere in a word.
bool shell_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

// The flag of "--flag" or "--flag=value".
std::string_view flag_of(std::string_view arg) {
  return arg.substr(0, std::min(arg.find('='), arg.size()));
}

// A value on an #SBATCH line: sbatch splits the line at spaces outside double quotes and takes a
// backslash as an escape, so spaces are quoted and the characters it would misread are refused.
std::string sbatch_value(std::string_view value) {
  if (value.find(' ') == std::string_view::npos) return std::string(value);
  return fmt::format("\"{}\"", value);
}

void refuse_unsafe_path(const std::filesystem::path& path, std::string_view what) {
  const std::string s = path.string();
  // '"' and '\' break #SBATCH lines, '%' is sbatch's file-name pattern, '*?[' rbench merge's glob.
  const auto bad = s.find_first_of("\"\\%*?[\n\r\t");
  if (bad != std::string::npos) {
    throw UsageError(
        fmt::format("slurm submit: {} '{}' holds '{}', which the #SBATCH lines or the merge's glob "
                    "cannot carry; "
                    "choose another folder (--out)",
                    what, s, s[bad] == '\n' ? std::string("\\n") : std::string(1, s[bad])));
  }
}

std::string sbatch_header(const SlurmOptions& o, std::string_view job_name, bool array) {
  const std::filesystem::path logs = o.out_dir / "logs";
  std::string h;
  h += fmt::format("#SBATCH --job-name={}\n", sbatch_value(job_name));
  if (array) {
    h += fmt::format("#SBATCH --array=0-{}{}\n", o.shards - 1,
                     o.throttle ? fmt::format("%{}", *o.throttle) : "");
    // %a: the task's index, so each shard has its own logs.
    h += fmt::format("#SBATCH --output={}\n", sbatch_value((logs / "shard-%a.out").string()));
    h += fmt::format("#SBATCH --error={}\n", sbatch_value((logs / "shard-%a.err").string()));
  } else {
    h += fmt::format("#SBATCH --output={}\n", sbatch_value((logs / "merge.out").string()));
    h += fmt::format("#SBATCH --error={}\n", sbatch_value((logs / "merge.err").string()));
  }
  if (!o.partition.empty()) h += fmt::format("#SBATCH --partition={}\n", o.partition);
  // The engine, its GPU and the time limit are the shards'; the merge is a short CPU job.
  if (array && !o.gres.empty()) h += fmt::format("#SBATCH --gres={}\n", o.gres);
  if (array && !o.time.empty()) h += fmt::format("#SBATCH --time={}\n", o.time);
  if (array && o.cpus_per_task) h += fmt::format("#SBATCH --cpus-per-task={}\n", *o.cpus_per_task);
  return h;
}

void refuse_sbatch_word(std::string_view value, std::string_view flag) {
  if (value.find_first_of(" \t\n\"\\") != std::string_view::npos) {
    throw UsageError(
        fmt::format("slurm submit: {} '{}' holds a space, quote or backslash", flag, value));
  }
}

}  // namespace

std::string shell_quote(std::string_view arg) {
  if (!arg.empty() && std::all_of(arg.begin(), arg.end(), shell_safe)) return std::string(arg);
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";  // close the quote, an escaped quote, reopen
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(w);
  }
  return out;
}

void check_run_args(const std::vector<std::string>& run_args, std::string_view command) {
  for (const std::string& arg : run_args) {
    const std::string_view flag = flag_of(arg);
    if (flag == "--db" || flag == "--shard" || flag == "--shard-count") {
      throw UsageError(fmt::format(
          "{}: the run arguments hold {}, which {} sets for each shard itself (--db per shard, "
          "--shard auto); leave it out",
          command, flag, command));
    }
  }
}

std::optional<std::string> run_name_in(const std::vector<std::string>& run_args) {
  for (std::size_t i = 0; i < run_args.size(); ++i) {
    const std::string& arg = run_args[i];
    if (arg == "--run" && i + 1 < run_args.size()) return run_args[i + 1];
    if (arg.starts_with("--run=")) return arg.substr(6);
  }
  return std::nullopt;
}

void check_slurm_options(const SlurmOptions& o) {
  if (o.shards < 1) {
    throw UsageError(fmt::format("slurm submit: --shards {} must be at least 1", o.shards));
  }
  if (o.throttle && (*o.throttle < 1 || *o.throttle > o.shards)) {
    throw UsageError(fmt::format("slurm submit: --throttle {} must be between 1 and --shards ({})",
                                 *o.throttle, o.shards));
  }
  for (const auto& [path, what] :
       {std::pair{&o.out_dir, "the output folder"}, std::pair{&o.workdir, "the working directory"},
        std::pair{&o.rbench, "the rbench binary"}}) {
    if (!path->is_absolute()) {
      throw UsageError(
          fmt::format("slurm submit: {} '{}' must be an absolute path", what, path->string()));
    }
  }
  refuse_unsafe_path(o.out_dir, "the output folder");
  refuse_sbatch_word(o.partition, "--partition");
  refuse_sbatch_word(o.gres, "--gres");
  refuse_sbatch_word(o.time, "--time");
  refuse_sbatch_word(o.job_name, "the job name");
  check_run_args(o.run_args, "slurm submit");
}

std::filesystem::path shard_store(const std::filesystem::path& out_dir, int index) {
  return out_dir / "shards" / fmt::format("shard-{}.db", index);
}

std::string slurm_array_script(const SlurmOptions& o) {
  check_slurm_options(o);
  std::vector<std::string> argv = {o.rbench.string(), "run"};
  argv.insert(argv.end(), o.run_args.begin(), o.run_args.end());
  argv.insert(argv.end(), {"--shard", "auto"});
  const bool quiet = std::ranges::find(o.run_args, "--quiet") != o.run_args.end();
  // The store's name takes the task's index from the environment: the quoted folder, then the
  // variable outside any quotes.
  const std::string db = fmt::format("{}\"$SLURM_ARRAY_TASK_ID\".db",
                                     shell_quote((o.out_dir / "shards" / "shard-").string()));
  return fmt::format(
      "#!/bin/bash\n"
      "# The shards of one `rbench run`, one per array task: written by `rbench slurm submit`.\n"
      "# Each task writes a store of its own (SQLite's locks do not hold on NFS or Lustre);\n"
      "# merge.sbatch merges them once every task has succeeded.\n"
      "{}"
      "set -euo pipefail\n"
      "cd {}\n"
      "exec {} --db {}{}\n",
      sbatch_header(o, o.job_name, true), shell_quote(o.workdir.string()), shell_join(argv), db,
      quiet ? "" : " --quiet");
}

std::string slurm_merge_script(const SlurmOptions& o) {
  check_slurm_options(o);
  const std::string rbench = shell_quote(o.rbench.string());
  const std::string merged = shell_quote((o.out_dir / "merged.db").string());
  // Quoted: rbench expands the glob itself, so no argument list grows with the shards.
  const std::string shards = shell_quote((o.out_dir / "shards" / "*.db").string());
  return fmt::format(
      "#!/bin/bash\n"
      "# The merge of the shards of array.sbatch into one store, and its reports: written by\n"
      "# `rbench slurm submit`, submitted with --dependency=afterok on the array.\n"
      "{}"
      "set -uo pipefail\n"
      "cd {}\n"
      "status=0\n"
      "# Non-zero when items are missing; the merged store is written all the same, and reported.\n"
      "{} merge --db {} {} || status=$?\n"
      "if [ -f {} ]; then\n"
      "  {} report --db {} -o {} || status=$?\n"
      "  {} report --db {} --format json -o {} || status=$?\n"
      "fi\n"
      "# For `slurm submit --wait`: proof that this job ran, and how it ended.\n"
      "printf '%s %s\\n' \"${{SLURM_JOB_ID:-}}\" \"$status\" > {}\n"
      "exit \"$status\"\n",
      sbatch_header(o, o.job_name + "-merge", false), shell_quote(o.workdir.string()), rbench,
      merged, shards, merged, rbench, merged,
      shell_quote((o.out_dir / "leaderboard.html").string()), rbench, merged,
      shell_quote((o.out_dir / "report.json").string()),
      shell_quote(merge_status_file(o.out_dir).string()));
}

std::filesystem::path merge_status_file(const std::filesystem::path& out_dir) {
  return out_dir / "merge.status";
}

std::vector<std::string> sbatch_array_command(const std::filesystem::path& script) {
  return {"sbatch", "--parsable", script.string()};
}

std::vector<std::string> sbatch_merge_command(const std::filesystem::path& script,
                                              std::string_view array_job_id, bool wait) {
  // --kill-on-invalid-dep: a failed task makes afterok unsatisfiable, and without it the merge
  // would stay pending for ever (and `--wait` with it).
  std::vector<std::string> argv = {"sbatch", "--parsable",
                                   fmt::format("--dependency=afterok:{}", array_job_id),
                                   "--kill-on-invalid-dep=yes"};
  if (wait) argv.emplace_back("--wait");
  argv.push_back(script.string());
  return argv;
}

}  // namespace rbench::launch
