# The sandbox's zygote: one pre-started, single-threaded python3 that has imported what the
# candidates need and forks one child per program, so that a run costs a fork instead of an
# interpreter start. It runs as `python3 -s -B -c <this> <driver source>` (zygote.h), with
#  - fd 3: its control channel, a SOCK_SEQPACKET socket only it holds: first the configuration
#    (JSON: the seccomp program, the step numbers), then one request per program: JSON (the run
#    directory, the layers, the rlimits) with the run's descriptors attached (SCM_RIGHTS):
#    stdin, stdout, stderr, the program, the result pipe, the control pipe, the status pipe and,
#    where Landlock is in force, the run's ruleset;
#  - per run, the status pipe: "forked" with the child's pid, in a PID namespace "init" with the
#    pid of our init there (the child's child), then "reaped" with the child's wait status and
#    CPU time (the child is ours, not rbench's, so only we can wait for it).
#
# The child applies exactly the layers child.cpp applies before exec (same order, same failure
# reports on the control pipe): setsid, new user/network/PID/mount namespaces (unshare with
# clone()'s flags), the uid and gid maps, the private tmpfs run directory and /dev/shm, the
# rlimits, the drop to nobody, no_new_privs, Landlock, the seccomp program, and then drops every
# capability (what execve does today). In a PID namespace it forks our init (PID 1, which reaps
# and reports the program's status like child.cpp's) and the program. Before the candidate runs,
# the program closes every descriptor but 0-4 (the channel, the other runs' pipes), unwinds the
# zygote's frames and runs the trusted driver (driver.py) from a fresh copy-on-write state.
import sys


