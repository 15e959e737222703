#!/usr/bin/python3
"""The private Slurm cluster runs an array job: 4 tasks, each writes its SLURM_ARRAY_TASK_ID.

Skips (exit 77) where Slurm cannot start: not root, packages missing, no node within 30 s.
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SKIP_CODE, Skip, SlurmCluster  # noqa: E402


def main():
    with tempfile.TemporaryDirectory(prefix="rbench-slurm-array-") as work:
        os.chmod(work, 0o755)  # munged's socket lives below it (slurm_cluster.py)
        started = time.monotonic()
        try:
            cluster = SlurmCluster.start(os.path.join(work, "cluster"))
        except Skip as e:
            print(f"skipped: {e}")
            return SKIP_CODE
        with cluster:
            print(f"cluster up in {time.monotonic() - started:.1f} s")
            out = os.path.join(work, "out")
            os.makedirs(out)
            submitted = time.monotonic()
            r = subprocess.run(
                ["sbatch", "--array=0-3", "--wait", "--time=2", f"--output={out}/%A_%a.log",
                 "--wrap", f'echo "$SLURM_ARRAY_TASK_ID" > {out}/task-$SLURM_ARRAY_TASK_ID'],
                env=cluster.env(), capture_output=True, text=True, timeout=120)
            print(r.stdout + r.stderr, end="")
            print(f"array job done in {time.monotonic() - submitted:.1f} s")
            if r.returncode != 0:
                print(f"FAIL: sbatch --wait exited {r.returncode}\n{cluster.logs()}")
                return 1
            found = {}
            for task in range(4):
                path = os.path.join(out, f"task-{task}")
                if os.path.exists(path):
                    with open(path) as f:
                        found[task] = f.read().strip()
            if found != {t: str(t) for t in range(4)}:
                print(f"FAIL: expected files task-0..3 holding their ids, found {found}\n"
                      f"{cluster.logs()}")
                return 1
            print("all 4 array tasks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
