// The sandbox's seccomp filter, built with libseccomp (see seccomp_filter.h).
#include "scorers/code/seccomp_filter.h"

#include <fmt/format.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>

#include "harness/core/error.h"
#include "scorers/code/posix.h"

namespace rbench::sandbox::detail {

std::vector<sock_filter> seccomp_program() {
  const std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                             seccomp_release);
  if (!ctx) throw Error("sandbox: seccomp_init failed");
  const auto rule = [&](std::uint32_t action, int nr, std::vector<scmp_arg_cmp> args = {}) {
    const int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(args.size()),
                                          args.data());
    if (rc < 0) throw Error(fmt::format("sandbox: seccomp rule for syscall {}: {}", nr, -rc));
  };
  // Only AF_UNIX sockets: AF_INET, AF_INET6, AF_PACKET, AF_NETLINK and the rest get EACCES.
  rule(SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), {{0, SCMP_CMP_NE, AF_UNIX, 0}});
  // Ways around the other layers, or into kernel attack surface a test never needs.
  for (const int nr : {SCMP_SYS(ptrace),
                       SCMP_SYS(process_vm_readv),
                       SCMP_SYS(process_vm_writev),
                       SCMP_SYS(io_uring_setup),
                       SCMP_SYS(io_uring_enter),
                       SCMP_SYS(io_uring_register),
                       SCMP_SYS(bpf),
                       SCMP_SYS(perf_event_open),
                       SCMP_SYS(userfaultfd),
                       SCMP_SYS(keyctl),
                       SCMP_SYS(add_key),
                       SCMP_SYS(request_key),
                       SCMP_SYS(unshare),
                       SCMP_SYS(setns),
                       SCMP_SYS(mount),
                       SCMP_SYS(umount2),
                       SCMP_SYS(pivot_root),
                       SCMP_SYS(chroot),
                       SCMP_SYS(open_by_handle_at),
                       SCMP_SYS(name_to_handle_at),
                       SCMP_SYS(kexec_load),
                       SCMP_SYS(init_module),
                       SCMP_SYS(finit_module),
                       SCMP_SYS(delete_module)}) {
    rule(SCMP_ACT_ERRNO(EPERM), nr);
  }
  // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes glibc use clone,
  // whose flags can be checked for new namespaces.
  rule(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));
  for (const std::uint64_t flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID,
                                   CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP}) {
    rule(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), {{0, SCMP_CMP_MASKED_EQ, flag, flag}});
  }
  UniqueFd memory(memfd_create("rbench-seccomp", MFD_CLOEXEC));
  if (!memory) fail_errno("memfd_create");
  if (const int rc = seccomp_export_bpf(ctx.get(), memory.get()); rc < 0) {
    throw Error(fmt::format("sandbox: seccomp_export_bpf: {}", errno_text(-rc)));
  }
  const off_t size = lseek(memory.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) throw Error("sandbox: bad seccomp export");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(memory.get(), program.data(), static_cast<std::size_t>(size), 0) != size) {
    fail_errno("reading the seccomp export");
  }
  return program;
}

}  // namespace rbench::sandbox::detail
