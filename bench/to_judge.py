#!/usr/bin/env python3
"""List the findings of the behaviour rules on a tree, for reading and judging.

Usage: python bench/to_judge.py TREE [--rules PM101,PM102,...] [--select ...] [--sample N]

Runs pmlint (no cache) over TREE and prints, per finding: rule, severity,
place, message and its notes (the evidence lines), with the source line of
each note, so that a reader can open the file and give a verdict. With
--sample N, a fixed-seed sample of N per rule (all of a rule with N or fewer).
The verdicts live in docs/precision.md.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

BEHAVIOUR = "PM101,PM102,PM103,PM105,PM106,PM107,PM109,PM110,PM111,PM112,PM501"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("--rules", default=BEHAVIOUR)
    ap.add_argument("--select", default="", help="also run these opt-in rules")
    ap.add_argument("--sample", type=int, default=0)
    args = ap.parse_args()
    wanted = args.rules.split(",")
    cmd = [sys.executable, "-m", "pmlint", "--no-cache", "--format", "json", "--exit-zero", "."]
    if args.select:
        cmd[3:3] = ["--select", args.select]
    out = subprocess.run(cmd, cwd=args.tree, capture_output=True, text=True, check=True)
    findings = [f for f in json.loads(out.stdout)["findings"] if f["rule"] in wanted]
    if args.sample:
        rng, picked = random.Random(1), []
        for rule in wanted:
            mine = [f for f in findings if f["rule"] == rule]
            picked += mine if len(mine) <= args.sample else rng.sample(mine, args.sample)
        findings = sorted(picked, key=lambda f: (f["rule"], f["path"], f["line"]))
    lines: dict[str, list[str]] = {}
    for n, f in enumerate(sorted(findings, key=lambda f: (f["rule"], f["path"], f["line"])), 1):
        print(f"[{n}] {f['rule']} {f['severity']} {f['path']}:{f['line']}: {f['message']}")
        for note in f.get("notes", ()):
            path = os.path.join(args.tree, note["path"])
            if path not in lines:
                with open(path, encoding="utf-8", errors="replace") as src:
                    lines[path] = src.read().splitlines()
            text = lines[path][note["line"] - 1].strip() if note["line"] <= len(lines[path]) else ""
            print(f"    note {note['path']}:{note['line']}: {note['message']}\n        | {text}")
    counts = {r: sum(f["rule"] == r for f in findings) for r in wanted}
    print("counts:", ", ".join(f"{r} {n}" for r, n in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
