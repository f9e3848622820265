#!/usr/bin/env python3
"""Run pmlint over a whole kernel tree and report what happened.

Usage: python bench/whole_tree.py [TREE] [-j N]   (TREE default: /usr/src/linux-source-6.12)

Prints wall time, the largest resident set of any pmlint process, the number
of files and tables, findings per rule, every PM000 with its reason, and the
number of Python tracebacks on stderr (the target is zero).
"""
from __future__ import annotations

import argparse
import collections
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default="/usr/src/linux-source-6.12")
    ap.add_argument("-j", "--jobs", default="0")
    args = ap.parse_args()
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pmlint", "--format", "json", "-j", args.jobs,
                           args.tree], capture_output=True, text=True)
    wall = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        print(proc.stderr)
        print(f"pmlint exited {proc.returncode}")
        return 1
    doc = json.loads(proc.stdout)
    by_rule = collections.Counter(f["rule"] for f in doc["findings"])
    print(f"tree: {args.tree}")
    print(f"wall: {wall:.1f} s  peak RSS (largest process): {peak_mb:.0f} MB  exit: {proc.returncode}")
    print(f"tables: {len(doc['tables'])}  errors: {len(doc['errors'])}  "
          f"tracebacks on stderr: {proc.stderr.count('Traceback')}")
    print("findings: " + ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())))
    for f in doc["findings"]:
        if f["rule"] == "PM000":
            print(f"  PM000 {f['path']}:{f['line']}: {f['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
