// The code sandbox (see sandbox.h): everything a run needs is prepared in the parent, the kernel
// layers are set up between clone() and execve() with async-signal-safe calls only (rbench is
// multithreaded), the output is pumped through pipes with poll(), and the verdict comes from the
// driver's completion record, never from the exit status or the output.
#include "scorers/code/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "harness/core/error.h"
#include "scorers/code/sandbox_driver.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

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

using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

// A fixed pure-Python workload for calibrate(); it times itself so that interpreter start-up
// does not count. kReferenceSeconds is its time on the reference machine: a fast desktop core
// (about 5 GHz) running CPython 3.11, estimated at 40 ns per iteration; this development VM
// (an AMD EPYC core, CPython 3.11.2) takes about 0.33 s.
constexpr double kReferenceSeconds = 0.2;
constexpr std::string_view kCalibrationWorkload = R"PY(
import time
start = time.perf_counter()
total = 0
for i in range(5_000_000):
    total = (total + i * i) % 1000003
print(f"{time.perf_counter() - start:.6f}")
)PY";

std::string errno_text(int err) {
  const char* text = strerrordesc_np(err);
  return text ? text : fmt::format("errno {}", err);
}

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* description = sigdescr_np(sig);
  if (abbrev == nullptr) return fmt::format("signal {}", sig);
  return description ? fmt::format("SIG{} ({})", abbrev, description)
                     : fmt::format("SIG{}", abbrev);
}

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

[[noreturn]] void fail_errno(std::string_view what) {
  throw Error(fmt::format("sandbox: {}: {}", what, errno_text(errno)));
}

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail_errno("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_all(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno(what);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Invalid UTF-8 becomes U+FFFD; a sequence cut by truncation at the kept text's edges is dropped
// rather than replaced.
std::string valid_utf8(std::string_view s, bool cut_front, bool cut_back) {
  if (cut_front) {
    for (int i = 0; i < 3 && !s.empty() && (static_cast<unsigned char>(s.front()) & 0xC0) == 0x80;
         ++i) {
      s.remove_prefix(1);
    }
  }
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    }
    bool ok = false;
    if (n > 0) {
      std::size_t have = 0;
      while (have < n && i + 1 + have < s.size() &&
             (static_cast<unsigned char>(s[i + 1 + have]) & 0xC0) == 0x80) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + 1 + have]) & 0x3F);
        ++have;
      }
      if (have < n && i + 1 + have == s.size() && cut_back) break;  // cut by truncation
      ok = have == n && !(n == 2 && cp < 0x800) && !(n == 3 && cp < 0x10000) && cp <= 0x10FFFF &&
           !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, n + 1));
      i += n + 1;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

// --- Landlock (raw syscalls; the constants past ABI 2 are not in Debian 12's headers) ---------
namespace landlock {
constexpr std::uint64_t kExecute = 1ULL << 0;
constexpr std::uint64_t kWriteFile = 1ULL << 1;
constexpr std::uint64_t kReadFile = 1ULL << 2;
constexpr std::uint64_t kReadDir = 1ULL << 3;
constexpr std::uint64_t kRefer = 1ULL << 13;                   // ABI 2
constexpr std::uint64_t kTruncate = 1ULL << 14;                // ABI 3
constexpr std::uint64_t kIoctlDev = 1ULL << 15;                // ABI 5
constexpr std::uint64_t kNetBindTcp = 1ULL << 0;               // ABI 4
constexpr std::uint64_t kNetConnectTcp = 1ULL << 1;            // ABI 4
constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr std::uint64_t kScopeSignal = 1ULL << 1;              // ABI 6
constexpr int kRulePathBeneath = 1;
constexpr unsigned kCreateRulesetVersion = 1U << 0;

struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

int abi() {
  const long version = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return version < 0 ? 0 : static_cast<int>(version);
}

std::uint64_t fs_rights(int abi) {
  std::uint64_t rights = (1ULL << 13) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

// Reads everywhere but /proc (no /proc/<pid>/mem, environ or cmdline of anyone), writes only
// to /dev/null; the run directory's rule is added in the child, after its tmpfs is mounted.
UniqueFd ruleset(int abi, const std::vector<std::string>& read_roots) {
  RulesetAttr attr;
  attr.handled_access_fs = fs_rights(abi);
  std::size_t size = sizeof(std::uint64_t);
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;  // no rule: no TCP bind or connect
    size = 2 * sizeof(std::uint64_t);
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = sizeof(RulesetAttr);
  }
  UniqueFd fd(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!fd) fail_errno("landlock_create_ruleset");
  const auto allow = [&](const std::string& path, std::uint64_t dir_access,
                         std::uint64_t file_access) {
    UniqueFd target(::open(path.c_str(), O_PATH | O_CLOEXEC));
    struct stat st {};
    if (!target || fstat(target.get(), &st) != 0) return;  // gone since the probe: nothing to allow
    PathBeneathAttr rule{(S_ISDIR(st.st_mode) ? dir_access : file_access) & attr.handled_access_fs,
                         target.get()};
    if (rule.allowed_access == 0) return;
    if (syscall(SYS_landlock_add_rule, fd.get(), kRulePathBeneath, &rule, 0) != 0) {
      fail_errno(fmt::format("landlock_add_rule {}", path));
    }
  };
  allow("/", kReadDir, 0);
  for (const std::string& root : read_roots) {
    allow(root, kReadFile | kReadDir | kExecute, kReadFile | kExecute);
  }
  allow("/dev/null", 0, kReadFile | kWriteFile | kTruncate | kIoctlDev);
  return fd;
}

std::vector<std::string> read_roots() {
  std::vector<std::string> roots;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/", ec)) {
    if (entry.path() != "/proc") roots.push_back(entry.path().string());
  }
  std::sort(roots.begin(), roots.end());
  return roots;
}
}  // namespace landlock

