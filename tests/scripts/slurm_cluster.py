#!/usr/bin/env python3
"""A private single-node Slurm cluster for tests, from Debian's packages, in one folder.

Everything lives in DIR: the test's own munged (key, socket, pid, log and seed files), slurm.conf
(found through SLURM_CONF, with AuthInfo pointing at that socket), state, spool and logs. No
system configuration is read or touched, and the default ports 6817/6818 are left alone. Every
daemon started here is stopped by its pid.

As a module:
    with SlurmCluster.start(tmpdir) as cluster:
        subprocess.run(["sbatch", ...], env=cluster.env())
As a command:
    slurm_cluster.py start DIR     # prints `export SLURM_CONF=...`
    slurm_cluster.py stop DIR
    slurm_cluster.py run [--dir DIR] -- COMMAND...   # start, run COMMAND with SLURM_CONF, stop
Where Slurm cannot start here (not root, packages missing, the node never comes up), start raises
Skip and the command exits 77, which ctest counts as skipped (SKIP_RETURN_CODE 77).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP_CODE = 77
# The node registers within a second or two here; 30 s leaves room for a loaded CI machine.
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


class Skip(Exception):
    """Slurm cannot run here; the message says why."""


def _free_port(avoid):
    # Bind to port 0 for a free port; the kernel does not hand out the same port twice in a row
    # in practice, and `avoid` rules out the other daemon's and Slurm's defaults.
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def _alive(pid):
    # An orphaned daemon is reaped by PID 1, which in a container may never happen: a zombie
    # counts as stopped.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _exe_name(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0].decode())
    except OSError:
        return ""


def _slurm_conf(d, host, ctld_port, slurmd_port):
    cpus = os.cpu_count() or 1
    return f"""# Written by tests/scripts/slurm_cluster.py: a private one-node cluster for tests.
ClusterName=rbenchtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge/munge.socket
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/run/slurmctld.pid
SlurmdPidFile={d}/run/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: the test runs in containers without a delegated cgroup tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
# One CPU per array task, several tasks at once; memory is not a consumable resource.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
# A node that was down comes back by itself when slurmd registers.
ReturnToService=2
# `sbatch --wait` polls every 2 s while MinJobAge < 5, where the default (300) stretches its polls
# to 32 s; 4 s (the minimum is 2) still keeps a finished job's record past the next poll.
MinJobAge=4
MailProg=/bin/true
KillWait=2
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


