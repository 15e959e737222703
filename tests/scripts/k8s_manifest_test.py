#!/usr/bin/env python3
"""`rbench k8s job` parsed back as YAML (Debian's python3-yaml): two batch/v1 Jobs, the Indexed Job
of the shards and the merge Job, with their counts, environment, volume and GPU; then each
container's command, expanded as the kubelet expands it, run by sh against a fake rbench: the
shard gets the run's arguments exactly, and the merge waits for the shards, merges, reports.

Usage: k8s_manifest_test.py RBENCH_BINARY. Exit 77 (skipped) without python3-yaml.
"""
import os
import pathlib
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("skipped: python3-yaml missing (scripts/setup installs it)")
    sys.exit(77)

RUN_ARGS = [
    "--model", "mock", "--suite", "demo-math",
    "--label", "it's a \"label\" with $HOME, `date`, $(id), $$ and \\ back",
    "--run", "Nightly R1",
    "--prompt", "two\nlines\ttab",
    "*", "", "ünï",
]


def kubelet_expand(text, env):
    """Kubernetes' $(VAR) expansion of a container's command: $$ is $, $(NAME) of a defined
    variable is its value, anything else stays as written."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    out.append(env.get(name, text[i:end + 1]))
                    i = end + 1
                    continue
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def check(condition, what):
    if not condition:
        print("FAIL:", what)
        sys.exit(1)


def container_of(job):
    pod = job["spec"]["template"]["spec"]
    check(pod["restartPolicy"] == "Never", "restartPolicy Never")
    check(len(pod["containers"]) == 1, "one container")
    volumes = {v["name"]: v for v in pod["volumes"]}
    check(volumes["out"]["persistentVolumeClaim"]["claimName"] == "results", "the PVC")
    container = pod["containers"][0]
    check(container["image"] == "registry.example/rbench:1", "the image")
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    check(mounts == {"out": "/out"}, f"mounted at /out: {mounts}")
    return container


def env_of(container):
    env = {e["name"]: e["value"] for e in container["env"]}
    for value in env.values():
        check(isinstance(value, str), f"env values are strings: {env}")
    return env


# A stand-in rbench: records each call's words (NUL-separated) in calls-N beside it, and creates
# the store `merge --db X` names.
FAKE_RBENCH = """#!/bin/sh
here=$(dirname "$0")
n=$(ls "$here" | grep -c '^calls-')
printf '%s\\0' "$@" > "$here/calls-$n"
if [ "$1" = merge ]; then : > "$3"; fi
"""


def calls(bin_dir):
    found = sorted(bin_dir.glob("calls-*"), key=lambda p: int(p.name.split("-")[1]))
    return [p.read_bytes().decode().split("\0")[:-1] for p in found]


def run_container(container, env, tmp, bin_dir):
    """The container's command as the kubelet would start it, with /out moved into tmp."""
    words = [kubelet_expand(w, env) for w in container["command"]]
    check(words[:2] == ["sh", "-c"], f"sh -c: {words[:2]}")
    script = words[2].replace('"/out/', f'"{tmp}/out/')
    check(script != words[2], "the script writes under /out")
    fake = bin_dir / "rbench"
    return subprocess.run(["sh", "-c", script, str(fake)] + words[4:],
                          env={**os.environ, **env}, capture_output=True, text=True)


