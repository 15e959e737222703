#!/usr/bin/env python3
"""What scripts/gpu-check-summary must make of the fake logs beside this file (gpu-check --self-test).

failing/: a pass with a measurement, a skip for want of a device (a failure on the GPU machine),
a skip that needs ../shared/data (not a failure), a failure, a binary that died mid-test without
its JSON, and one unreadable `gpu-check:` line. passing/: everything passed or may be skipped.
"""
import json
import sys
from pathlib import Path


def expect(what, got, want):
    if got != want:
        sys.exit(f"gpu-check self-test: {what}: got {got!r}, want {want!r}")


failing, passing = Path(sys.argv[1]), Path(sys.argv[2])
doc = json.loads((failing / "summary.json").read_text())
expect("failing: passed", doc["passed"], False)
expect("failing: tests_engines counts", doc["tests"]["tests_engines"]["counts"],
       {"passed": 1, "failed": 1, "skipped": 1, "skipped-needs-data": 1})
expect("failing: tests_e2e counts (from the log alone)", doc["tests"]["tests_e2e"]["counts"],
       {"passed": 1, "failed": 1, "skipped": 0, "skipped-needs-data": 0})
expect("failing: the skip's message", doc["tests"]["tests_engines"]["tests"][1]["message"],
       "tests/engines/moe/cuda/cuda_kernels_test.cpp:48: Skipped\n"
       "no CUDA device: cudaGetDeviceCount: no CUDA-capable device is detected")
expect("failing: measurements", [(m["source"], m["check"]) for m in doc["measurements"]],
       [("tests_e2e", "logits"), ("tests_e2e", "logits"), ("tests_e2e", "logits"),
        ("tests_e2e", "batch_invariance"), ("tests_engines", "kernel")])
expect("failing: unreadable lines", len(doc["measurement_errors"]), 1)
expect("failing: environment", doc["environment"]["driver"], "580.159.04")
md = (failing / "summary.md").read_text()
expect("failing: title", md.splitlines()[0], "# gpu-check: FAILED")
for line in ["| tests_e2e | v3-bf16 | 0.05 | 12 | 0.0042 | 0.05 |",
             "| tests_e2e | v2-fp8 | 0.125 | 9 | 0.0139 | 0.25 |",
             "| tests_engines | 1 | 1 | 1 | 1 |",
             "- tests_engines: CudaKernels.GemvBf16MatchesCpu skipped: "
             "no CUDA device: cudaGetDeviceCount: no CUDA-capable device is detected",
             "- tests_e2e: CudaEndToEnd.BatchInvariance failed: crashed or timed out while running:",
             "- tests_engines: CudaKernels.SoftmaxMatchesCpu failed: "
             "Expected: (max_diff) <= (1e-5), actual: 0.25 vs 1e-05",
             "| tests_e2e | batch_invariance | batch=8, identical=true |",
             "| sanitizer | unavailable | 2 | sanitizer unavailable: Error: Device not supported |"]:
    expect(f"failing: summary.md has {line!r}", line in md.splitlines(), True)
expect("failing: the smaller v3-bf16 difference is not the row", "| 0.02 |" in md, False)

doc = json.loads((passing / "summary.json").read_text())
expect("passing: passed", doc["passed"], True)
expect("passing: measurements", len(doc["measurements"]), 1)
md = (passing / "summary.md").read_text()
expect("passing: title", md.splitlines()[0], "# gpu-check: PASSED")
# The benchmarks' figures against the goals: a goal missed is reported, the check still passes.
for line in ["| BM_CudaGemv/fp8:0/rows:2048/cols:2048/n:1/manual_time | bf16, vector | 2.79e+03 | "
             "0.93 | met |",
             "| BM_CudaGemv/fp8:1/rows:1408/cols:2048/n:1/manual_time | fp8, vector | 2.55e+03 | "
             "0.85 | **missed** |",
             "| bf16 | 1 | 2.900 | 344.8 | 5.660 | 65.0% | **missed** |",
             "| fp8 | 1 | 1.500 | 666.7 | 3.240 | 72.0% | met |",
             "| fp8 | 8 | 2.500 | 3200.0 | 6.000 | 80.0% | tokens/s growing: met |",
             "| 4 | 64 | 0 | 41.2 | 2.1 | 1.9e+03 |"]:
    expect(f"passing: summary.md has {line!r}", line in md.splitlines(), True)
for text in ["verification step 1.100x a plain step (goal <= 1.15: met)",
             "100.0 tokens/s plain, 140.0 with MTP (1.40x; 2 of 3 drafts accepted); identical "
             "text: yes"]:
    expect(f"passing: summary.md has {text!r}", text in md, True)
expect("passing: benchmarks in the JSON", sorted(doc["benchmarks"]),
       ["decode", "gemv", "generate", "latency"])
expect("passing: failing has no benchmarks", json.loads((failing / "summary.json").read_text())
       ["benchmarks"], {})
