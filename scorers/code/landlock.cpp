// Landlock rulesets for the sandbox (see landlock.h).
#include "scorers/code/landlock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace rbench::sandbox::detail::landlock {
namespace {

struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

}  // namespace

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

}  // namespace rbench::sandbox::detail::landlock
