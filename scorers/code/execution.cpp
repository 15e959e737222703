// One run of a program in the sandbox (see execution.h): everything the child needs is prepared
// here, before clone(), so that the child itself only makes async-signal-safe calls.
#include "scorers/code/execution.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "scorers/code/child.h"
#include "scorers/code/landlock.h"
#include "scorers/code/output_capture.h"
#include "scorers/code/posix.h"
#include "scorers/code/process_control.h"
#include "scorers/code/sandbox_driver.h"
#include "scorers/code/zygote.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace rbench::sandbox::detail {
namespace {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  std::size_t have = 0;
  while (have < bytes) {
    const ssize_t n = getrandom(buffer.data() + have, bytes - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("getrandom");
    have += static_cast<std::size_t>(n);
  }
  std::string hex;
  for (const unsigned char b : buffer) hex += fmt::format("{:02x}", b);
  return hex;
}

// The driver's input, in a memory file it reads once and closes: five fields, each
// "<byte length>\n<bytes>", cheap to parse in Python without importing json.
UniqueFd program_file(const Program& program, const std::string& nonce) {
  std::string data;
  for (const std::string* field :
       {&nonce, &program.setup, &program.candidate, &program.tests, &program.entry_point}) {
    const std::string text = valid_utf8(*field, false, false);
    data += fmt::format("{}\n", text.size());
    data += text;
  }
  UniqueFd fd(memfd_create("rbench-program", MFD_CLOEXEC));
  if (!fd) fail_errno("memfd_create");
  write_all(fd.get(), data, "writing the program");
  if (lseek(fd.get(), 0, SEEK_SET) != 0) fail_errno("lseek");
  return fd;
}

// Tasks (RLIMIT_NPROC counts threads) whose real user is `uid`.
rlim_t count_tasks(uid_t uid) {
  const std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return 0;
  rlim_t count = 0;
  while (const dirent* entry = readdir(proc.get())) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    struct stat st {};
    if (fstatat(dirfd(proc.get()), entry->d_name, &st, 0) != 0 || st.st_uid != uid) continue;
    const std::string path = fmt::format("/proc/{}/status", entry->d_name);
    UniqueFd status(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char text[4096];
    const ssize_t n = status ? ::read(status.get(), text, sizeof text - 1) : -1;
    rlim_t threads = 1;
    if (n > 0) {
      text[n] = '\0';
      if (const char* at = std::strstr(text, "\nThreads:"))
        threads = std::strtoul(at + 9, nullptr, 10);
    }
    count += std::max<rlim_t>(threads, 1);
  }
  return count;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// The file descriptors of one run; the parent closes the child's ends once it is cloned.
struct RunFds {
  UniqueFd program, null, ruleset;
  Pipe out, err, result, control;
};

RunFds open_fds(const RunPlan& plan, const Layers& layers, const Program& program,
                const std::string& nonce) {
  RunFds fds;
  fds.program = program_file(program, nonce);
  fds.out = make_pipe();
  fds.err = make_pipe();
  fds.result = make_pipe();
  fds.control = make_pipe();
  fds.null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fds.null) fail_errno("open /dev/null");
  if (layers.landlock_abi > 0)
    fds.ruleset = landlock::ruleset(layers.landlock_abi, plan.read_roots);
  return fds;
}

// The strings and arrays a ChildPlan points into, built before clone() and kept until the run
// ends.
struct ChildInputs {
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
  std::string uid_map, gid_map, tmpfs_options;
  sock_fprog seccomp{};
};

void fill_inputs(ChildInputs& in, const RunPlan& plan, const std::string& python,
                 const std::string& run_dir, const Limits& limits, uid_t uid, gid_t gid) {
  in.args = {python, "-s", "-B", "-c", std::string(kDriverSource)};
  in.env = {"PATH=/usr/bin:/bin", "HOME=" + run_dir,  "TMPDIR=" + run_dir,
            "LANG=C.UTF-8",       "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1",
            "PYTHONNOUSERSITE=1", "PYTHONSAFEPATH=1"};
  in.argv = c_strings(in.args);
  in.envp = c_strings(in.env);
  in.uid_map = fmt::format("{0} {0} 1\n", plan.uid);
  in.gid_map = fmt::format("{0} {0} 1\n", plan.gid);
  in.tmpfs_options = fmt::format("size={},nr_inodes={},mode=0700,uid={},gid={}", limits.disk_bytes,
                                 1 << 16, uid, gid);
  in.seccomp = {static_cast<unsigned short>(plan.seccomp.size()),
                const_cast<sock_filter*>(plan.seccomp.data())};
}

// Never above what we may set (a non-root user cannot raise a hard limit).
std::pair<int, rlimit> capped_limit(int resource, rlim_t value, rlim_t hard_extra = 0) {
  rlimit current{};
  getrlimit(static_cast<__rlimit_resource_t>(resource), &current);
  const rlim_t cap = current.rlim_max;
  const auto clamp = [&](rlim_t v) { return cap == RLIM_INFINITY ? v : std::min(v, cap); };
  return std::pair(resource, rlimit{clamp(value), clamp(value + hard_extra)});
}

std::array<std::pair<int, rlimit>, 6> child_limits(const Limits& limits, rlim_t cpu_seconds,
                                                   uid_t uid) {
  return {
      // SIGXCPU at the soft limit, SIGKILL a second later if it is caught.
      capped_limit(RLIMIT_CPU, cpu_seconds, 1),
      capped_limit(RLIMIT_AS, limits.address_space_bytes),
      capped_limit(RLIMIT_FSIZE, limits.file_size_bytes),
      capped_limit(RLIMIT_NOFILE, static_cast<rlim_t>(limits.open_files)),
      // Counted per real user (threads included) and ignored for root, hence the drop to
      // nobody; shared with the other runs of nobody, so their current count is the base.
      capped_limit(RLIMIT_NPROC, count_tasks(uid) + static_cast<rlim_t>(limits.processes)),
      // 1, not 0: a limit of 1 also stops core dumps piped to a handler (core_pattern "|...").
      capped_limit(RLIMIT_CORE, 1),
  };
}

ChildPlan child_plan(const ChildInputs& in, const RunFds& fds, const RunPlan& plan,
                     const Layers& layers, const std::string& python, const std::string& run_dir) {
  ChildPlan child;
  child.python = python.c_str();
  child.argv = in.argv.data();
  child.envp = in.envp.data();
  child.run_dir = run_dir.c_str();
  child.stdin_fd = fds.null.get();
  child.stdout_fd = fds.out.write.get();
  child.stderr_fd = fds.err.write.get();
  child.program_fd = fds.program.get();
  child.result_fd = fds.result.write.get();
  child.control_fd = fds.control.write.get();
  child.landlock_fd = fds.ruleset ? fds.ruleset.get() : -1;
  child.run_dir_access = landlock::fs_rights(layers.landlock_abi);
  child.seccomp = plan.seccomp.empty() ? nullptr : &in.seccomp;
  child.user_ns = layers.user_ns;
  child.pid_ns = layers.pid_ns;
  child.tmpfs = layers.tmpfs;
  child.shm = layers.tmpfs && plan.has_dev_shm;
  child.drop = layers.drop_to_nobody;
  child.uid_map = in.uid_map.c_str();
  child.gid_map = in.gid_map.c_str();
  child.tmpfs_options = in.tmpfs_options.c_str();
  child.max_fd = plan.max_fd;
  return child;
}

// A run's request to the zygote: what child_main() reads from the ChildPlan, as JSON.
std::string zygote_request(const ChildPlan& child, const Layers& layers) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto text = [&](const char* key, const char* value) {
    w.Key(key);
    w.String(value);
  };
  const auto flag = [&](const char* key, bool value) {
    w.Key(key);
    w.Bool(value);
  };
  w.StartObject();
  text("run_dir", child.run_dir);
  text("uid_map", child.uid_map);
  text("gid_map", child.gid_map);
  text("tmpfs_options", child.tmpfs_options);
  w.Key("flags");
  w.Uint64(layers.clone_flags());
  flag("user_ns", child.user_ns);
  flag("pid_ns", child.pid_ns);
  flag("tmpfs", child.tmpfs);
  flag("shm", child.shm);
  flag("drop", child.drop);
  w.Key("run_dir_access");
  w.Uint64(child.run_dir_access);
  w.Key("limits");
  w.StartArray();
  for (const auto& [resource, value] : child.limits) {
    w.StartArray();
    w.Int(resource);
    w.Uint64(value.rlim_cur);
    w.Uint64(value.rlim_max);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

// The outcome: the driver's record when there is exactly one with the run's nonce; otherwise
// how the process ended, which can never be a pass.
void judge(const Collected& c, const std::string& python, double timeout_s, rlim_t cpu_seconds,
           Attempt& attempt) {
  Result& r = attempt.result;
  r.wall_s = c.wall_s;
  r.cpu_s = c.cpu_s;
  if (c.python_status && WIFEXITED(*c.python_status)) r.exit_status = WEXITSTATUS(*c.python_status);
  if (c.python_status && WIFSIGNALED(*c.python_status)) r.signal = WTERMSIG(*c.python_status);
  r.stdout_head = valid_utf8(c.head.text, false, c.head.total > c.head.text.size());
  const std::string kept = c.tail.kept();
  r.stderr_tail = valid_utf8(kept, c.tail.total > kept.size(), false);
  r.stdout_bytes = c.head.total;
  r.stderr_bytes = c.tail.total;

  const RecordReader& records = c.records;
  r.outcome = Outcome::sandbox_error;
  if (records.valid > 1) {
    r.outcome = Outcome::failed;
    r.message = "more than one completion record: the program forked the driver";
  } else if (records.valid == 1) {
    if (records.status == "passed") {
      r.outcome = Outcome::passed;
    } else if (records.status == "failed") {
      r.outcome = Outcome::failed;
      r.message = records.message;
    } else {
      r.message = "the driver reported: " + records.message;
    }
  } else if (c.setup_failure) {
    attempt.failed_step = c.setup_failure->step;
    const auto step = static_cast<std::size_t>(c.setup_failure->step);
    r.message = fmt::format("sandbox setup failed at {}: {}",
                            step < kStepNames.size() ? kStepNames[step] : "?",
                            errno_text(c.setup_failure->value));
  } else if (c.exec_failure) {
    attempt.exec_failed = true;
    r.message = fmt::format("cannot run {}: {}", python, errno_text(c.exec_failure->value));
  } else if (c.timed_out) {
    r.outcome = Outcome::timeout;
    r.message = fmt::format("no result within the {:.3g} s wall-clock limit", timeout_s);
  } else if (r.signal != 0) {
    if (r.signal == SIGXCPU ||
        (r.signal == SIGKILL && r.cpu_s >= static_cast<double>(cpu_seconds))) {
      r.outcome = Outcome::timeout;
      r.message = fmt::format("CPU-time limit of {} s reached", cpu_seconds);
    } else {
      r.outcome = Outcome::crashed;
      r.message = "killed by " + signal_text(r.signal);
    }
  } else if (c.python_status) {
    r.outcome = Outcome::failed;
    r.message = fmt::format("exited with status {} before the tests completed", r.exit_status);
    if (const std::string hint = last_line(r.stderr_tail); !hint.empty()) r.message += ": " + hint;
  } else {
    r.message = "the sandbox's init ended without reporting the program's status";
  }
  if (records.forged > 0 && r.outcome != Outcome::passed) {
    r.message += fmt::format(" ({} forged completion record{} ignored)", records.forged,
                             records.forged == 1 ? "" : "s");
  }
}

}  // namespace

// One run, start to end. Never throws: our own failures are sandbox_error.
Attempt execute(const RunPlan& plan, const Layers& layers, const std::string& python,
                const Program& program, const Limits& limits, double timeout_s,
                const Zygote* zygote) {
  Attempt attempt;
  Result& r = attempt.result;
  r.timeout_s = timeout_s;
  try {
    const bool drop = layers.drop_to_nobody;
    const uid_t uid = drop ? kNobody : plan.uid;
    const gid_t gid = drop ? kNogroup : plan.gid;
    RunDir dir(plan.temp_root, drop ? std::optional(std::pair(uid, gid)) : std::nullopt);
    const std::string nonce = random_hex(16);
    RunFds fds = open_fds(plan, layers, program, nonce);
    ChildInputs inputs;
    fill_inputs(inputs, plan, python, dir.path(), limits, uid, gid);
    const auto cpu_seconds = static_cast<rlim_t>(std::ceil(timeout_s)) + 1;
    ChildPlan child = child_plan(inputs, fds, plan, layers, python, dir.path());
    child.limits = child_limits(limits, cpu_seconds, uid);

    const auto start = Clock::now();
    std::unique_ptr<Process> process;
    const ZygoteChild* forked = nullptr;
    UniqueFd exit_fd;  // readable once the child has ended: its pidfd, or the zygote's report
    Pipe status;       // the zygote's reports on this run
    if (zygote != nullptr) {
      status = make_pipe();
      std::vector<int> passed = {fds.null.get(),    fds.out.write.get(),    fds.err.write.get(),
                                 fds.program.get(), fds.result.write.get(), fds.control.write.get(),
                                 status.write.get()};
      if (fds.ruleset) passed.push_back(fds.ruleset.get());
      std::string error;
      const auto generation = zygote->submit(zygote_request(child, layers), passed, error);
      status.write.reset();
      if (generation) attempt.zygote_generation = *generation;
      int fork_errno = 0;
      fcntl(status.read.get(), F_SETFL, O_NONBLOCK);
      const std::optional<pid_t> pid =
          generation ? await_fork(status.read.get(), fork_errno, error) : std::nullopt;
      if (!pid) {
        attempt.zygote_lost = fork_errno == 0;
        if (fork_errno != 0) attempt.failed_step = kStepClone;
        r.message = fork_errno != 0
                        ? fmt::format("sandbox setup failed at clone: {}", errno_text(fork_errno))
                        : error;
        return attempt;
      }
      zygote->count_fork();
      auto child_process = std::make_unique<ZygoteChild>(*pid, status.read);
      forked = child_process.get();
      process = std::move(child_process);
      exit_fd.reset(fcntl(status.read.get(), F_DUPFD_CLOEXEC, 0));
    } else {
      const long pid =
          syscall(SYS_clone, layers.clone_flags() | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (pid == 0) child_main(child);
      if (pid < 0) {
        attempt.failed_step = kStepClone;
        r.message = fmt::format("sandbox setup failed at clone: {}", errno_text(errno));
        return attempt;
      }
      process = std::make_unique<ChildProcess>(static_cast<pid_t>(pid));
      exit_fd.reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    }
    for (UniqueFd* fd : {&fds.out.write, &fds.err.write, &fds.result.write, &fds.control.write,
                         &fds.program, &fds.null, &fds.ruleset}) {
      fd->reset();
    }
    for (const UniqueFd* fd : {&fds.out.read, &fds.err.read, &fds.result.read, &fds.control.read}) {
      fcntl(fd->get(), F_SETFL, O_NONBLOCK);
    }
    Collected collected{Head{limits.output_keep_bytes}, Tail{limits.output_keep_bytes},
                        RecordReader(nonce)};
    supervise(*process, std::move(exit_fd), {&fds.out.read, &fds.err.read, &fds.result.read},
              fds.control.read, start, timeout_s, layers.pid_ns, collected);
    if (forked != nullptr && forked->lost()) {
      attempt.zygote_lost = true;
      r.message = "the sandbox's zygote died or stopped answering during the run";
      return attempt;
    }
    judge(collected, python, timeout_s, cpu_seconds, attempt);
  } catch (const std::exception& e) {
    r.outcome = Outcome::sandbox_error;
    r.message = e.what();
  }
  return attempt;
}

}  // namespace rbench::sandbox::detail
