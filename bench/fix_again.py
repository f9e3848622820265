#!/usr/bin/env python3
"""Whether `pmlint --fix` leaves work for a second `--fix`, over a whole tree.

Usage: python bench/fix_again.py TREE WORK [--pmlint PATH] [-j N]

TREE is linted (read only); every file with a finding of a rule that has a
fix is copied into WORK (an empty directory) at the same relative path, with
the headers next to it (the fixes read them). In WORK the copies are linted,
fixed with `--fix`, linted again and given to `--diff`. Printed: the files
the fix changed; those a second --fix would change again (target 0); those
with a finding after the fix they did not have before, by rule and table or
driver (target 0 for the rules with a fix and PM203, whose wrapper the fixes
write; findings of other rules the new text shows are counted by rule); and
those still holding a finding of a rule with a fix (the fixes declined, each
with a note). Exit status 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys

FIXABLE = ("PM103", "PM201", "PM202")
# A finding the fixes make themselves: theirs, and PM203 (the pointer wrapping they do).
TARGET = FIXABLE + ("PM203",)


def _lint(pmlint: str, cwd: str, paths: list[str], jobs: int) -> dict[str, collections.Counter]:
    """(rule, symbol) of every finding, per file, relative to cwd."""
    out = subprocess.run([pmlint, "--format", "json", "--exit-zero", "-j", str(jobs), *paths],
                         cwd=cwd, capture_output=True, text=True, check=True)
    per_file: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for f in json.loads(out.stdout)["findings"]:
        per_file[os.path.normpath(f["path"])][(f["rule"], f["symbol"])] += 1
    return per_file


def _copy(tree: str, work: str, files: list[str]) -> None:
    for rel in files:
        os.makedirs(os.path.join(work, os.path.dirname(rel)), exist_ok=True)
        for src in [os.path.join(tree, rel)] + glob.glob(os.path.join(tree, os.path.dirname(rel), "*.h")):
            dst = os.path.join(work, os.path.relpath(src, tree))
            if not os.path.exists(dst):
                shutil.copyfile(src, dst)


def _read(root: str, files: list[str]) -> dict[str, bytes]:
    out = {}
    for rel in files:
        with open(os.path.join(root, rel), "rb") as f:
            out[rel] = f.read()
    return out


def _diffed(text: str) -> set[str]:
    return {os.path.normpath(line[6:].rstrip("\n")) for line in text.splitlines(True)
            if line.startswith("+++ b/")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("work")
    ap.add_argument("--pmlint", default="pmlint")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    tree, work = os.path.abspath(args.tree), os.path.abspath(args.work)
    if os.path.exists(work) and os.listdir(work):
        sys.exit(f"fix_again: {work} is not empty")
    found = _lint(args.pmlint, tree, ["."], args.jobs)
    files = sorted(p for p, c in found.items() if any(r in FIXABLE for r, _ in c))
    _copy(tree, work, files)
    before = _lint(args.pmlint, work, files, args.jobs)
    subprocess.run([args.pmlint, "--fix", "-q", "-j", str(args.jobs), *files], cwd=work,
                   stderr=subprocess.DEVNULL)
    changed = sorted(p for p, text in _read(work, files).items() if text != _read(tree, [p])[p])
    after = _lint(args.pmlint, work, files, args.jobs)
    again = subprocess.run([args.pmlint, "--diff", "-q", "-j", str(args.jobs), *changed], cwd=work,
                           capture_output=True, text=True)
    twice = sorted(_diffed(again.stdout))
    created = {p: after[p] - before[p] for p in changed if after[p] - before[p]}
    target = {p: c for p, c in created.items() if any(r in TARGET for r, _ in c)}
    left = sorted(p for p in changed if any(r in FIXABLE for r, _ in after[p]))
    for path in twice:
        print(f"AGAIN {path}: a second --fix changes it")
    for path, new in sorted(created.items()):
        print(f"CREATED {path}: " + ", ".join(f"{r} {s}" for (r, s) in sorted(new)))
    rules = collections.Counter(r for c in created.values() for r, _ in c.elements())
    print(f"files with a fixable finding: {len(files)}  fixed: {len(changed)}  "
          f"changed by a second --fix: {len(twice)}  "
          f"with a {'/'.join(TARGET)} finding the fix created: {len(target)}  "
          f"with a fixable finding left (declined, noted): {len(left)}")
    print("findings the fix created, by rule: " + (", ".join(f"{r} {n}" for r, n in sorted(rules.items()))
                                                   or "none"))
    return 1 if twice or target else 0


if __name__ == "__main__":
    sys.exit(main())
