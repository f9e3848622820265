#!/usr/bin/env python3
"""CPU of a cold whole-tree run of two pmlint checkouts, measured in one run.

Usage: python bench/cold_cpu.py TREE BEFORE AFTER [--runs N] [--before-options=OPTS]
       [--after-options=OPTS]

BEFORE and AFTER are checkouts, each with its own .venv (pmlint installed
into it from that checkout). Each run is `pmlint --no-cache --format json
--exit-zero .` at the top of TREE; the two alternate (before, after,
before, ...) so that a machine's load affects both alike. The CPU of a run
is the user+system time of pmlint and every process it starts (rusage of
the children). --before-options and --after-options add options to one
side's runs only: --after-options=--no-vary-options leaves out what a
feature BEFORE lacks costs; one checkout as both, with
--before-options="--ignore PM1,PM5", measures what the behaviour rules'
bodies cost. Prints each run, then the medians and after/before.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def _run(checkout: str, tree: str, extra: tuple[str, ...] = ()) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, findings bytes) of one cold run, with extra options."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run([os.path.join(checkout, ".venv", "bin", "pmlint"), "--no-cache",
                          "--format", "json", "--exit-zero", *extra, "."],
                         cwd=tree, capture_output=True, check=True).stdout
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, len(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree")
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--runs", type=int, default=3)
    for side in ("before", "after"):
        ap.add_argument(f"--{side}-options", default="", metavar="OPTS",
                        help=f"options for {side.upper()}'s runs only, blank-separated")
    args = ap.parse_args()
    # The page cache warm for both: every .c and .h file read once.
    subprocess.run(["grep", "-rl", "--include=*.c", "--include=*.h", "dev_pm_ops", "."],
                   cwd=args.tree, capture_output=True)
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(args.runs):
        for name in ("before", "after"):
            extra = tuple(getattr(args, f"{name}_options").split())
            seconds, wall, size = _run(getattr(args, name), args.tree, extra)
            cpu[name].append(seconds)
            print(f"run {i + 1} {name}: {seconds:.1f} s CPU, {wall:.1f} s wall, {size} bytes of JSON",
                  flush=True)
    b, a = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    print(f"median CPU: before {b:.1f} s, after {a:.1f} s, after/before {a / b:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
