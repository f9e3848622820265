#!/usr/bin/env python3
"""Write the model and findings of every file a tree's pre-filter passes, to compare two versions.

Usage: python bench/model_dump.py TREE OUT [-j N]

Every rule runs, the opt-in ones too (so the configurations PM204/PM205
compare are parsed), with no cache. Each file gives two lines, repr() of
its FileModel and of its findings, in path order: `cmp` or `diff` two dumps
made by two checkouts (PYTHONPATH=CHECKOUT) to see what a change did to
extraction over a whole kernel, file by file.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from pmlint import catalogue
from pmlint.pipeline import discover, scan
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import PREFILTER, analyse
from pmlint.pipeline.sourcefile import read_source


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("out")
    ap.add_argument("-j", "--jobs", type=int, default=0)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.chdir(args.tree)   # paths in the dump are relative to the tree
    files, _ = discover.discover(["."])
    candidates = [p for p in files if scan.is_candidate(read_source(p), PREFILTER)]
    start = time.monotonic()
    with open(out, "w") as f:
        for result in analyse(candidates, ParseOptions(), catalogue.rules(), jobs=args.jobs):
            f.write(repr(result.model) + "\n" + repr(result.findings) + "\n")
    print(f"{len(candidates)} candidate files of {len(files)}, {time.monotonic() - start:.0f} s, "
          f"pmlint from {os.path.dirname(catalogue.__file__)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