// --- seccomp -----------------------------------------------------------------------------------
// Built once with libseccomp and exported as BPF, so the child only needs prctl().
std::vector<sock_filter> seccomp_program() {
  const std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                             seccomp_release);
  if (!ctx) throw Error("sandbox: seccomp_init failed");
  const auto rule = [&](std::uint32_t action, int nr, std::vector<scmp_arg_cmp> args = {}) {
    const int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(args.size()),
                                          args.data());
    if (rc < 0) throw Error(fmt::format("sandbox: seccomp rule for syscall {}: {}", nr, -rc));
  };
  // Only AF_UNIX sockets: AF_INET, AF_INET6, AF_PACKET, AF_NETLINK and the rest get EACCES.
  rule(SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), {{0, SCMP_CMP_NE, AF_UNIX, 0}});
  // Ways around the other layers, or into kernel attack surface a test never needs.
  for (const int nr : {SCMP_SYS(ptrace),
                       SCMP_SYS(process_vm_readv),
                       SCMP_SYS(process_vm_writev),
                       SCMP_SYS(io_uring_setup),
                       SCMP_SYS(io_uring_enter),
                       SCMP_SYS(io_uring_register),
                       SCMP_SYS(bpf),
                       SCMP_SYS(perf_event_open),
                       SCMP_SYS(userfaultfd),
                       SCMP_SYS(keyctl),
                       SCMP_SYS(add_key),
                       SCMP_SYS(request_key),
                       SCMP_SYS(unshare),
                       SCMP_SYS(setns),
                       SCMP_SYS(mount),
                       SCMP_SYS(umount2),
                       SCMP_SYS(pivot_root),
                       SCMP_SYS(chroot),
                       SCMP_SYS(open_by_handle_at),
                       SCMP_SYS(name_to_handle_at),
                       SCMP_SYS(kexec_load),
                       SCMP_SYS(init_module),
                       SCMP_SYS(finit_module),
                       SCMP_SYS(delete_module)}) {
    rule(SCMP_ACT_ERRNO(EPERM), nr);
  }
  // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes glibc use clone,
  // whose flags can be checked for new namespaces.
  rule(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));
  for (const std::uint64_t flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID,
                                   CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP}) {
    rule(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), {{0, SCMP_CMP_MASKED_EQ, flag, flag}});
  }
  UniqueFd memory(memfd_create("rbench-seccomp", MFD_CLOEXEC));
  if (!memory) fail_errno("memfd_create");
  if (const int rc = seccomp_export_bpf(ctx.get(), memory.get()); rc < 0) {
    throw Error(fmt::format("sandbox: seccomp_export_bpf: {}", errno_text(-rc)));
  }
  const off_t size = lseek(memory.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) throw Error("sandbox: bad seccomp export");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(memory.get(), program.data(), static_cast<std::size_t>(size), 0) != size) {
    fail_errno("reading the seccomp export");
  }
  return program;
}

