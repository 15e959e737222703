// The sandbox's zygote, rbench's side: one pre-started python3 (zygote.py) that has imported
// what candidates need and forks one child per program; the child applies the same layers as
// child.cpp and runs the driver. A run then costs a fork, not an interpreter start.
//
// The zygote is started lazily, restarted when it dies, and never trusted with a verdict it did
// not finish: a run during which it died or stopped answering is reported as lost (the caller
// retries it once on a fresh zygote, then calls it a sandbox error).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "scorers/code/execution.h"
#include "scorers/code/posix.h"
#include "scorers/code/process_control.h"

namespace rbench::sandbox::detail {

// The status pipe's messages, zygote.py's `struct.pack("=iiqq", kind, 0, a, b)`.
struct ZygoteMessage {
  std::int32_t kind, pad;
  std::int64_t a, b;
};
enum ZygoteKind : std::int32_t { kForked = 1, kReaped = 2, kForkFailed = 3, kInit = 4 };

class Zygote {
 public:
  Zygote(std::string python, const RunPlan& plan);
  ~Zygote();
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  // Sends one run's request with its descriptors (stdin, stdout, stderr, program, result,
  // control, status and the optional ruleset, in that order). Returns the generation it went
  // to, or nullopt when no zygote could take it (then it was restarted, and `error` says why).
  std::optional<std::uint64_t> submit(const std::string& request, std::span<const int> fds,
                                      std::string& error) const;
  // The zygote of `generation` failed a run: the next submit starts a fresh one (once per
  // generation, however many runs saw it fail).
  void restart(std::uint64_t generation) const;
  void count_fork() const;

  ZygoteInfo info() const;

 private:
  struct Connection;
  std::shared_ptr<Connection> connection(std::string& error) const;
  std::shared_ptr<Connection> start(std::string& error) const;

  std::string python_;
  std::string config_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<Connection> current_;
  mutable ZygoteInfo info_;
  mutable std::uint64_t generations_ = 0;
};

// A run's child, forked by the zygote: its exit arrives on the status pipe, not from wait4().
// In a PID namespace the process killed on a timeout is our init there (the child's child, which
// leads the session), as in a run without the zygote; the child waits for it.
class ZygoteChild final : public Process {
 public:
  ZygoteChild(pid_t pid, const UniqueFd& status) : pid_(pid), status_fd_(status) {}
  ~ZygoteChild() override {
    if (!reaped_ && !lost_) reap(nullptr);
  }

  void kill() const override;
  bool exited() const override;
  int reap(rusage* usage) override;
  // The zygote died or stopped answering before it reported the child's end.
  bool lost() const { return lost_; }

 private:
  bool read_status(int timeout_ms) const;  // true once kReaped has arrived

  mutable pid_t pid_;  // the session's leader: the child, or in a PID namespace our init
  const UniqueFd& status_fd_;
  mutable bool reaped_ = false;
  mutable bool lost_ = false;
  mutable int wait_status_ = 0;
  mutable std::int64_t cpu_us_ = 0;
};

// Reads the first message of a run's status pipe: the forked child's pid, or nullopt when the
// zygote died or did not answer (`error` says which), or fork failed (errno in `fork_errno`).
std::optional<pid_t> await_fork(int status_fd, int& fork_errno, std::string& error);

}  // namespace rbench::sandbox::detail
