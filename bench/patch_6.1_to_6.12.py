#!/usr/bin/env python3
"""Check patch mode against plain pmlint on the 6.1 -> 6.12 changes of drivers/.

Usage: python bench/patch_6.1_to_6.12.py [OLD_TREE] [NEW_TREE] [-j N] [--limit N]

Trees default to /work/kernel/linux-source-6.1 and /work/kernel/linux-source-6.12
(the Debian linux-source packages, unpacked). The files are every drivers/**/*.c
that exists in both trees, differs, and mentions dev_pm_ops in either version.
One patch holds a `diff -u` per file (a/ and b/ prefixes); pmlint --patch applies
it to OLD_TREE. The expected findings are those of plain pmlint on the NEW file
that the OLD file does not have, matched per file by (rule, table symbol,
message) and counted as multisets, item by item: where the OLD file had a
finding of the same rule on the same table, the NEW one is expected only if
it names items (JSON `items`: deprecated macros, effects left down) the OLD
ones did not, and its message then ends "(this change adds ...)" naming
them. That expectation is patch mode's contract written out again (from the
plain runs' JSON, not from pmlint.patch.mode): a mismatch means the two
disagree, not which one is right. It also checks that applying the patch in
memory gives the NEW files byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter

from pmlint.patch.mode import parse_series, replay, tree_reader
from pmlint.kernel.pmcore import listed


def candidates(old: str, new: str) -> list[str]:
    out = []
    for root, dirs, names in os.walk(os.path.join(new, "drivers")):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith(".c"):
                continue
            rel = os.path.relpath(os.path.join(root, name), new)
            try:
                with open(os.path.join(old, rel), "rb") as f:
                    a = f.read()
            except FileNotFoundError:
                continue
            with open(os.path.join(new, rel), "rb") as f:
                b = f.read()
            if a != b and (b"dev_pm_ops" in a or b"dev_pm_ops" in b):
                out.append(rel)
    return out


def unified_diff(old: str, new: str, rel: str) -> bytes:
    run = subprocess.run(["diff", "-u", "--label", f"a/{rel}", "--label", f"b/{rel}",
                          os.path.join(old, rel), os.path.join(new, rel)], capture_output=True)
    if run.returncode != 1:
        sys.exit(f"diff failed on {rel}: {run.stderr.decode()}")
    return run.stdout


def pmlint(args: list[str], cwd: str, stdin: bytes | None = None) -> list[dict]:
    run = subprocess.run([sys.executable, "-m", "pmlint", "--format", "json", *args],
                         cwd=cwd, input=stdin, capture_output=True)
    if run.returncode not in (0, 1):
        sys.exit(f"pmlint {' '.join(args[:3])} ... failed:\n{run.stderr.decode()}")
    return json.loads(run.stdout)["findings"]


def keyed(findings: list[dict]) -> Counter:
    return Counter((f["path"], f["rule"], f["symbol"], f["message"]) for f in findings)


def introduced(after: list[dict], before: list[dict]) -> Counter:
    """The findings of NEW that OLD lacks, item by item (the module's docstring)."""
    had: dict[tuple, set] = {}
    for f in before:
        had.setdefault((f["path"], f["rule"], f["symbol"]), set()).update(f.get("items", ()))
    out = Counter()
    for key, n in (keyed(after) - keyed(before)).items():
        path, rule, symbol, message = key
        f = next(f for f in after if (f["path"], f["rule"], f["symbol"], f["message"]) == key)
        prior = had.get((path, rule, symbol))
        if prior is not None and f.get("items"):
            added = [i for i in f["items"] if i not in prior]
            if not added:
                continue
            message = f"{message} (this change adds {listed(added)})"
        out[(path, rule, symbol, message)] += n
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old", nargs="?", default="/work/kernel/linux-source-6.1")
    ap.add_argument("new", nargs="?", default="/work/kernel/linux-source-6.12")
    ap.add_argument("-j", "--jobs", default="0")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    args = ap.parse_args()
    start = time.monotonic()

    files = candidates(args.old, args.new)
    if args.limit:
        files = files[:args.limit]
    patch = b"".join(unified_diff(args.old, args.new, rel) for rel in files)
    identical = sum(c.after == tree_reader(args.new)(c.new)
                    for c in replay(parse_series(patch), tree_reader(args.old)))
    got = keyed(pmlint(["--patch", "-", "--tree", args.old, "-j", args.jobs],
                       cwd=args.old, stdin=patch))
    after_list = pmlint(["-j", args.jobs, *files], cwd=args.new)
    before_list = pmlint(["-j", args.jobs, *files], cwd=args.old)
    after, before = keyed(after_list), keyed(before_list)
    expected = introduced(after_list, before_list)

    print(f"files: {len(files)}")
    print(f"applied in memory identical to NEW: {identical}")
    print(f"findings on NEW files: {sum(after.values())}, also on OLD (not new): "
          f"{sum((after & before).values())}")
    print(f"patch-mode findings: {sum(got.values())}")
    print(f"expected findings: {sum(expected.values())}")
    print(f"matches: {sum((got & expected).values())}")
    for path, rule, symbol, _ in sorted((got & expected).elements()):
        print(f"  {path}: {rule} {symbol}")
    for label, rows in (("only in patch mode", got - expected),
                        ("only expected", expected - got)):
        print(f"mismatches, {label}: {sum(rows.values())}")
        for path, rule, symbol, message in sorted(rows.elements()):
            print(f"  {path}: {rule} {symbol}: {message}")
    print(f"seconds: {time.monotonic() - start:.0f}")
    return 0 if got == expected else 1


if __name__ == "__main__":
    sys.exit(main())