class SlurmCluster:
    def __init__(self, directory, pids):
        self.dir = os.path.abspath(directory)
        self.pids = pids  # name -> pid, in start order
        self._procs = {}  # name -> Popen, when this process started them

    @property
    def conf(self):
        return os.path.join(self.dir, "slurm.conf")

    def env(self, base=None):
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = self.conf
        return env

    @staticmethod
    def check_prerequisites():
        if os.geteuid() != 0:
            raise Skip("not root: the private Slurm cluster runs its daemons as root "
                       "(SlurmUser=root)")
        for tool in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo"):
            if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
                raise Skip(f"{tool} missing: install slurmctld slurmd slurm-client munge "
                           "(RBENCH_WITH_SLURM=1 scripts/setup)")

    @classmethod
    def start(cls, directory):
        """Starts munged, slurmctld and slurmd in `directory` and waits until the node is idle."""
        cls.check_prerequisites()
        d = os.path.abspath(directory)
        # munged wants its socket reachable by every user: o+x on each folder of the path. DIR
        # itself is ours to open up; its parents are not.
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        parent = os.path.dirname(d)
        while parent != "/":
            if not os.stat(parent).st_mode & 0o001:
                raise ValueError(f"{parent} is not searchable by all users (o+x), which munged "
                                 f"requires of its socket's path: put the cluster's folder {d} "
                                 "elsewhere, or chmod o+x that folder")
            parent = os.path.dirname(parent)
        for sub in ("munge", "state", "spool", "run", "log"):
            os.makedirs(os.path.join(d, sub), mode=0o755, exist_ok=True)
        host = socket.gethostname().split(".")[0]
        ctld_port = _free_port({6817, 6818})
        slurmd_port = _free_port({6817, 6818, ctld_port})
        with open(os.path.join(d, "slurm.conf"), "w") as f:
            f.write(_slurm_conf(d, host, ctld_port, slurmd_port))

        cluster = cls(d, {})
        sbin = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
        try:
            key = os.path.join(d, "munge", "munge.key")
            subprocess.run([shutil.which("mungekey", path=sbin), "--create", f"--keyfile={key}"],
                           check=True, capture_output=True)
            cluster._spawn("munged", [
                shutil.which("munged", path=sbin), "--foreground", f"--key-file={key}",
                f"--socket={d}/munge/munge.socket", f"--pid-file={d}/run/munged.pid",
                f"--log-file={d}/log/munged.log", f"--seed-file={d}/munge/munged.seed"])
            cluster._wait_for(lambda: os.path.exists(f"{d}/munge/munge.socket"), "munged's socket")
            # -D: stay in the foreground, so the pid we hold is the daemon's; -i: a fresh state.
            cluster._spawn("slurmctld",
                           [shutil.which("slurmctld", path=sbin), "-D", "-i", "-f", cluster.conf])
            cluster._spawn("slurmd", [shutil.which("slurmd", path=sbin), "-D", "-N", host,
                                      "-f", cluster.conf])
            cluster._wait_for(cluster._node_idle, "the node to be idle in sinfo")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    @classmethod
    def attach(cls, directory):
        d = os.path.abspath(directory)
        try:
            with open(os.path.join(d, "run", "pids.json")) as f:
                return cls(d, json.load(f))
        except FileNotFoundError:
            return cls(d, {})

    def _spawn(self, name, argv):
        out = open(os.path.join(self.dir, "log", f"{name}.out"), "wb")
        with out:
            # Its own session: Ctrl-C in the test's terminal reaches the test, which stops it.
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=self.env(),
                                    start_new_session=True)
        self._procs[name] = proc
        self.pids[name] = proc.pid
        with open(os.path.join(self.dir, "run", "pids.json"), "w") as f:
            json.dump(self.pids, f)

    def _node_idle(self):
        r = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env(),
                           capture_output=True, text=True, timeout=10)
        return r.returncode == 0 and r.stdout.strip() == "idle"

    def _wait_for(self, ready, what):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise Skip(f"{name} exited with status {proc.returncode} while waiting for "
                               f"{what}\n{self.logs()}")
            if ready():
                return
            time.sleep(0.2)
        raise Skip(f"Slurm did not come up within {START_TIMEOUT_S:.0f} s (waiting for {what})\n"
                   f"{self.logs()}")

    def logs(self):
        """The daemons' logs, for a test's failure message."""
        parts = []
        log_dir = os.path.join(self.dir, "log")
        for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
            with open(os.path.join(log_dir, name), errors="replace") as f:
                text = f.read()
            if text.strip():
                parts.append(f"--- {log_dir}/{name} (last 40 lines)\n" +
                             "\n".join(text.splitlines()[-40:]))
        return "\n".join(parts)

    def _cancel_jobs(self):
        # Jobs still running (a test that failed or timed out) are cancelled while slurmctld is
        # up: their slurmstepd would outlive slurmd.
        if "slurmctld" not in self.pids or not _alive(self.pids["slurmctld"]):
            return
        env = self.env()
        try:
            queued = subprocess.run(["squeue", "-h", "-o", "%i"], env=env, capture_output=True,
                                    text=True, timeout=10).stdout.split()
            if not queued:
                return
            subprocess.run(["scancel", "--full", *queued], env=env, capture_output=True,
                           timeout=10)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and subprocess.run(
                    ["squeue", "-h", "-t", "RUNNING,COMPLETING", "-o", "%i"], env=env,
                    capture_output=True, text=True, timeout=10).stdout.strip():
                time.sleep(0.2)
        except subprocess.TimeoutExpired:
            pass

    def _leftover_steps(self):
        # slurmstepd processes of this cluster: they carry our SLURM_CONF from slurmd.
        mark = f"SLURM_CONF={self.conf}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and _exe_name(int(entry)).startswith("slurmstepd"):
                try:
                    with open(f"/proc/{entry}/environ", "rb") as f:
                        if mark in f.read().split(b"\0") and _alive(int(entry)):
                            found.append(int(entry))
                except OSError:
                    pass
        return found

    def stop(self):
        """Cancels what still runs, stops the daemons in reverse start order, by pid, and waits
        for each; then kills any job step this cluster's slurmd left behind."""
        self._cancel_jobs()
        for name, pid in reversed(list(self.pids.items())):
            proc = self._procs.get(name)
            if proc is None:
                # Started by another process (`start` then `stop`): check the pid is still ours.
                if not _alive(pid) or _exe_name(pid) != name:
                    continue
            elif proc.poll() is not None:
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while (proc.poll() is None) if proc else _alive(pid):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    if proc:
                        proc.wait()
                    break
                time.sleep(0.05)
        for pid in self._leftover_steps():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pids = {}
        self._procs = {}
        pids_file = os.path.join(self.dir, "run", "pids.json")
        if os.path.exists(pids_file):
            os.remove(pids_file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    usage = ("usage: slurm_cluster.py start DIR | stop DIR | run [--dir DIR] [--keep] -- "
             "COMMAND...")
    if len(argv) < 2:
        print(usage, file=sys.stderr)
        return 2
    cmd = argv[1]
    try:
        if cmd == "start" and len(argv) == 3:
            started = time.monotonic()
            cluster = SlurmCluster.start(argv[2])
            print(f"slurm_cluster: up in {time.monotonic() - started:.1f} s", file=sys.stderr)
            print(f"export SLURM_CONF={cluster.conf}")
            return 0
        if cmd == "stop" and len(argv) == 3:
            SlurmCluster.attach(argv[2]).stop()
            return 0
        if cmd == "run" and "--" in argv:
            opts, command = argv[2:argv.index("--")], argv[argv.index("--") + 1:]
            directory = opts[opts.index("--dir") + 1] if "--dir" in opts else None
            keep = "--keep" in opts
            if not command:
                print(usage, file=sys.stderr)
                return 2
            work = directory or tempfile.mkdtemp(prefix="rbench-slurm-")
            try:
                started = time.monotonic()
                with SlurmCluster.start(work) as cluster:
                    print(f"slurm_cluster: up in {time.monotonic() - started:.1f} s in {work}",
                          file=sys.stderr, flush=True)
                    # The command's own Ctrl-C or SIGTERM still lets `with` stop the daemons.
                    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
                    rc = subprocess.run(command, env=cluster.env()).returncode
                    if rc not in (0, SKIP_CODE):
                        print(cluster.logs(), file=sys.stderr)
                    return rc
            finally:
                if not directory and not keep:
                    shutil.rmtree(work, ignore_errors=True)
        print(usage, file=sys.stderr)
        return 2
    except Skip as e:
        print(f"skipped: {e}", file=sys.stderr)
        return SKIP_CODE


if __name__ == "__main__":
    sys.exit(main(sys.argv))
