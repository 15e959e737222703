// The parent's side of a run: the child process, killed and reaped however the run ends; the
// run's directory, removed afterwards; and the supervision loop that pumps the child's pipes
// until it exits or its time is up.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "scorers/code/child.h"
#include "scorers/code/output_capture.h"
#include "scorers/code/posix.h"

namespace rbench::sandbox::detail {

using Clock = std::chrono::steady_clock;

// The process a run supervises: our own clone() child, or the zygote's child (zygote.h), which
// only the zygote can wait for.
class Process {
 public:
  virtual ~Process() = default;
  // Kills the whole group, then the leader (in a PID namespace, the leader is our init: killing
  // it kills the namespace), while the leader is unreaped, so that the ids cannot be reused.
  virtual void kill() const = 0;
  virtual bool exited() const = 0;
  // Kills what is left of the group and collects the leader's status and resource usage.
  virtual int reap(rusage* usage) = 0;
};

// Kills and reaps the child however the run ends, exceptions included.
class ChildProcess final : public Process {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() override {
    if (pid_ > 0) reap(nullptr);
  }

  void kill() const override {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  bool exited() const override {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_;
  }
  int reap(rusage* usage) override {
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

// A fresh directory per run, removed with everything in it afterwards. The program may leave
// directories without permissions behind; removal restores them first.
class RunDir {
 public:
  RunDir(const std::string& root, std::optional<std::pair<uid_t, gid_t>> owner);
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;
  ~RunDir() { remove(path_); }

  const std::string& path() const { return path_; }

 private:
  static void remove(const std::filesystem::path& path);
  static void force_writable(const std::filesystem::path& dir);

  std::string path_;
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
void supervise(Process& process, UniqueFd pidfd, std::array<UniqueFd*, 3> streams,
               const UniqueFd& control, Clock::time_point start, double timeout_s, bool pid_ns,
               Collected& c);

}  // namespace rbench::sandbox::detail