def main():
    rbench = sys.argv[1]
    result = subprocess.run(
        [rbench, "k8s", "job", "--shards", "6", "--parallelism", "2", "--image",
         "registry.example/rbench:1", "--pvc", "results", "--gpus", "1", "--"] + RUN_ARGS,
        capture_output=True, text=True)
    check(result.returncode == 0, f"rbench k8s job: {result.stderr}")
    docs = list(yaml.safe_load_all(result.stdout))
    check(len(docs) == 2, f"two documents, got {len(docs)}")
    shard_job, merge_job = docs
    for job in docs:
        check(job["apiVersion"] == "batch/v1" and job["kind"] == "Job", "batch/v1 Job")
    check(shard_job["metadata"]["name"] == "rbench-nightly-r1", "the name from --run")
    check(merge_job["metadata"]["name"] == "rbench-nightly-r1-merge", "the merge Job's name")

    spec = shard_job["spec"]
    check(spec["completionMode"] == "Indexed", "completionMode Indexed")
    check(spec["completions"] == 6, "completions 6")
    check(spec["parallelism"] == 2, "parallelism 2")
    check(isinstance(spec.get("backoffLimitPerIndex"), int), "backoffLimitPerIndex")
    shard = container_of(shard_job)
    shard_env = env_of(shard)
    check(shard_env["RBENCH_SHARD_COUNT"] == "6", f"RBENCH_SHARD_COUNT: {shard_env}")
    check(shard["resources"]["limits"]["nvidia.com/gpu"] == 1, "one GPU per shard")
    # Every $ of a command is doubled, so the kubelet expands nothing of ours.
    for word in shard["command"]:
        check("$" not in word.replace("$$", ""), f"a single $ in {word!r}")
    expanded = [kubelet_expand(w, {}) for w in shard["command"]]
    check(expanded[3] == "rbench", f"the binary: {expanded[3]!r}")
    check(expanded[4:] == RUN_ARGS, f"the run's arguments exactly: {expanded[4:]!r}")

    merge = container_of(merge_job)
    check("resources" not in merge, "the merge needs no GPU")
    merge_env = env_of(merge)
    check(merge_env["RBENCH_SHARD_COUNT"] == "6", "the merge knows the count")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        (bin_dir / "rbench").write_text(FAKE_RBENCH)
        (bin_dir / "rbench").chmod(0o755)
        job_dir = tmp / "out" / "rbench-nightly-r1"

        # Index 3, as the Indexed Job starts it.
        r = run_container(shard, {**shard_env, "JOB_COMPLETION_INDEX": "3"}, tmp, bin_dir)
        check(r.returncode == 0, f"the shard's command: {r.stderr}")
        check(calls(bin_dir) == [["run"] + RUN_ARGS + [
            "--shard", "auto", "--db", f"{job_dir}/shards/shard-3.db", "--quiet"]],
            f"the shard's call: {calls(bin_dir)}")
        check((job_dir / "shards" / "shard-3.done").exists(), "shard 3 marked done")

        # The merge, with 5 of 6 shards done and no time to wait: it merges what there is.
        for i in (0, 1, 2, 4):
            (job_dir / "shards" / f"shard-{i}.done").touch()
        (bin_dir / "calls-0").unlink()
        r = run_container(merge, {**merge_env, "RBENCH_MERGE_TIMEOUT": "0"}, tmp, bin_dir)
        check("5 of 6 shards done" in r.stderr, f"the merge says what it waited for: {r.stderr}")
        check(len(calls(bin_dir)) == 3, f"merge, then two reports: {calls(bin_dir)}")

        # All 6 done: merge, then the HTML and the JSON report.
        for p in bin_dir.glob("calls-*"):
            p.unlink()
        (job_dir / "shards" / "shard-5.done").touch()
        r = run_container(merge, merge_env, tmp, bin_dir)
        check(r.returncode == 0, f"the merge's command: {r.stderr}")
        merged = f"{job_dir}/merged.db"
        check(calls(bin_dir) == [
            ["merge", "--db", merged, f"{job_dir}/shards/*.db"],
            ["report", "--db", merged, "-o", f"{job_dir}/leaderboard.html"],
            ["report", "--db", merged, "--format", "json", "-o", f"{job_dir}/report.json"],
        ], f"the merge's calls: {calls(bin_dir)}")
    print("OK: k8s job manifest parsed back; shard and merge commands run as written")


if __name__ == "__main__":
    main()
