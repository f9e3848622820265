"""`pmlint --diff` and `pmlint --fix`: plan, check and write the fixes.

Fixes ride on findings: a run lints the files as always, its filters drop
what they drop (selection, per-file ignores, inline suppression, the
baseline), and only the findings kept are fixed, each where it was found
(its rule, table and line). A file with a kept PM000 was not analysed and is
not fixed.

A fixed text is parsed again before anything is shown or written; it is
refused when a table differs from what the fixes intend, or when a converted
callback would be undeclared with CONFIG_PM off. --fix writes through a
temporary file renamed over it (pipeline.outfile), after checking the file still holds the text
the fixes were made from: an interrupted run leaves each file old or new.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
import sys
from dataclasses import dataclass

from collections.abc import Iterable

from pmlint.pipeline import workers
from pmlint.fixes import layout
from pmlint.fixes import plan as fix
from pmlint.model import FileModel, Finding
from pmlint.frontend import ParseOptions
from pmlint.pipeline.outfile import replace_atomically
from pmlint.pipeline.run import Settings
from pmlint.report import Report

# The rules whose findings have a mechanical fix (pmlint.fixes.plan).
FIXABLE = ("PM103", "PM201", "PM202")
# Off for the second check: what a build with CONFIG_PM off sees.
_PM_OPTIONS = ("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_SUSPEND", "CONFIG_HIBERNATION",
               "CONFIG_HIBERNATE_CALLBACKS", "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS",
               "CONFIG_PM_GENERIC_DOMAINS_SLEEP")


@dataclass(frozen=True)
class Outcome:
    path: str
    old: bytes
    new: bytes
    fixed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()    # fixes not made, and why
    error: str = ""                # the file is not touched


def _parse(path: str, source: bytes, options: ParseOptions) -> FileModel:
    from pmlint.frontend import parse_source  # libclang loads only where it is needed
    return parse_source(path, source, options)


def fix_source(path: str, source: bytes, options: ParseOptions, wanted: fix.Wanted) -> Outcome:
    model = _parse(path, source, options)
    if model.problems:
        p = model.problems[0]
        return Outcome(path, source, source, error=f"not fixed: could not analyse line {p.line}: {p.reason}")
    plan = fix.plan(model, source, wanted)
    try:
        new = layout.apply(source, plan.edits)
    except ValueError as exc:  # two fixes want the same text: make neither
        return Outcome(path, source, source, error=f"not fixed: {exc}")
    done = Outcome(path, source, new, tuple(plan.fixed), tuple(plan.skipped))
    if new == source:
        return done
    why = _unintended(path, new, options, model, plan)
    return dataclasses.replace(done, new=source, fixed=(), error=f"refusing to fix: {why}") if why else done


def _unintended(path: str, new: bytes, options: ParseOptions, old: FileModel, plan: fix.Plan) -> str:
    """What the fixed text does that the plan did not intend ('' if nothing)."""
    model = _parse(path, new, options)
    if model.problems:
        return f"the fixed text does not parse: {model.problems[0].reason}"
    got = {t.name: fix.expectation(t) for t in model.tables if t.defined and t.complete}
    if {t.name for t in model.tables} != {t.name for t in old.tables}:
        return "the fixed text has other tables"
    for name, want in sorted(plan.expect.items()):
        if got.get(name) != want:
            return f"table '{name}' would change: expected {want}, parser sees {got.get(name)}"
    drivers = {d.name: {s.name: s.callback for s in d.slots} for d in old.drivers}
    if {d.name: {s.name: s.callback for s in d.slots} for d in model.drivers} != drivers:
        return "a driver's PM members would change"
    if plan.converted_callbacks:
        off = ParseOptions(config=tuple(o for o in options.config if o.partition("=")[0] not in _PM_OPTIONS),
                           switch_off=(), kernel_version=options.kernel_version)
        lost = sorted(plan.converted_callbacks & set(_parse(path, new, off).left_out))
        if lost:
            return f"with CONFIG_PM off, {', '.join(lost)} would be used but not declared"
    return ""


def _work(args) -> Outcome:
    path, source, options, wanted = args
    return fix_source(path, source, options, wanted)


def _failed(args, reason: str) -> Outcome:
    path, source, _, _ = args
    return Outcome(path, source, source, error=f"not fixed: {reason}")


def _items(paths: Iterable[str], wanted: dict[str, fix.Wanted], unanalysed: dict[str, Finding],
           options):
    from pmlint.pipeline.sourcefile import read_source
    for path in paths:
        if path in unanalysed:
            f = unanalysed[path]
            yield False, Outcome(path, b"", b"", error=f"not fixed: {f.message} (line {f.line})")
            continue
        if path == "-":
            yield False, Outcome(path, b"", b"", error="standard input cannot be fixed")
            continue
        try:
            source = read_source(path)
        except OSError as exc:
            yield False, Outcome(path, b"", b"", error=f"cannot read file: {exc.strerror or exc}")
            continue
        yield True, (path, source, options, wanted[path])


def fix_findings(report: Report, settings: Settings, write: bool) -> int:
    """Print the fixes of the report's findings as a diff, or write them,
    file by file in the order the findings come; exit status 0, or 2 if a
    file was refused or the report has errors."""
    status = 2 if report.errors else 0
    for e in report.errors:
        print(f"pmlint: error: {e['path']}: {e['message']}", file=sys.stderr)
    paths: dict[str, None] = {}   # in the order of the findings
    wanted: dict[str, fix.Wanted] = {}
    unanalysed: dict[str, Finding] = {}
    for f in report.findings:
        if f.rule in FIXABLE:
            wanted.setdefault(f.path, set()).add((f.rule, f.symbol, f.line))
        elif f.rule == "PM000":
            unanalysed.setdefault(f.path, f)
        else:
            continue
        paths[f.path] = None
    options = dataclasses.replace(settings.options, switch_off=())   # no fix reads other configurations
    outcomes = workers.run(_items(paths, wanted, unanalysed, options), _work, _failed,
                           settings.jobs or os.cpu_count() or 1, settings.timeout)
    for out in outcomes:
        for note in out.notes:
            print(f"pmlint: note: {out.path}: not fixed: {note}", file=sys.stderr)
        if not out.error and out.new != out.old:
            if write:
                out = _write(out)
            else:
                sys.stdout.buffer.write(diff(out.path, out.old, out.new))
                sys.stdout.flush()
        if out.error:
            print(f"pmlint: error: {out.path}: {out.error}", file=sys.stderr)
            status = 2
        elif write and out.fixed:
            print(f"pmlint: fixed {out.path}: {', '.join(out.fixed)}", file=sys.stderr)
    return status


def diff(path: str, old: bytes, new: bytes) -> bytes:
    """A unified diff with a/ and b/ prefixes relative to the current directory
    (patch -p1), its hunk headers naming the function or table as git's do."""
    name = os.path.relpath(path)
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(a, b, f"a/{name}", f"b/{name}"):
        hunk = _HUNK.match(line)
        if hunk:
            line = line.rstrip("\n") + _funcname(a, int(hunk.group(1)) - 1) + "\n"
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out).encode("utf-8", "surrogateescape")


_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@$")


def _funcname(lines: list[str], first: int) -> str:
    """git's default funcname for C (xdiff's def_ff): the last line before the
    hunk's first that starts with a letter, '_' or '$', cut to 80 bytes and
    trailing blanks; '' if none."""
    for line in reversed(lines[:max(first, 0)]):
        if line[:1].isascii() and (line[:1].isalpha() or line[:1] in "_$"):
            text = line.encode("utf-8", "surrogateescape")[:80].rstrip(b" \t\n\r\f\v")
            return " " + text.decode("utf-8", "surrogateescape")
    return ""


class _Changed(Exception):
    pass


def _write(out: Outcome) -> Outcome:
    """Replace the file atomically, if it still holds the text the fixes were made from."""
    def unchanged() -> None:
        with open(out.path, "rb") as f:
            if f.read() != out.old:
                raise _Changed

    try:
        replace_atomically(out.path, out.new, before=unchanged)
    except _Changed:
        return dataclasses.replace(out, error="changed since it was read; not written")
    except OSError as exc:
        return dataclasses.replace(out, error=f"cannot write: {exc.strerror or exc}")
    return out
