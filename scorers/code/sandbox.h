// The code sandbox: runs an untrusted Python program and its tests as `python3` in a fresh
// temporary directory, isolated from the network, the file system outside that directory, the
// other processes and the harness itself, and says how the run ended.
//
// Generated code is hostile until proven otherwise. Every layer the kernel offers is used, and
// which ones are in force on this machine is reported (Isolation::describe), never assumed:
//  - its own process group and session; a wall-clock timeout kills the whole group;
//  - a new network namespace and PID namespace through clone flags where the kernel allows it
//    (as root directly, otherwise inside a new user namespace); in the PID namespace a tiny init
//    of ours is PID 1, so killing it kills everything the program started; where no namespace
//    can be had, a loud warning once and the seccomp filter alone keeps the program off the
//    network;
//  - a mount namespace where the run directory and /dev/shm are private tmpfs of
//    Limits::disk_bytes each, so the program cannot fill the disk or share memory files with
//    other runs (where mounts are not allowed: a directory on temp_root, and no /dev/shm);
//  - a seccomp filter, in every case: socket() for anything but AF_UNIX fails with EACCES (so
//    AF_INET, AF_INET6, AF_PACKET and AF_NETLINK do), and so do ptrace, io_uring, new
//    namespaces, mount, bpf, keyctl and the like;
//  - Landlock where the kernel has it: reads everywhere but /proc, writes only inside the run's
//    directory (and /dev/null), no TCP connect or bind (ABI 4+), no signals or abstract UNIX
//    sockets to processes outside the sandbox (ABI 6+);
//  - when rbench runs as root, the program runs as an unprivileged user (nobody, 65534);
//  - rlimits on CPU seconds, address space, file size, open files, processes and core dumps;
//  - a minimal environment, no inherited file descriptors, stdin from /dev/null.
//
// Passing is decided by the trusted driver, never by the program's exit status or output: the
// driver runs the candidate, then the tests, then (for HumanEval) check(entry_point), and only
// then writes a completion record carrying a per-run random nonce to a pipe that is neither
// stdout nor stderr. An early sys.exit(0) or os._exit(0), a printed fake marker, a fake record
// written to every file descriptor, or builtins patched (or shadowed by a global `def abs`) in the
// candidate's module code do not pass. The driver's protection is best effort inside one Python
// process: driver.py says what its audit hook stops and what it cannot stop (code
// written specifically against this driver: it walks frame.f_back up to the driver, or patches
// what the tests use while the tests call it). The kernel layers above do not depend on it.
//
// The interpreter runs as `python3 -s -B -c <driver>` rather than with -I: -I implies -E, which
// would ignore PYTHONHASHSEED=0 (set orderings would vary between runs); the environment is ours
// anyway, and the driver drops the run directory from sys.path as -I would.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace rbench::sandbox {

enum class Outcome {
  passed,         // the driver's completion record arrived with the right nonce: tests passed
  failed,         // a test failed (message: the failing assertion), or the program raised,
                  // exited early or never completed the tests
  timeout,        // wall-clock or CPU-time limit reached; the whole process group was killed
  crashed,        // killed by a signal (segfault, SIGXFSZ, memory limit abort, ...)
  sandbox_error,  // the sandbox itself failed (python3 missing, no temp dir): not the program's
                  // fault, so not a verdict
};

std::string_view to_string(Outcome outcome);

struct Limits {
  double timeout_s = 10;  // per run, in reference seconds (scaled by Options::speed_factor)
  std::size_t address_space_bytes = std::size_t{4} << 30;
  std::size_t file_size_bytes = std::size_t{64} << 20;  // largest file the program may write
  std::size_t disk_bytes = std::size_t{256} << 20;      // all its files (private tmpfs, RAM)
  int open_files = 256;
  int processes = 32;                         // beyond those the user already runs
  std::size_t output_keep_bytes = 16 * 1024;  // stdout head / stderr tail kept
};