// --- the child ---------------------------------------------------------------------------------
// Steps the child reports when they fail (kind 1 on the control pipe), in order.
enum Step : int {
  kStepSetsid,
  kStepSetgroupsDeny,
  kStepUidMap,
  kStepGidMap,
  kStepMountPrivate,
  kStepMountTmpfs,
  kStepMountShm,
  kStepRlimit,
  kStepDropGroups,
  kStepDropGid,
  kStepDropUid,
  kStepNoNewPrivs,
  kStepLandlockRule,
  kStepLandlockRestrict,
  kStepSeccomp,
  kStepClonePython,
  kStepMoveFds,
  kStepCloseFds,
  kStepChdir,
  kStepClone,  // the parent's clone() itself
};
constexpr std::array<const char*, 20> kStepNames = {"setsid",
                                                    "setgroups deny",
                                                    "uid_map",
                                                    "gid_map",
                                                    "mount private",
                                                    "mount tmpfs",
                                                    "mount /dev/shm",
                                                    "setrlimit",
                                                    "setgroups",
                                                    "setresgid",
                                                    "setresuid",
                                                    "no_new_privs",
                                                    "landlock_add_rule",
                                                    "landlock_restrict_self",
                                                    "seccomp",
                                                    "clone (python)",
                                                    "dup",
                                                    "close_range",
                                                    "chdir",
                                                    "clone"};
static_assert(kStepNames.size() == kStepClone + 1);

bool namespace_step(int step) {
  return step == kStepClone || step == kStepSetgroupsDeny || step == kStepUidMap ||
         step == kStepGidMap || step == kStepMountPrivate || step == kStepMountTmpfs ||
         step == kStepMountShm || step == kStepDropGroups || step == kStepDropGid ||
         step == kStepDropUid;
}
bool landlock_step(int step) {
  return step == kStepLandlockRule || step == kStepLandlockRestrict;
}

enum ControlKind : std::int32_t { kSetupFailed = 1, kExecFailed = 2, kPythonStatus = 3 };
struct ControlMessage {
  std::int32_t kind, step, value;
};

// Everything the child needs, prepared before clone(): the child only reads it.
struct ChildPlan {
  const char* python = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* run_dir = nullptr;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1, program_fd = -1, result_fd = -1;
  int control_fd = -1;
  int landlock_fd = -1;
  std::uint64_t run_dir_access = 0;
  const sock_fprog* seccomp = nullptr;
  std::array<std::pair<int, rlimit>, 6> limits{};
  bool user_ns = false, pid_ns = false, tmpfs = false, shm = false, drop = false;
  const char* uid_map = nullptr;
  const char* gid_map = nullptr;
  const char* tmpfs_options = nullptr;
  int max_fd = 1024;  // for the close loop where close_range is missing
};

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

// Runs in the cloned child: async-signal-safe calls only (no allocation, no locks, raw syscalls
// for the ids: glibc's setuid would try to signal threads that do not exist here).
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

