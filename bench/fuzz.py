#!/usr/bin/env python3
"""Fuzz pmlint for a while: the parser, the patch reader and the formatters.

Usage: python bench/fuzz.py [--minutes N] [--kernel TREE]

Runs the strategies and properties of tests/fuzzing.py (the CI run is
tests/test_fuzz.py) in rounds of hypothesis examples, target after target,
until the time is up. Prints the executions reached per target, the native
parser crashes the worker processes contained, and each failure (a Python
exception, a hang, a wrong result) with the input hypothesis shrank it to.
Kernel sources (--kernel, default $PMLINT_KERNEL_TREE) seed the mutations of
real drivers, whole files as well as the part around a table.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzzing  # noqa: E402
from fuzzing import Tally, batches, parse_and_check  # noqa: E402

# Rounds short enough for the time limit to cut in: a parser example is up to 8 files.
ROUND = settings(deadline=None, database=None, max_examples=10, print_blob=True,
                 suppress_health_check=list(HealthCheck))


def targets(corpus: list[bytes], tally: Tally) -> dict:
    """name -> a hypothesis test running one round of that target."""
    @ROUND
    @given(batches(fuzzing.generated_tables()))
    def generated(gens):
        parse_and_check([g.source for g in gens], tally, gens)

    @ROUND
    @given(batches(fuzzing.generated_tables(garbage=True)))
    def garbage(gens):
        parse_and_check([g.source for g in gens], tally)

    @ROUND
    @given(batches(st.one_of(fuzzing.mutated(corpus), fuzzing.mutated(corpus, whole=True))))
    def mutated(sources):
        parse_and_check(sources, tally)

    @settings(ROUND, max_examples=500)
    @given(st.one_of(fuzzing.diffs(), fuzzing.mutated_patches(), st.binary(max_size=2000)))
    def patch(data):
        fuzzing.check_patch(data, tally)

    @settings(ROUND, max_examples=200)
    @given(fuzzing.reports())
    def formatters(report):
        fuzzing.check_formats(report, tally)

    return {"patch reader": patch, "formatters": formatters, "parser: generated tables": generated,
            "parser: garbage tokens": garbage, "parser: mutated drivers": mutated}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--kernel", default=os.environ.get("PMLINT_KERNEL_TREE"),
                    help="a Linux tree whose drivers seed the mutations")
    args = ap.parse_args()
    corpus = fuzzing.seeds(args.kernel)
    print(f"seeds: {len(corpus)} files (kernel tree: {args.kernel or 'none'})", flush=True)
    tally = Tally()
    failures: dict[str, str] = {}   # first line of the error -> the whole report
    deadline = time.monotonic() + args.minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        for name, run in targets(corpus, tally).items():
            if time.monotonic() >= deadline:
                break
            try:
                run()
            except Exception as exc:   # noqa: BLE001 - a failure to report, then go on
                key = f"{name}: {str(exc).strip().splitlines()[0][:200]}"
                if key not in failures:
                    failures[key] = str(exc)
                    print(f"FAILURE {key}", flush=True)
        rounds += 1
    print(f"\n{args.minutes:g} minutes, {rounds} rounds")
    print("executions: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.executions.items()))
          + f" (total {sum(tally.executions.values())})")
    print(f"native parser crashes contained by the workers: {len(tally.native_crashes)}")
    for crash in tally.native_crashes[:20]:
        print(f"  {crash}")
    print(f"failures: {len(failures)}")
    for report in failures.values():
        print(report)
        print("-" * 72)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