struct Options {
  // Fork the programs from a pre-started interpreter (the zygote, zygote.h) instead of each
  // starting its own: the same layers, a fork instead of an interpreter start. Off by default:
  // on the 2-core development VM, where a page fault costs 20-40 us, the zygote's three forks
  // and copy-on-write faults cost more than an interpreter start (README, code sandbox figures).
  // Where the zygote does not start, every program execs python3, with a warning.
  bool zygote = false;
  // Resolved through PATH when it has no slash: the first one there that runs in the sandbox (a
  // pyenv shim, or an interpreter under a root-only home, does not run as nobody and is skipped).
  std::filesystem::path python = "python3";
  std::filesystem::path temp_root;  // parent of the per-run directories; "" = $TMPDIR
                                    // or /tmp (never inside the project)
  Limits limits;
  // Multiplies every time limit, so a slow or loaded machine does not turn right answers into
  // timeouts. 0 = measure it once at construction (Sandbox::calibrate) against the reference.
  double speed_factor = 1;
};

// One program to run. The driver executes, in one module namespace: setup, candidate, tests,
// then `check(<entry_point>)` when entry_point is non-empty.
struct Program {
  std::string setup;        // e.g. MBPP test_setup_code, imports the tests need
  std::string candidate;    // the model's program (already extracted and stitched)
  std::string tests;        // test code (HumanEval's `test` defining check, MBPP's asserts)
  std::string entry_point;  // function passed to check(); "" = the tests call by name
};

struct Result {
  Outcome outcome = Outcome::sandbox_error;
  std::string message;      // one line: the failing assertion with its test line, the exception,
                            // "exited with status 0 before the tests completed", the signal, ...
  int exit_status = -1;     // the process's exit status when it exited; -1 otherwise
  int signal = 0;           // the signal that ended it, 0 when none
  double wall_s = 0;        // measured
  double cpu_s = 0;         // user + system of the whole group, as far as the kernel reports it
  double timeout_s = 0;     // the limit that applied (after scaling)
  std::string stdout_head;  // the first Limits::output_keep_bytes, invalid UTF-8 replaced
  std::string stderr_tail;  // the last Limits::output_keep_bytes, invalid UTF-8 replaced
  std::uint64_t stdout_bytes = 0;  // everything the program wrote, kept or not
  std::uint64_t stderr_bytes = 0;
};

// Which layers are actually in force on this machine, probed when the Sandbox is built.
struct Isolation {
  bool network_namespace = false;
  bool pid_namespace = false;
  bool user_namespace = false;  // used to get the other namespaces without root
  bool seccomp = false;         // the socket filter
  int landlock_abi = 0;         // 0 = not available
  bool dropped_to_nobody = false;
  bool private_tmpfs = false;  // the run directory (and /dev/shm) is a private tmpfs
  std::size_t tmpfs_bytes = 0;
  std::string describe() const;  // one line per layer, for logs and the run's note
};

// The zygote that forks the programs: what `rbench sandbox info` shows.
struct ZygoteInfo {
  bool enabled = false;  // false: every program starts its own interpreter
  std::string why_not;   // when not enabled: off in the options, or what failed
  long pid = 0;          // 0 when none runs (it starts with the first program)
  bool running = false;
  std::chrono::system_clock::time_point started{};
  std::uint64_t forks = 0;  // programs forked, over every restart
  int restarts = 0;         // zygotes started after one died or stopped answering
};

namespace detail {
class Zygote;
}

class Sandbox {
 public:
  // Probes the kernel (namespaces, Landlock, seccomp) and finds python3. Throws rbench::Error
  // when python3 cannot be found or run at all. Prints the loud warning, once per Sandbox, to
  // stderr when no network namespace can be had.
  explicit Sandbox(Options options = {});

  // Runs one program; thread-safe, and meant to be called from many threads at once. Never
  // throws for anything the program does; sandbox failures are Outcome::sandbox_error.
  Result run(const Program& program) const;

  const Isolation& isolation() const { return isolation_; }
  double speed_factor() const { return options_.speed_factor; }
  const std::string& python() const { return python_; }  // the interpreter in use
  ZygoteInfo zygote() const;

  // The speed factor of this machine: the time a fixed pure-Python workload takes in the
  // sandbox divided by its time on the reference machine, never below 1.
  double calibrate() const;

 private:
  struct Plan;  // what the constructor probed: the layers in force, the seccomp program
  Result run_for(const Program& program, double timeout_s) const;
  void start_zygote();

  Options options_;
  Isolation isolation_;
  std::string python_;
  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<const detail::Zygote> zygote_;  // null: every program execs python3
  std::string zygote_why_not_;
};

}  // namespace rbench::sandbox