// --- the parent's side of a run ------------------------------------------------------------------
// Kills and reaps the child however the run ends, exceptions included.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) reap(nullptr);
  }

  // The whole group, then the leader (in a PID namespace, the leader is our init: killing it
  // kills the namespace). Only while the leader is unreaped, so that the ids cannot be reused.
  void kill() const {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  bool exited() const {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_;
  }
  // Kills what is left of the group and collects the leader's status and resource usage.
  int reap(rusage* usage) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (wait4(pid_, &status, 0, usage) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

// The first output_keep_bytes of a stream, and the count of all of it.
struct Head {
  std::size_t keep;
  std::string text;
  std::uint64_t total = 0;
  void add(std::string_view data) {
    total += data.size();
    if (text.size() < keep) text.append(data.substr(0, keep - text.size()));
  }
};

// The last output_keep_bytes of a stream (trimmed in amortised steps), and the count.
struct Tail {
  std::size_t keep;
  std::string text;
  std::uint64_t total = 0;
  void add(std::string_view data) {
    total += data.size();
    if (data.size() >= keep) {
      text.assign(data.substr(data.size() - keep));
      return;
    }
    text.append(data);
    if (text.size() > 2 * keep) text.erase(0, text.size() - keep);
  }
  std::string kept() const { return text.size() > keep ? text.substr(text.size() - keep) : text; }
};

// Completion records from the result pipe: one JSON object per line. A line carrying the run's
// nonce is the driver's; any other record-like line was forged by the program.
class RecordReader {
 public:
  explicit RecordReader(std::string nonce) : nonce_(std::move(nonce)) {}

  void add(std::string_view data) {
    while (!data.empty()) {
      const auto newline = data.find('\n');
      const std::string_view piece = data.substr(0, newline);
      if (!skipping_) {
        if (partial_.size() + piece.size() > kMaxLine) {
          skipping_ = true;  // no record is this long: drop the line without keeping it
          partial_.clear();
        } else {
          partial_.append(piece);
        }
      }
      if (newline == std::string_view::npos) return;
      if (!skipping_) line(partial_);
      partial_.clear();
      skipping_ = false;
      data.remove_prefix(newline + 1);
    }
  }
  void finish() {
    if (!skipping_ && !partial_.empty()) line(partial_);
    partial_.clear();
  }

  int valid = 0;
  int forged = 0;
  std::string status, message;

 private:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  void line(std::string_view text) {
    if (text.find('{') == std::string_view::npos) return;
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      ++forged;
      return;
    }
    const auto nonce = doc.FindMember("nonce");
    const auto status = doc.FindMember("status");
    const auto message = doc.FindMember("message");
    const bool ours =
        nonce != doc.MemberEnd() && nonce->value.IsString() &&
        std::string_view(nonce->value.GetString(), nonce->value.GetStringLength()) == nonce_ &&
        status != doc.MemberEnd() && status->value.IsString();
    if (!ours) {
      ++forged;
      return;
    }
    if (valid++ == 0) {
      this->status = status->value.GetString();
      if (message != doc.MemberEnd() && message->value.IsString()) {
        this->message.assign(message->value.GetString(), message->value.GetStringLength());
      }
    }
  }

  std::string nonce_;
  std::string partial_;
  bool skipping_ = false;
};

// Reads what is available; false once the stream has ended.
template <typename Sink>
bool pump(int fd, Sink&& sink) {
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink(std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// A fresh directory per run, removed with everything in it afterwards. The program may leave
// directories without permissions behind; removal restores them first.
class RunDir {
 public:
  RunDir(const std::string& root, std::optional<std::pair<uid_t, gid_t>> owner) {
    std::string pattern = root + "/rbench-sandbox-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      fail_errno(fmt::format("cannot create a run directory under {}", root));
    }
    path_ = pattern;
    if (owner && chown(path_.c_str(), owner->first, owner->second) != 0) {
      const int err = errno;
      remove(path_);
      errno = err;
      fail_errno(fmt::format("chown {}", path_));
    }
  }
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;
  ~RunDir() { remove(path_); }

  const std::string& path() const { return path_; }

 private:
  static void remove(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!ec) return;
    force_writable(path);
    std::filesystem::remove_all(path, ec);
  }
  static void force_writable(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec))) return;
    ::chmod(dir.c_str(), 0700);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      force_writable(entry.path());
    }
  }

  std::string path_;
};

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

std::string last_line(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  const auto newline = text.rfind('\n');
  std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
  if (line.size() > 200) line = line.substr(0, 200);
  return std::string(line);
}

// Which layers a run uses; chosen once by the constructor's probe.
struct Layers {
  bool user_ns = false;
  bool net_ns = false;
  bool pid_ns = false;
  bool tmpfs = false;  // a mount namespace with a private tmpfs as the run directory
  bool drop_to_nobody = false;
  int landlock_abi = 0;

  unsigned long clone_flags() const {
    unsigned long flags = 0;
    if (user_ns) flags |= CLONE_NEWUSER;
    if (net_ns) flags |= CLONE_NEWNET;
    if (pid_ns) flags |= CLONE_NEWPID;
    if (tmpfs) flags |= CLONE_NEWNS;
    return flags;
  }
};

// What every run shares; fixed by the constructor.
struct RunPlan {
  Layers layers;
  std::vector<sock_filter> seccomp;
  std::vector<std::string> read_roots;
  std::string temp_root;
  bool has_dev_shm = false;
  uid_t uid = 0;
  gid_t gid = 0;
  int max_fd = 1024;
};

struct Attempt {
  Result result;
  int failed_step = -1;  // the setup step that failed, -1 when none did
  bool exec_failed = false;
};

