#!/usr/bin/env python3
"""Where a cold run's time goes, per file the pre-filter lets through.

Usage: python bench/parse_cost.py [TREE] [--files N] [--seed S]

Takes N candidate files of TREE at random (a seeded sample, so that runs
compare), parses each in this process as a worker does, and prints the CPU
per file spent in libclang's parses, in learning what the file leaves
undeclared, and in walking the result into the model; the number of parses
per file; and two floors: one bare parse per file with pmlint's arguments
and nothing else, and the same for an empty file (the fixed cost of a
parse). The whole-tree cold time is about candidates x per-file CPU / cores.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from clang import cindex  # noqa: E402
from pmlint import frontend  # noqa: E402
from pmlint.pipeline import discover, scan  # noqa: E402
from pmlint.frontend import clang, extract, rounds, textfacts  # noqa: E402
from pmlint.text.ctext import include_names  # noqa: E402
from pmlint.pipeline.runner import PREFILTER  # noqa: E402
from pmlint.pipeline.sourcefile import read_source  # noqa: E402

DEFAULT_TREES = ("/usr/src/linux-source-6.12", "/work/kernel/linux-source-6.12")


def _timed(owner, name: str, spent: collections.Counter, calls: collections.Counter) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - start
            calls[name] += 1
    setattr(owner, name, wrapper)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default=next((t for t in DEFAULT_TREES if os.path.isdir(t)), "."))
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    files, _ = discover.discover([args.tree])
    sources = {}
    for path in files:
        source = read_source(path)
        if scan.is_candidate(source, PREFILTER):
            sources[path] = source
    sample = random.Random(args.seed).sample(sorted(sources), min(args.files, len(sources)))
    print(f"tree: {args.tree}  files: {len(files)}  candidates: {len(sources)}  sample: {len(sample)}")

    options = frontend.ParseOptions(switch_off=())   # as a default run: no configuration rules
    frontend.parse_source("warm-up.c", b"int x;\n", options)
    spent, calls = collections.Counter(), collections.Counter()
    _timed(cindex.Index, "parse", spent, calls)
    _timed(rounds._Unknowns, "learn", spent, calls)
    _timed(extract._Extractor, "model", spent, calls)
    start = time.process_time()
    for path in sample:
        frontend.parse_source(path, sources[path], options)
    total = time.process_time() - start
    n = len(sample)
    print(f"pmlint's parse_source: {1000 * total / n:.1f} ms CPU per file, "
          f"{calls['parse'] / n:.2f} libclang parses per file")
    for name, label in (("parse", "libclang parses"), ("learn", "learning unknowns"),
                        ("model", "walking into the model")):
        print(f"  {label:<24} {1000 * spent[name] / n:6.1f} ms  ({100 * spent[name] / total:.0f}%)")
    rest = total - sum(spent.values())
    print(f"  {'the rest':<24} {1000 * rest / n:6.1f} ms  ({100 * rest / total:.0f}%)")

    index = clang._index()
    parse_args, fixed = clang._arguments(options)
    for label, texts in (("one bare parse per file", [(p, sources[p]) for p in sample]),
                         ("one parse of an empty file", [("empty.c", b"int x;\n")] * n)):
        start = time.process_time()
        for path, source in texts:
            index.parse(path, args=parse_args, unsaved_files=[(path, source), *fixed,
                                                               (clang._EXTRAS, b"")],
                        options=clang._OPTIONS)
        print(f"floor, {label}: {1000 * (time.process_time() - start) / n:.1f} ms CPU")
    print(f"estimate for the tree: {len(sources)} candidates x {1000 * total / n:.1f} ms "
          f"= {len(sources) * total / n:.0f} s CPU, {len(sources) * total / n / (os.cpu_count() or 1):.0f} s "
          f"on {os.cpu_count()} cores")
    _text_only_share(sources)
    return 0


# Words of an #if line that name no option.
_NOT_OPTIONS = {b"if", b"ifdef", b"ifndef", b"elif", b"defined", b"IS_ENABLED", b"IS_BUILTIN",
                b"IS_MODULE", b"IS_REACHABLE"}


def _text_only_share(sources: dict[str, bytes]) -> None:
    """How many candidates a parser of the text alone, with no preprocessor,
    could take on: none that includes a header of its own directory (clang
    parses it: its macros and types can make a table) and none with an #if on
    more than the options pmlint sets (a configuration decides it)."""
    pm_options = {o.encode() for o in frontend.DEFAULT_CONFIG}
    local = conditional = simple = 0
    for path, source in sources.items():
        here = os.path.dirname(path)
        has_local = any(os.path.isfile(os.path.join(here, name)) for name in include_names(source))
        has_other = any(set(re.findall(rb"\w+", m.group())) - _NOT_OPTIONS - pm_options
                        for m in textfacts._DIRECTIVE.finditer(source)
                        if m.group(1) not in (b"else", b"endif"))
        local += has_local
        conditional += has_other
        simple += not (has_local or has_other)
    n = len(sources)
    print(f"candidates that include a header of their own directory: {local} ({100 * local / n:.0f}%); "
          f"with an #if on more than the options pmlint sets: {conditional} ({100 * conditional / n:.0f}%); "
          f"neither, what a parser without a preprocessor could take: {simple} ({100 * simple / n:.0f}%)")


if __name__ == "__main__":
    sys.exit(main())
