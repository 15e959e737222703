// The parent's side of a sandbox run (see process_control.h).
#include "scorers/code/process_control.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace rbench::sandbox::detail {

RunDir::RunDir(const std::string& root, std::optional<std::pair<uid_t, gid_t>> owner) {
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

void RunDir::remove(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (!ec) return;
  force_writable(path);
  std::filesystem::remove_all(path, ec);
}

void RunDir::force_writable(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec))) return;
  ::chmod(dir.c_str(), 0700);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    force_writable(entry.path());
  }
}

void supervise(Process& process, UniqueFd pidfd, std::array<UniqueFd*, 3> streams,
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

}  // namespace rbench::sandbox::detail
