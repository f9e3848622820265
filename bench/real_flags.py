#!/usr/bin/env python3
"""Compare the tables pmlint finds with real build flags and without headers.

Usage: python bench/real_flags.py BUILD_DIR [--kconfig FILE] [-j N] [-v]

BUILD_DIR is a configured and (partly) built kernel tree whose
compile_commands.json was written by scripts/clang-tools/gen_compile_commands.py.
Every file it lists is analysed twice: with its real flags and headers
(`pmlint -p BUILD_DIR`), and headerless with the tree's .config
(`pmlint --kconfig BUILD_DIR/.config`), so that both see the same options.
For every table the two runs must agree on everything the rules read: name,
const, static, exported, how it is defined, and each member's callback, the
macro it was written with and the pm.h macros it went through. Findings are
compared too. Every difference is printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from pmlint import catalogue
from pmlint.pipeline import compdb
from pmlint.kernel.kconfig import read_dotconfig
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import analyse


def table_view(t) -> dict:
    return {"const": t.const, "static": t.static, "exported": t.exported, "defined": t.defined,
            "defined_by": t.defined_by, "complete": t.complete,
            "slots": {s.name: (s.callback, s.via, s.macros) for s in t.slots}}


def run(files, options, build, jobs):
    start = time.monotonic()
    out = {}
    for path, result in zip(files, analyse(files, options, catalogue.rules(), jobs, build=build)):
        m = result.model
        out[path] = ({t.name: table_view(t) for t in m.tables},
                     sorted((f.rule, f.line, f.symbol) for f in result.findings),
                     [p.reason for p in m.problems])
    return out, time.monotonic() - start


def differences(name: str, a: dict, b: dict) -> list[str]:
    out = [f"{name}: {k} {a[k]!r} headerless, {b[k]!r} real" for k in a
           if k != "slots" and a[k] != b[k]]
    for slot in sorted(set(a["slots"]) | set(b["slots"])):
        x, y = a["slots"].get(slot), b["slots"].get(slot)
        if x != y:
            out.append(f"{name}.{slot}: {x} headerless, {y} real")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--kconfig", metavar="FILE", help="default: BUILD/.config")
    ap.add_argument("-j", "--jobs", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every file compared")
    args = ap.parse_args()

    db = compdb.load(args.build)
    files = [f for f in db.files() if os.path.exists(f)]
    config = tuple(read_dotconfig(args.kconfig or os.path.join(args.build, ".config")))
    options = ParseOptions(config=config)
    headerless, t_headerless = run(files, options, None, args.jobs)
    real, t_real = run(files, options, db, args.jobs)

    compared = tables = equal = 0
    same_findings = 0
    notes: list[str] = []
    for path in files:
        (ta, fa, pa), (tb, fb, pb) = headerless[path], real[path]
        if not ta and not tb and not fa and not fb:
            continue
        compared += 1
        rel = os.path.relpath(path, args.build)
        if args.verbose:
            print(f"  {rel}: {len(tb)} tables")
        for name in sorted(set(ta) | set(tb)):
            tables += 1
            if name not in tb or name not in ta:
                notes.append(f"{rel}: {name} only {'headerless' if name in ta else 'real'}")
                continue
            diff = differences(name, ta[name], tb[name])
            equal += not diff
            notes += [f"{rel}: {d}" for d in diff]
        if fa == fb:
            same_findings += 1
        else:
            notes.append(f"{rel}: findings {fa} headerless, {fb} real")
        if pa != pb:
            notes.append(f"{rel}: problems {pa} headerless, {pb} real")

    print(f"files in {db.path}: {len(db.entries)} ({len(files)} C files)")
    print(f"files with a table or a finding: {compared}")
    print(f"tables: {tables}, equal in every field the rules read: {equal}")
    print(f"files with the same findings: {same_findings} of {compared}")
    print(f"time: headerless {t_headerless:.1f} s, real flags {t_real:.1f} s")
    for n in notes:
        print("DIFF", n)
    return 0 if not notes else 1


if __name__ == "__main__":
    sys.exit(main())
