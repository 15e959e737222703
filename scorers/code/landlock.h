// Landlock through raw system calls (the constants past ABI 2 are not in Debian 12's headers):
// the file-system, TCP and scope rules the sandboxed program runs under. The ruleset is built in
// the parent; the child adds the run directory's rule and restricts itself (child.cpp).
#pragma once

#include <sys/syscall.h>

#include <cstdint>
#include <string>
#include <vector>

#include "scorers/code/posix.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

namespace rbench::sandbox::detail::landlock {

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

struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

int abi();                         // the kernel's Landlock ABI; 0 = not available
std::uint64_t fs_rights(int abi);  // every file-system right the ABI knows

// Reads everywhere but /proc (no /proc/<pid>/mem, environ or cmdline of anyone), writes only
// to /dev/null; the run directory's rule is added in the child, after its tmpfs is mounted.
UniqueFd ruleset(int abi, const std::vector<std::string>& read_roots);

// The entries of "/" but /proc, sorted: the roots the program may read under.
std::vector<std::string> read_roots();

}  // namespace rbench::sandbox::detail::landlock