def _zygote():
    # What most HumanEval/MBPP candidates import, imported once here rather than once per run.
    import collections, functools, heapq, itertools, math, re, string, typing
    shared_modules = frozenset(sys.modules)
    import builtins, ctypes, fcntl, gc, json, os, select, signal, socket, struct
    # Modules only the zygote itself needs (its machinery, imported after the candidates' so that
    # what both use stays shared): a child drops them from sys.modules before the driver runs, so
    # that the driver's snapshot of the loaded modules does not copy them page by page out of the
    # zygote, and the candidate finds what an exec'd driver would.
    own_modules = frozenset(sys.modules) - shared_modules - frozenset(sys.builtin_module_names)

    # The driver ends with the call that runs it (driver.py): here it is made in each child.
    source, call = sys.argv[1], "\n_rbench()\n"
    if not source.endswith(call):
        raise ValueError("the driver does not end with its call")
    driver = {"__name__": "__rbench_driver__", "__builtins__": builtins}
    exec(compile(source[:-len(call) + 1], "<rbench driver>", "exec"), driver)
    del sys.argv[1:]  # the candidate sees argv as a `python3 -c` program does

    os.chdir("/")  # not rbench's directory: each child changes to its own
    channel = socket.socket(fileno=3)
    config = json.loads(channel.recv(1 << 20))
    steps = config["steps"]
    seccomp_bytes = bytes.fromhex(config["seccomp"])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    libc.syscall.restype = c_long = ctypes.c_long
    for name in ("unshare", "setrlimit", "capset"):  # looked up now, not once in every child
        getattr(libc, name)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    class Rlimit(ctypes.Structure):
        _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]

    seccomp_buffer = ctypes.create_string_buffer(seccomp_bytes, len(seccomp_bytes) or 1)
    seccomp = SockFprog(len(seccomp_bytes) // 8, ctypes.addressof(seccomp_buffer))
    seccomp.buffer = seccomp_buffer  # alive in the child too, once this frame has unwound
    cap_header = struct.pack("=Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    no_caps = bytes(24)  # two of {effective, permitted, inheritable}: all empty
    KIND_FORKED, KIND_REAPED, KIND_FORK_FAILED, KIND_INIT = 1, 2, 3, 4
    SETUP_FAILED, PYTHON_STATUS = 1, 3
    MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_SET_CHILD_SUBREAPER = 38, 22, 2, 36
    LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF, RULE_PATH_BENEATH = 445, 446, 1
    max_fd = config["max_fd"]

    def close_from(low, keep=-1):
        for start, end in ((low, keep), (keep + 1, max_fd)) if keep >= low else ((low, max_fd),):
            os.closerange(start, end)

    def fail(control, step, err=None):
        code = ctypes.get_errno() if err is None else err
        try:
            os.write(control, struct.pack("=iii", SETUP_FAILED, steps[step], code or 0))
        finally:
            os._exit(126)

    def write_proc(path, text):
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            return os.write(fd, text.encode()) == len(text)
        finally:
            os.close(fd)

    def enter_layers(req, fds):
        """child.cpp's child_main, step by step, without the exec."""
        control = fds[5]
        if not req["pid_ns"]:  # else the init leads the session, as in child.cpp
            try:
                os.setsid()
            except OSError as e:
                fail(control, "setsid", e.errno)
        if req["flags"] and libc.unshare(req["flags"]) != 0:
            fail(control, "clone")
        if req["user_ns"]:
            for path, text, step in (("/proc/self/setgroups", "deny", "setgroups_deny"),
                                     ("/proc/self/uid_map", req["uid_map"], "uid_map"),
                                     ("/proc/self/gid_map", req["gid_map"], "gid_map")):
                try:
                    if not write_proc(path, text):
                        fail(control, step, 0)
                except OSError as e:
                    fail(control, step, e.errno)
        run_dir = req["run_dir"].encode()
        if req["tmpfs"]:
            options = req["tmpfs_options"].encode()
            if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                fail(control, "mount_private")
            if libc.mount(b"tmpfs", run_dir, b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
                fail(control, "mount_tmpfs")
            if req["shm"] and libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV,
                                         options) != 0:
                fail(control, "mount_shm")
        for resource_id, soft, hard in req["limits"]:
            if libc.setrlimit(resource_id, ctypes.byref(Rlimit(soft, hard))) != 0:
                fail(control, "rlimit")
        if req["drop"]:
            for call, args, step in ((os.setgroups, ([],), "drop_groups"),
                                     (os.setresgid, (65534,) * 3, "drop_gid"),
                                     (os.setresuid, (65534,) * 3, "drop_uid")):
                try:
                    call(*args)
                except OSError as e:
                    fail(control, step, e.errno)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            fail(control, "no_new_privs")
        if len(fds) > 7:
            ruleset = fds[7]
            for writable in (req["run_dir"], "/dev/shm" if req["shm"] else None):
                if writable is None:
                    continue
                try:
                    directory = os.open(writable, os.O_PATH | os.O_CLOEXEC | os.O_DIRECTORY)
                except OSError as e:
                    fail(control, "landlock_rule", e.errno)
                rule = struct.pack("=Qi", req["run_dir_access"], directory)
                if libc.syscall(c_long(LANDLOCK_ADD_RULE), c_long(ruleset),
                                c_long(RULE_PATH_BENEATH), rule, c_long(0)) != 0:
                    fail(control, "landlock_rule")
                os.close(directory)
            if libc.syscall(c_long(LANDLOCK_RESTRICT_SELF), c_long(ruleset), c_long(0)) != 0:
                fail(control, "landlock_restrict")
        if seccomp_bytes and libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                                        ctypes.addressof(seccomp), 0, 0) != 0:
            fail(control, "seccomp")
        # execve would leave an unprivileged uid without capabilities in its user namespace;
        # without the exec they must be dropped by hand.
        if libc.capset(cap_header, no_caps) != 0:
            fail(control, "drop_caps")
        if req["pid_ns"]:
            run_init(control, fds[6])

    def run_init(control, status_fd):
        """Forks our init, PID 1 of the new PID namespace (the first child after unshare), which
        leads the session as child.cpp's does and forks the program; returns in the program. This
        process tells rbench the init's pid (what a timeout kills), waits for it (so its report
        comes once the namespace is empty) and exits."""
        try:
            init = os.fork()
        except OSError as e:
            fail(control, "clone_python", e.errno)
        if init != 0:
            status(status_fd, KIND_INIT, init)
            close_from(0)
            os.waitpid(init, 0)
            os._exit(0)
        try:
            os.setsid()
        except OSError as e:
            fail(control, "setsid", e.errno)
        try:
            program = os.fork()
        except OSError as e:
            fail(control, "clone_python", e.errno)
        if program == 0:
            return
        # PID 1 ignores signals it has no handler for: no Python handler may stay installed.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        close_from(0, control)
        while True:
            pid, wait_status = os.waitpid(-1, 0)
            if pid == program:
                os.write(control, struct.pack("=iii", PYTHON_STATUS, 0, wait_status))
                os._exit(0)

    def become_program(req, fds):
        """In the forked child: the layers, then the descriptors the driver expects."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        enter_layers(req, fds)
        control = fds[5]
        try:  # above every target first, so that dup2 never clobbers a source
            moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds[:5]]
            for target, fd in enumerate(moved):
                os.dup2(fd, target, inheritable=True)
        except OSError as e:
            fail(control, "move_fds", e.errno)
        close_from(5)  # the control pipe, the channel, other runs' descriptors, the ruleset
        try:
            os.chdir(req["run_dir"])
        except OSError as e:
            fail(control, "chdir", e.errno)
        os.environ["HOME"] = os.environ["TMPDIR"] = req["run_dir"]
        for name in own_modules:
            sys.modules.pop(name, None)
        return driver["_rbench"]

    def receive():
        message, ancillary, _, _ = channel.recvmsg(1 << 16, socket.CMSG_SPACE(16 * 4))
        fds = []
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += struct.unpack("=%di" % (len(data) // 4), data[:len(data) // 4 * 4])
        return message, fds

    def status(fd, kind, a, b=0):
        try:
            os.write(fd, struct.pack("=iiqq", kind, 0, a, b))
        except OSError:
            pass  # rbench gave up on this run; the pipe's reader is gone

    wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    # Orphans of our children (an init killed on a timeout) are ours to reap, not the host's.
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    running = {}  # pid of a run's child -> its status pipe
    gc.collect()
    gc.freeze()  # the children's collections then leave the zygote's pages shared
    channel.send(b"ready")

    while True:
        readable, _, _ = select.select([channel.fileno(), wake_read], [], [])
        if wake_read in readable:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
            while True:
                try:
                    pid, wait_status, usage = os.wait4(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                if pid in running:
                    fd = running.pop(pid)
                    status(fd, KIND_REAPED, wait_status,
                           int((usage.ru_utime + usage.ru_stime) * 1e6))
                    os.close(fd)
        if channel.fileno() not in readable:
            continue
        message, fds = receive()
        if not message:
            os._exit(0)  # rbench closed its end
        if len(fds) < 7:
            for fd in fds:
                os.close(fd)
            continue
        req = json.loads(message)
        try:
            pid = os.fork()
        except OSError as e:
            status(fds[6], KIND_FORK_FAILED, e.errno)
            pid = -1
        if pid == 0:
            channel.detach()  # its descriptor is closed with the rest, never through the object
            os.close(wake_read)
            os.close(wake_write)
            return lambda: become_program(req, fds)
        if pid > 0:
            status(fds[6], KIND_FORKED, pid)
            running[pid] = os.dup(fds[6])
        for fd in fds:
            os.close(fd)


# In a child, _zygote returns (its frames unwind: nothing of the loop stays reachable from the
# candidate), the layers are applied and the driver runs from this, the outermost frame.
_rbench = _zygote()()
del _zygote
_rbench()
