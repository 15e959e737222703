#!/usr/bin/python3
"""SlurmE2E: a run cut into 4 shards on a private Slurm cluster, merged, equals the same run in one
process, in everything but times, speeds and hosts.

Two runs: demo-math against `rbench serve --mock`, and the built-in engine on arith-easy. Each goes
through `rbench slurm submit --shards 4 --out DIR --wait -- ARGS`: a Slurm array of 4 tasks
(`rbench run ARGS --shard auto`), then a merge job (afterok) that merges the shard stores into
DIR/merged.db; the same flags also run as one process into another store. The JSON reports of the
merged store and of the single store must be equal with the masked fields below.

usage: slurm_e2e_test.py RBENCH SOURCE_DIR
Skips (exit 77) where the cluster cannot start: not root, packages missing, no node within 30 s.
"""

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SKIP_CODE, Skip, SlurmCluster  # noqa: E402

SHARDS = 4


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def run(argv, **kw):
    """Runs a command; a non-zero exit is a failure naming the command and its output."""
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise Failure(f"`{shlex.join(argv)}` exited {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def submit(rbench, cluster, out, run_args):
    """The array of shards into OUT/shards, then the merge job (afterok) into OUT/merged.db."""
    run([rbench, "slurm", "submit", "--shards", str(SHARDS), "--out", out, "--wait", "--",
         *run_args], env=cluster.env(), timeout=300)


def masked(report):
    """The JSON report without what differs between a sharded and a one-process run of the same
    flags. Masked, and nothing else:
      - generated_from: the store's path;
      - runs[].started_at, runs[].finished_at: wall-clock times;
      - runs[].config.shard: the shard's own attribute (index, count, argv, host), in shard stores
        only (and whatever of it a merged store keeps);
      - results[].latency, results[].speed: timing figures, whole (they hold seconds, tokens per
        second and their spread, all from the clock);
      - results[].hosts, results[].host and any "host"/"hosts" key in results[].latency/speed:
        covered above or below (the hosts the samples ran on; the report groups timing by host);
      - facts.cache_bytes_peak, in runs[].config.models[] and results[]: the built-in engine's
        peak cache occupancy in one process, which follows how many requests that process had
        in flight at once; a shard of 10 items peaks lower than one process of 40. Not a time,
        but a figure of the load, not of the results;
      - prices.models[].busy_s: the time the run had requests in flight, from the clock.
    Anything else that differs (accuracy, counts, CIs, outcomes, errors, config) fails the test.
    """
    report = json.loads(json.dumps(report))
    report.pop("generated_from", None)
    for r in report.get("runs", []):
        r.pop("started_at", None)
        r.pop("finished_at", None)
        if isinstance(r.get("config"), dict):
            r["config"].pop("shard", None)
            for m in r["config"].get("models", []):
                if isinstance(m.get("facts"), dict):
                    m["facts"].pop("cache_bytes_peak", None)
    for r in report.get("results", []):
        for key in ("latency", "speed", "host", "hosts"):
            r.pop(key, None)
        if isinstance(r.get("facts"), dict):
            r["facts"].pop("cache_bytes_peak", None)
    if isinstance(report.get("prices"), dict):
        for m in report["prices"].get("models", []):
            m.pop("busy_s", None)
    return report


def diff(a, b, path="$"):
    """The first few paths where two JSON values differ."""
    if type(a) is not type(b):
        return [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in the {'merged' if k in a else 'single'} report")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} entries != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mock_server(rbench, work):
    """`rbench serve --mock` on a free loopback port, stopped by its pid."""
    port = free_port()
    with open(os.path.join(work, "mock.log"), "wb") as out:
        proc = subprocess.Popen([rbench, "serve", "--mock", "--port", str(port)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise Failure(f"rbench serve --mock exited {proc.returncode}: "
                              + open(os.path.join(work, "mock.log")).read())
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise Failure(f"rbench serve --mock did not listen on {port} within 20 s")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def check_case(name, rbench, cluster, work, run_args, source_dir):
    case = os.path.join(work, name)
    os.makedirs(case)
    started = time.monotonic()
    submit(rbench, cluster, os.path.join(case, "slurm"), run_args)
    sharded_s = time.monotonic() - started
    merged_db = os.path.join(case, "slurm", "merged.db")
    if not os.path.exists(merged_db):
        raise Failure(f"{name}: the merge job left no {merged_db} (it runs only once every "
                      "shard has succeeded: see the shards' logs below)")
    started = time.monotonic()
    single_db = os.path.join(case, "single.db")
    run([rbench, "run", *run_args, "--db", single_db], cwd=source_dir, timeout=300)
    single_s = time.monotonic() - started

    reports = {}
    for which, db in (("merged", merged_db), ("single", single_db)):
        out = os.path.join(case, f"{which}.json")
        run([rbench, "report", "--db", db, "-o", out], timeout=60)
        with open(out) as f:
            reports[which] = json.load(f)
    if not reports["single"].get("results"):
        raise Failure(f"{name}: the single run's report has no results")
    differences = diff(masked(reports["merged"]), masked(reports["single"]))
    if differences:
        raise Failure(f"{name}: the merged report differs from the single run's "
                      f"({case}/merged.json vs single.json):\n  " + "\n  ".join(differences[:20]))
    n = sum(r.get("n", 0) for r in reports["single"]["results"])
    # The comparison, for the log: equal by the check above, printed so a reader sees the figures.
    for which in ("merged", "single"):
        for r in reports[which]["results"]:
            log(f"{name}: {which:6} {r['model']} {r['suite']}: n={r['n']} correct={r['correct']} "
                f"accuracy={r['accuracy']:.4f} [{r['ci_low']:.4f}, {r['ci_high']:.4f}] "
                f"errors={r['errors']} truncated={r['truncated']}")
    log(f"{name}: {SHARDS} shards on Slurm + merge {sharded_s:.1f} s, one process "
        f"{single_s:.1f} s; reports equal ({n} samples)")


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rbench, source_dir = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    test_started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rbench-slurm-e2e-") as work:
        os.chmod(work, 0o755)  # munged's socket lives below it (slurm_cluster.py)
        try:
            cluster = SlurmCluster.start(os.path.join(work, "cluster"))
        except Skip as e:
            print(f"skipped: {e}")
            return SKIP_CODE
        try:
            with cluster:
                log(f"cluster up in {time.monotonic() - test_started:.1f} s")
                # The shard jobs run in the submitter's folder: the relative checkpoint path and
                # suite names resolve the same there as in the one-process run.
                os.chdir(source_dir)
                with mock_server(rbench, work) as url:
                    check_case("demo-math", rbench, cluster, work,
                               ["--model", "mock", "--base-url", url, "--suite", "demo-math"],
                               source_dir)
                check_case("arith-easy", rbench, cluster, work,
                           ["--engine", "builtin", "--model", "data/checkpoints/tiny-r1-arith",
                            "--suite", "arith-easy", "--limit", "40"], source_dir)
        except (Failure, subprocess.TimeoutExpired) as e:
            print(f"FAIL: {e}")
            for log_dir in (os.path.join(work, c, "slurm", "logs")
                            for c in ("demo-math", "arith-easy")):
                for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
                    with open(os.path.join(log_dir, name), errors="replace") as f:
                        print(f"--- {log_dir}/{name}\n" + "".join(f.readlines()[-30:]))
            print(cluster.logs())
            return 1
    log(f"SlurmE2E passed in {time.monotonic() - test_started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