// What came back from a run, before it is judged.
struct Collected {
  Head head;
  Tail tail;
  RecordReader records;
  bool timed_out = false;
  int status = 0;  // the clone child's wait status (our init's, in a PID namespace)
  double wall_s = 0, cpu_s = 0;
  std::optional<int> python_status;
  std::optional<ControlMessage> setup_failure, exec_failure;
};

// Pumps the pipes until the child exits or the deadline passes, then kills what is left of the
// process group (the whole PID namespace, where there is one) and reaps it.
void supervise(ChildProcess& process, UniqueFd pidfd, std::array<UniqueFd*, 3> streams,
               const UniqueFd& control, Clock::time_point start, double timeout_s, bool pid_ns,
               Collected& c) {
  const auto drain = [&](std::size_t i) {
    const auto sink = [&](std::string_view data) {
      if (i == 0) c.head.add(data);
      if (i == 1) c.tail.add(data);
      if (i == 2) c.records.add(data);
    };
    if (!pump(streams[i]->get(), sink)) streams[i]->reset();
  };
  // Returns whether the pidfd said the child exited.
  const auto poll_streams = [&](int timeout_ms, bool with_pidfd) {
    std::array<pollfd, 4> fds{};
    for (std::size_t i = 0; i < streams.size(); ++i) fds[i] = {streams[i]->get(), POLLIN, 0};
    fds[3] = {with_pidfd ? pidfd.get() : -1, POLLIN, 0};
    if (poll(fds.data(), fds.size(), timeout_ms) < 0) return false;
    for (std::size_t i = 0; i < streams.size(); ++i) {
      if (fds[i].revents != 0 && *streams[i]) drain(i);
    }
    return with_pidfd && fds[3].revents != 0;
  };

  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) {
      c.timed_out = !process.exited();
      break;
    }
    auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (!pidfd) wait_ms = std::min<long long>(wait_ms, 10);  // no pidfd: poll for the exit
    const bool exited = poll_streams(static_cast<int>(std::min<long long>(wait_ms, 1000)),
                                     static_cast<bool>(pidfd));
    if ((exited || !pidfd) && process.exited()) break;
  }
  if (c.timed_out) process.kill();
  rusage usage{};
  c.status = process.reap(&usage);
  c.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  c.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;

  // The group is dead; what it wrote is still in the pipes. Outside a PID namespace a process
  // that left the group could hold a pipe open: stop waiting for it after a moment.
  const auto drain_until = Clock::now() + std::chrono::milliseconds(250);
  while (std::any_of(streams.begin(), streams.end(), [](UniqueFd* fd) { return bool(*fd); }) &&
         Clock::now() < drain_until) {
    poll_streams(50, false);
  }
  c.records.finish();

  if (!pid_ns) c.python_status = c.status;
  ControlMessage message{};
  while (::read(control.get(), &message, sizeof message) == static_cast<ssize_t>(sizeof message)) {
    if (message.kind == kSetupFailed) c.setup_failure = message;
    if (message.kind == kExecFailed) c.exec_failure = message;
    if (message.kind == kPythonStatus) c.python_status = message.value;
  }
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

