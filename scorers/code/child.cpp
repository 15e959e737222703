// The sandbox's child between clone() and execve() (see child.h). Async-signal-safe calls only:
// rbench is multithreaded, and the child is a copy of one of its threads.
#include "scorers/code/child.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "scorers/code/landlock.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

namespace rbench::sandbox::detail {

bool namespace_step(int step) {
  return step == kStepClone || step == kStepSetgroupsDeny || step == kStepUidMap ||
         step == kStepGidMap || step == kStepMountPrivate || step == kStepMountTmpfs ||
         step == kStepMountShm || step == kStepDropGroups || step == kStepDropGid ||
         step == kStepDropUid;
}
bool landlock_step(int step) {
  return step == kStepLandlockRule || step == kStepLandlockRestrict;
}

namespace {

[[noreturn]] void child_fail(int control_fd, int kind, int step) noexcept {
  const ControlMessage message{kind, step, errno};
  [[maybe_unused]] ssize_t ignored = ::write(control_fd, &message, sizeof message);
  _exit(kind == kExecFailed ? 127 : 126);
}

bool write_proc_file(const char* path, const char* text) noexcept {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::write(fd, text, std::strlen(text));
  ::close(fd);
  return n == static_cast<ssize_t>(std::strlen(text));
}

[[noreturn]] void exec_python(const ChildPlan& p) noexcept {
  // Move every fd we pass above the targets first, so that dup2 never clobbers a source.
  int control = p.control_fd;
  const std::array<int, 6> sources = {p.stdin_fd,   p.stdout_fd, p.stderr_fd,
                                      p.program_fd, p.result_fd, p.control_fd};
  std::array<int, 6> moved{};
  for (std::size_t i = 0; i < sources.size(); ++i) {
    moved[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 10);
    if (moved[i] < 0) child_fail(control, kSetupFailed, kStepMoveFds);
  }
  control = moved[5];
  for (int target = 0; target < 5; ++target) {
    if (dup2(moved[target], target) < 0) child_fail(control, kSetupFailed, kStepMoveFds);
  }
  if (dup3(moved[5], 5, O_CLOEXEC) < 0) child_fail(control, kSetupFailed, kStepMoveFds);
  control = 5;  // close-on-exec: open until execve succeeds, to report its failure
  if (syscall(SYS_close_range, 6U, ~0U, 0U) != 0) {
    if (errno != ENOSYS) child_fail(control, kSetupFailed, kStepCloseFds);
    for (int fd = 6; fd < p.max_fd; ++fd) ::close(fd);
  }
  if (chdir(p.run_dir) != 0) child_fail(control, kSetupFailed, kStepChdir);
  execve(p.python, p.argv, p.envp);
  child_fail(control, kExecFailed, 0);
}

// PID 1 of the sandbox's PID namespace: starts python, reaps whatever gets orphaned, and reports
// python's wait status. When it exits, the kernel kills everything left in the namespace.
[[noreturn]] void run_init(const ChildPlan& p) noexcept {
  const long python = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (python < 0) child_fail(p.control_fd, kSetupFailed, kStepClonePython);
  if (python == 0) exec_python(p);
  // Keep only the control pipe. Besides this run's pipes, the fds of runs that other threads
  // had open at clone() time were copied here too; holding them would delay their end of file.
  const auto control = static_cast<unsigned>(p.control_fd);
  if (syscall(SYS_close_range, 0U, control - 1, 0U) != 0 ||
      syscall(SYS_close_range, control + 1, ~0U, 0U) != 0) {
    for (int fd = 0; fd < p.max_fd; ++fd) {
      if (fd != p.control_fd) ::close(fd);
    }
  }
  for (;;) {
    int status = 0;
    const pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid == python) {
      const ControlMessage message{kPythonStatus, 0, status};
      [[maybe_unused]] ssize_t ignored = ::write(p.control_fd, &message, sizeof message);
      _exit(0);
    }
    if (pid < 0 && errno != EINTR) _exit(0);
  }
}

}  // namespace

[[noreturn]] void child_main(const ChildPlan& p) noexcept {
  const int control = p.control_fd;
  if (setsid() < 0) child_fail(control, kSetupFailed, kStepSetsid);
  if (p.user_ns) {
    if (!write_proc_file("/proc/self/setgroups", "deny")) {
      child_fail(control, kSetupFailed, kStepSetgroupsDeny);
    }
    if (!write_proc_file("/proc/self/uid_map", p.uid_map)) {
      child_fail(control, kSetupFailed, kStepUidMap);
    }
    if (!write_proc_file("/proc/self/gid_map", p.gid_map)) {
      child_fail(control, kSetupFailed, kStepGidMap);
    }
  }
  if (p.tmpfs) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      child_fail(control, kSetupFailed, kStepMountPrivate);
    }
    if (mount("tmpfs", p.run_dir, "tmpfs", MS_NOSUID | MS_NODEV, p.tmpfs_options) != 0) {
      child_fail(control, kSetupFailed, kStepMountTmpfs);
    }
    // A private /dev/shm as well, so that multiprocessing's semaphores work without a shared,
    // unbounded place to write.
    if (p.shm && mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, p.tmpfs_options) != 0) {
      child_fail(control, kSetupFailed, kStepMountShm);
    }
  }
  for (const auto& [resource, value] : p.limits) {
    if (setrlimit(static_cast<__rlimit_resource_t>(resource), &value) != 0) {
      child_fail(control, kSetupFailed, kStepRlimit);
    }
  }
  if (p.drop) {
    if (syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(control, kSetupFailed, kStepDropGroups);
    if (syscall(SYS_setresgid, kNogroup, kNogroup, kNogroup) != 0) {
      child_fail(control, kSetupFailed, kStepDropGid);
    }
    if (syscall(SYS_setresuid, kNobody, kNobody, kNobody) != 0) {
      child_fail(control, kSetupFailed, kStepDropUid);
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    child_fail(control, kSetupFailed, kStepNoNewPrivs);
  }
  if (p.landlock_fd >= 0) {
    for (const char* writable : {p.run_dir, p.shm ? "/dev/shm" : nullptr}) {
      if (writable == nullptr) continue;
      const int dir = ::open(writable, O_PATH | O_CLOEXEC | O_DIRECTORY);
      const landlock::PathBeneathAttr rule{p.run_dir_access, dir};
      if (dir < 0 || syscall(SYS_landlock_add_rule, p.landlock_fd, landlock::kRulePathBeneath,
                             &rule, 0) != 0) {
        child_fail(control, kSetupFailed, kStepLandlockRule);
      }
      ::close(dir);
    }
    if (syscall(SYS_landlock_restrict_self, p.landlock_fd, 0) != 0) {
      child_fail(control, kSetupFailed, kStepLandlockRestrict);
    }
    ::close(p.landlock_fd);
  }
  if (p.seccomp != nullptr && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p.seccomp) != 0) {
    child_fail(control, kSetupFailed, kStepSeccomp);
  }
  if (p.pid_ns) run_init(p);
  exec_python(p);
}

}  // namespace rbench::sandbox::detail
