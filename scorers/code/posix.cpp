// Small POSIX helpers of the sandbox (see posix.h).
#include "scorers/code/posix.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "harness/core/error.h"

namespace rbench::sandbox::detail {

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

[[noreturn]] void fail_errno(std::string_view what) {
  throw Error(fmt::format("sandbox: {}: {}", what, errno_text(errno)));
}

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

}  // namespace rbench::sandbox::detail