// One run, start to end. Never throws: our own failures are sandbox_error.
Attempt execute(const RunPlan& plan, const Layers& layers, const std::string& python,
                const Program& program, const Limits& limits, double timeout_s) {
  Attempt attempt;
  Result& r = attempt.result;
  r.timeout_s = timeout_s;
  try {
    const bool drop = layers.drop_to_nobody;
    const uid_t uid = drop ? kNobody : plan.uid;
    const gid_t gid = drop ? kNogroup : plan.gid;
    RunDir dir(plan.temp_root, drop ? std::optional(std::pair(uid, gid)) : std::nullopt);
    const std::string nonce = random_hex(16);
    UniqueFd program_fd = program_file(program, nonce);
    Pipe out = make_pipe(), err = make_pipe(), result = make_pipe(), control = make_pipe();
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null) fail_errno("open /dev/null");
    UniqueFd ruleset;
    if (layers.landlock_abi > 0) ruleset = landlock::ruleset(layers.landlock_abi, plan.read_roots);

    std::vector<std::string> args = {python, "-s", "-B", "-c", std::string(detail::kDriverSource)};
    std::vector<std::string> env = {"PATH=/usr/bin:/bin",   "HOME=" + dir.path(),
                                    "TMPDIR=" + dir.path(), "LANG=C.UTF-8",
                                    "PYTHONHASHSEED=0",     "PYTHONDONTWRITEBYTECODE=1",
                                    "PYTHONNOUSERSITE=1",   "PYTHONSAFEPATH=1"};
    const std::vector<char*> argv = c_strings(args);
    const std::vector<char*> envp = c_strings(env);
    const std::string uid_map = fmt::format("{0} {0} 1\n", plan.uid);
    const std::string gid_map = fmt::format("{0} {0} 1\n", plan.gid);
    const std::string tmpfs_options = fmt::format("size={},nr_inodes={},mode=0700,uid={},gid={}",
                                                  limits.disk_bytes, 1 << 16, uid, gid);
    const sock_fprog seccomp{static_cast<unsigned short>(plan.seccomp.size()),
                             const_cast<sock_filter*>(plan.seccomp.data())};

    // Never above what we may set (a non-root user cannot raise a hard limit).
    const auto limit = [](int resource, rlim_t value, rlim_t hard_extra = 0) {
      rlimit current{};
      getrlimit(static_cast<__rlimit_resource_t>(resource), &current);
      const rlim_t cap = current.rlim_max;
      const auto clamp = [&](rlim_t v) { return cap == RLIM_INFINITY ? v : std::min(v, cap); };
      return std::pair(resource, rlimit{clamp(value), clamp(value + hard_extra)});
    };
    const auto cpu_seconds = static_cast<rlim_t>(std::ceil(timeout_s)) + 1;

    ChildPlan child;
    child.python = python.c_str();
    child.argv = argv.data();
    child.envp = envp.data();
    child.run_dir = dir.path().c_str();
    child.stdin_fd = null.get();
    child.stdout_fd = out.write.get();
    child.stderr_fd = err.write.get();
    child.program_fd = program_fd.get();
    child.result_fd = result.write.get();
    child.control_fd = control.write.get();
    child.landlock_fd = ruleset ? ruleset.get() : -1;
    child.run_dir_access = landlock::fs_rights(layers.landlock_abi);
    child.seccomp = plan.seccomp.empty() ? nullptr : &seccomp;
    child.limits = {
        // SIGXCPU at the soft limit, SIGKILL a second later if it is caught.
        limit(RLIMIT_CPU, cpu_seconds, 1),
        limit(RLIMIT_AS, limits.address_space_bytes),
        limit(RLIMIT_FSIZE, limits.file_size_bytes),
        limit(RLIMIT_NOFILE, static_cast<rlim_t>(limits.open_files)),
        // Counted per real user (threads included) and ignored for root, hence the drop to
        // nobody; shared with the other runs of nobody, so their current count is the base.
        limit(RLIMIT_NPROC, count_tasks(uid) + static_cast<rlim_t>(limits.processes)),
        // 1, not 0: a limit of 1 also stops core dumps piped to a handler (core_pattern "|...").
        limit(RLIMIT_CORE, 1),
    };
    child.user_ns = layers.user_ns;
    child.pid_ns = layers.pid_ns;
    child.tmpfs = layers.tmpfs;
    child.shm = layers.tmpfs && plan.has_dev_shm;
    child.drop = drop;
    child.uid_map = uid_map.c_str();
    child.gid_map = gid_map.c_str();
    child.tmpfs_options = tmpfs_options.c_str();
    child.max_fd = plan.max_fd;

    const auto start = Clock::now();
    const long pid =
        syscall(SYS_clone, layers.clone_flags() | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) child_main(child);
    if (pid < 0) {
      attempt.failed_step = kStepClone;
      r.message = fmt::format("sandbox setup failed at clone: {}", errno_text(errno));
      return attempt;
    }
    ChildProcess process(static_cast<pid_t>(pid));
    for (UniqueFd* fd :
         {&out.write, &err.write, &result.write, &control.write, &program_fd, &null, &ruleset}) {
      fd->reset();
    }
    for (const UniqueFd* fd : {&out.read, &err.read, &result.read, &control.read}) {
      fcntl(fd->get(), F_SETFL, O_NONBLOCK);
    }
    Collected collected{Head{limits.output_keep_bytes}, Tail{limits.output_keep_bytes},
                        RecordReader(nonce)};
    supervise(process, UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))),
              {&out.read, &err.read, &result.read}, control.read, start, timeout_s, layers.pid_ns,
              collected);
    judge(collected, python, timeout_s, cpu_seconds, attempt);
  } catch (const std::exception& e) {
    r.outcome = Outcome::sandbox_error;
    r.message = e.what();
  }
  return attempt;
}

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

}  // namespace

