#!/usr/bin/env python3
"""What analysing a driver's own options both ways costs: CPU of a cold
whole-tree run with the default (options varied) against the same run with
--no-vary-options, measured in one run, and how many files needed more
than one configuration.

Usage: python bench/options_cost.py TREE [--runs N] [-j N]

Each run is bench/cold_cpu.py's (`pmlint --no-cache --format json
--exit-zero .` at the top of TREE, CPU of pmlint and its workers), with
this checkout's .venv; the two alternate so that a machine's load affects
both alike. Then, in this process, the configurations each candidate file
is analysed in (pmlint.pipeline.optionscan, from the model of its default parse).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold_cpu import _run  # noqa: E402

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _configurations(tree: str, jobs: int) -> Counter:
    """How many files are analysed in how many settings of their own options."""
    from pmlint.pipeline import discover, optionscan, scan
    from pmlint.frontend import ParseOptions
    from pmlint.pipeline.runner import PREFILTER, analyse
    from pmlint.pipeline.sourcefile import read_source
    os.chdir(tree)
    files, _ = discover.discover(["."])
    sources = {p: read_source(p) for p in files}
    candidates = [p for p in files if scan.is_candidate(sources[p], PREFILTER)]
    options = ParseOptions()
    counts: Counter = Counter()
    for result in analyse(candidates, ParseOptions(vary_options=False), (), jobs=jobs):
        path = result.model.path
        counts[len(optionscan.settings(path, sources[path], options, result.model).settings)] += 1
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-j", "--jobs", type=int, default=0)
    args = ap.parse_args()
    tree = os.path.abspath(args.tree)
    subprocess.run(["grep", "-rl", "--include=*.c", "--include=*.h", "dev_pm_ops", "."],
                   cwd=tree, capture_output=True)   # the page cache warm for both
    cpu: dict[str, list[float]] = {"varied": [], "given only": []}
    for i in range(args.runs):
        for name, extra in (("given only", ["--no-vary-options"]), ("varied", [])):
            seconds, wall, size = _run(CHECKOUT, tree, extra)
            cpu[name].append(seconds)
            print(f"run {i + 1} {name}: {seconds:.1f} s CPU, {wall:.1f} s wall, {size} bytes of JSON",
                  flush=True)
    off, on = statistics.median(cpu["given only"]), statistics.median(cpu["varied"])
    print(f"median CPU: --no-vary-options {off:.1f} s, default {on:.1f} s, ratio {on / off:.3f}")
    counts = _configurations(tree, args.jobs)
    more = sum(n for k, n in counts.items() if k > 1)
    print(f"{sum(counts.values())} candidate files; {more} analysed in more than one "
          f"configuration of their own options, at most {max(counts)}; by count: "
          + ", ".join(f"{k}: {counts[k]}" for k in sorted(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
