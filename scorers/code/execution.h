// One run of a program in the sandbox, start to end: the run directory, the driver's input, the
// child's plan, clone(), supervision and the verdict. The Sandbox (sandbox.cpp) chooses the
// layers once, by probing, and calls execute() for every run.
#pragma once

#include <linux/filter.h>
#include <sched.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "scorers/code/sandbox.h"

namespace rbench::sandbox::detail {

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
  bool zygote_lost = false;             // the zygote died or hung during the run: no verdict
  std::uint64_t zygote_generation = 0;  // which zygote it was
};

class Zygote;

// One run, start to end: forked by `zygote` when there is one, else cloned and exec'd here.
// Never throws: our own failures are sandbox_error.
Attempt execute(const RunPlan& plan, const Layers& layers, const std::string& python,
                const Program& program, const Limits& limits, double timeout_s,
                const Zygote* zygote = nullptr);

}  // namespace rbench::sandbox::detail
