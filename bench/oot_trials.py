#!/usr/bin/env python3
"""Tables pmlint finds in out-of-tree driver trees, against a plain grep.

Usage: python bench/oot_trials.py TREE [TREE ...] [--pmlint PATH] [-- PMLINT_ARGS]

For each tree (a public snapshot unpacked somewhere; never commit its code),
counts the lines a grep takes for table definitions (`struct dev_pm_ops x =`
and the pm.h macros that define a table), runs `pmlint --format json` at the
tree's top, and lists every file where the two counts differ, so that each
difference can be explained: a table under a version or option check that
pmlint analyses once per outcome, a definition inside a comment or a macro
body, a table spelt by a macro of the driver's own.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys

# What a reader greps for: a table's definition, written out or by a pm.h macro.
GREP = re.compile(
    rb"^[^*/\n]*?(?:struct\s+dev_pm_ops\s+(?:__maybe_unused\s+)?\w+\s*(?:__maybe_unused\s*)?="
    rb"|\b(?:DEFINE_|EXPORT_(?:NS_)?(?:GPL_)?(?:SIMPLE_|RUNTIME_|NS_)?)?"
    rb"(?:SIMPLE_DEV_PM_OPS|UNIVERSAL_DEV_PM_OPS|RUNTIME_DEV_PM_OPS|DEV_PM_OPS)\s*\(\s*\w)",
    re.M)
SOURCES = (".c", ".h")


def grep_counts(tree: str) -> collections.Counter:
    counts = collections.Counter()
    for root, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SOURCES):
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    text = f.read()
                hits = [m for m in GREP.finditer(text) if not _is_macro_line(text, m.start())]
                if hits:
                    counts[os.path.relpath(path, tree)] += len(hits)
    return counts


def _is_macro_line(text: bytes, pos: int) -> bool:
    """A hit inside a #define (or its continuation lines) is a macro of the driver's, not a table."""
    start = text.rfind(b"\n", 0, pos) + 1
    while start > 1 and text[start - 2:start] == b"\\\n":
        start = text.rfind(b"\n", 0, start - 2) + 1
    return text[start:start + 200].lstrip().startswith(b"#")


def pmlint_run(tree: str, pmlint: str, extra: list[str]) -> dict:
    proc = subprocess.run([pmlint, "--no-cache", "--exit-zero", "--format", "json", *extra, "."],
                          cwd=tree, capture_output=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"oot_trials: pmlint exited {proc.returncode} on {tree}: {proc.stderr.decode()[-400:]}")
    return json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", nargs="+")
    ap.add_argument("--pmlint", default="pmlint")
    args, extra = ap.parse_known_args()
    extra = [a for a in extra if a != "--"]
    for tree in args.trees:
        grep = grep_counts(tree)
        result = pmlint_run(tree, args.pmlint, extra)
        seen = collections.Counter(os.path.normpath(t["path"]) for t in result["tables"])
        rules = collections.Counter(f"{f['rule']}:{f['severity']}" for f in result["findings"])
        print(f"{os.path.basename(os.path.normpath(tree))}: grep {sum(grep.values())} definitions, "
              f"pmlint {sum(seen.values())} tables; summary {result['summary']}")
        print(f"  findings: {dict(sorted(rules.items()))}")
        for path in sorted(set(grep) | set(seen)):
            if grep[path] != seen[path]:
                print(f"  differs: {path}: grep {grep[path]}, pmlint {seen[path]}")
        for err in result["errors"]:
            print(f"  not analysed: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