// --- Sandbox -------------------------------------------------------------------------------------
struct Sandbox::Plan : RunPlan {};

Sandbox::Sandbox(Options options) : options_(std::move(options)) {
  const Limits& limits = options_.limits;
  if (!(limits.timeout_s > 0) || !(options_.speed_factor >= 0) || limits.open_files < 8 ||
      limits.processes < 1 || limits.output_keep_bytes == 0) {
    throw UsageError(
        "sandbox: limits need a positive timeout, at least 8 open files and 1 process, a kept "
        "output size, and a speed factor >= 0");
  }
  auto plan = std::make_shared<Plan>();
  plan->uid = getuid();
  plan->gid = getgid();
  if (!options_.temp_root.empty()) {
    plan->temp_root = std::filesystem::absolute(options_.temp_root).string();
  } else if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) {
    plan->temp_root = tmp;
  } else {
    plan->temp_root = "/tmp";
  }
  plan->seccomp = seccomp_program();
  plan->read_roots = landlock::read_roots();
  plan->has_dev_shm = std::filesystem::is_directory("/dev/shm");
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0) {
    plan->max_fd = static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20));
  }

  // From the most isolated to the least: the first rung that runs the probe program is kept.
  const int abi = landlock::abi();
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
  const std::vector<std::string> pythons = python_candidates(options_.python);
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
        execute(*plan, ladder[rung], pythons[which], probe, options_.limits, 60);
    if (attempt.result.outcome == Outcome::passed) break;
    if (landlock_step(attempt.failed_step) && ladder[rung].landlock_abi > 0) {
      for (Layers& layers : ladder) layers.landlock_abi = 0;
    } else if (namespace_step(attempt.failed_step) && rung + 1 < ladder.size()) {
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
  plan->layers = ladder[rung];
  python_ = pythons[which];
  const Layers& chosen = plan->layers;
  isolation_.network_namespace = chosen.net_ns;
  isolation_.pid_namespace = chosen.pid_ns;
  isolation_.user_namespace = chosen.user_ns;
  isolation_.seccomp = !plan->seccomp.empty();
  isolation_.landlock_abi = chosen.landlock_abi;
  isolation_.dropped_to_nobody = chosen.drop_to_nobody;
  isolation_.private_tmpfs = chosen.tmpfs;
  isolation_.tmpfs_bytes = chosen.tmpfs ? options_.limits.disk_bytes : 0;
  plan_ = std::move(plan);

  if (!isolation_.network_namespace) {
    fmt::print(stderr,
               "\n*** WARNING (rbench sandbox): no network namespace could be created on this "
               "machine.\n*** Generated code runs on the host's network; only the seccomp filter "
               "(no Internet sockets) keeps it off.\n*** Allow unprivileged user namespaces or "
               "run as root for full isolation.\n\n");
  }
  if (geteuid() == 0 && !isolation_.dropped_to_nobody) {
    fmt::print(stderr,
               "\n*** WARNING (rbench sandbox): could not drop to user nobody; generated code "
               "runs as root.\n\n");
  }
  if (options_.speed_factor == 0) options_.speed_factor = calibrate();
}

Result Sandbox::run_for(const Program& program, double timeout_s) const {
  return execute(*plan_, plan_->layers, python_, program, options_.limits, timeout_s).result;
}

Result Sandbox::run(const Program& program) const {
  return run_for(program, options_.limits.timeout_s * options_.speed_factor);
}

double Sandbox::calibrate() const {
  Program workload;
  workload.candidate = std::string(kCalibrationWorkload);
  double fastest = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 3; ++i) {
    const Result result = run_for(workload, 60);
    double seconds = 0;
    if (result.outcome != Outcome::passed ||
        std::sscanf(result.stdout_head.c_str(), "%lf", &seconds) != 1 || !(seconds > 0)) {
      throw Error(fmt::format("sandbox: the calibration workload did not run: {} {}",
                              to_string(result.outcome), result.message));
    }
    fastest = std::min(fastest, seconds);
  }
  return std::max(1.0, fastest / kReferenceSeconds);
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
