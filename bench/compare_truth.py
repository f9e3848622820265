#!/usr/bin/env python3
"""Compare pmlint's headerless extraction with the compiler's view of 6.12.

Usage: python bench/compare_truth.py [KERNEL_TREE] [TRUTH_JSONL] [-j N] [-v]

KERNEL_TREE defaults to /usr/src/linux-source-6.12 (the Debian package,
unpacked); TRUTH_JSONL to ../shared/kernel-truth/linux-6.12-pm-objects.jsonl.
For every defined struct dev_pm_ops in the truth, the table pmlint finds in
the same file must have the same name and the same non-NULL slot -> callback
map. Tables pmlint reports that the compiler does not have are counted too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict

from pmlint.kernel.kconfig import read_dotconfig
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import analyse

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default="/usr/src/linux-source-6.12")
    ap.add_argument("truth", nargs="?", default=os.path.join(
        HERE, "..", "..", "shared", "kernel-truth", "linux-6.12-pm-objects.jsonl"))
    ap.add_argument("-j", "--jobs", type=int, default=0)
    ap.add_argument("--kconfig", metavar="FILE",
                    help="enable the options of this .config (default: pmlint's own default)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every difference")
    args = ap.parse_args()

    truth: dict[str, dict[str, dict]] = defaultdict(dict)
    with open(args.truth) as f:
        for line in f:
            row = json.loads(line)
            if row["type"] == "dev_pm_ops" and row["defined"]:
                truth[row["file"]][row["name"]] = row["slots"]

    files = sorted(truth)
    start = time.monotonic()
    paths = [os.path.join(args.tree, f) for f in files]
    agree = total = missing = wrong = 0
    extra: list[str] = []
    diffs: list[str] = []
    options = ParseOptions(config=tuple(read_dotconfig(args.kconfig))) if args.kconfig else ParseOptions()
    for rel, result in zip(files, analyse(paths, options, jobs=args.jobs)):
        model = result.model
        ours = {t.name: t.slot_map for t in model.tables if t.defined}
        for name, slots in sorted(truth[rel].items()):
            total += 1
            if name not in ours:
                missing += 1
                diffs.append(f"MISSING {rel}: {name} {slots}")
            elif ours[name] != slots:
                wrong += 1
                got = ours[name]
                delta = {k: (slots.get(k), got.get(k)) for k in sorted(set(slots) | set(got))
                         if slots.get(k) != got.get(k)}
                diffs.append(f"DIFFER  {rel}: {name} (compiler, pmlint): {delta}")
            else:
                agree += 1
        for name in sorted(set(ours) - set(truth[rel])):
            extra.append(f"EXTRA   {rel}: {name} {ours[name]}")
    elapsed = time.monotonic() - start
    if args.verbose:
        print("\n".join(diffs + extra))
    print(f"files: {len(files)}  tables (compiler): {total}  agree: {agree}  "
          f"differ: {wrong}  missing: {missing}  extra (not in compiler): {len(extra)}")
    print(f"agreement: {100.0 * agree / max(total, 1):.2f}%  time: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
