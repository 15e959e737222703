// The sandbox's child: what runs between clone() and execve(). It applies the isolation layers
// (user and mount namespaces, tmpfs, rlimits, the drop to nobody, Landlock, seccomp), optionally
// becomes PID 1 of its PID namespace, and execs python. It reports a failed step to the parent
// on the control pipe.
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <utility>

namespace rbench::sandbox::detail {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

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
  kStepClone,     // the parent's clone() itself (the zygote's child: its unshare())
  kStepDropCaps,  // the zygote's child drops its capabilities (execve does it otherwise)
};
inline constexpr std::array<const char*, 21> kStepNames = {"setsid",
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
                                                           "clone",
                                                           "capset"};
static_assert(kStepNames.size() == kStepDropCaps + 1);

bool namespace_step(int step);  // fails where the kernel refuses namespaces: try fewer
bool landlock_step(int step);   // fails where Landlock does not work: do without it

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

// Runs in the cloned child: async-signal-safe calls only (no allocation, no locks, raw syscalls
// for the ids: glibc's setuid would try to signal threads that do not exist here).
[[noreturn]] void child_main(const ChildPlan& p) noexcept;

}  // namespace rbench::sandbox::detail
