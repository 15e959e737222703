// The sandbox's system-call filter: Internet sockets, ptrace, io_uring, new namespaces, mount,
// bpf, keyctl and the like are refused with an errno, everything else is allowed.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace rbench::sandbox::detail {

// Built once with libseccomp and exported as BPF, so the child only needs prctl().
std::vector<sock_filter> seccomp_program();

}  // namespace rbench::sandbox::detail
