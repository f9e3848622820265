"""Analyse files, in worker processes when there are several.

A worker reads a file, parses it and evaluates the rules, so that only the
small results (model, findings, and the source lines of files with findings,
for the reports that show them) cross back to the main process.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pmlint.catalogue import Rule
from pmlint.engine import evaluate
from pmlint.filters import inline_suppressed
from pmlint.model import FileModel, Finding, Problem
from pmlint.parse import ParseOptions

# Only files that can hold a table, a driver pointing at one, or a xenbus
# driver are worth parsing; everything else has an empty model.
PREFILTER = re.compile(rb"dev_pm_ops|PM_OPS|xenbus_driver")


@dataclass(frozen=True)
class FileResult:
    model: FileModel
    findings: tuple[Finding, ...]
    lines: tuple[str, ...] | None   # source text, kept only when there are findings


def read_source(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def analyse_source(path: str, source: bytes, options: ParseOptions) -> FileModel:
    if b"\0" in source:
        return FileModel(path, problems=(Problem(path, "binary file (contains NUL bytes)"),))
    if not PREFILTER.search(source):
        return FileModel(path)
    from pmlint.parse import parse_source  # libclang loads only where it is needed
    return parse_source(path, source, options)


def analyse_file(path: str, options: ParseOptions, rules: tuple[Rule, ...] = ()) -> FileResult:
    try:
        source = read_source(path)
    except OSError as exc:
        model = FileModel(path, problems=(Problem(path, f"cannot read file: {exc.strerror or exc}"),))
        return FileResult(model, tuple(evaluate(model, rules)), None)
    model = analyse_source(path, source, options)
    findings = evaluate(model, rules)
    lines = None
    if findings and b"\0" not in source:
        lines = tuple(source.decode("utf-8", "replace").splitlines())
        findings = [f for f in findings if not inline_suppressed(f, lines)]
    return FileResult(model, tuple(findings), lines if findings else None)


def _work(args) -> FileResult:
    return analyse_file(*args)


def analyse(paths: Iterable[str], options: ParseOptions, rules: Iterable[Rule] = (),
            jobs: int = 0) -> Iterator[FileResult]:
    """Yield one FileResult per path, in the order given."""
    paths, rules = list(paths), tuple(rules)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < 2 or "-" in paths:
        for p in paths:
            yield analyse_file(p, options, rules)
        return
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with ctx.Pool(min(jobs, len(paths))) as pool:
        yield from pool.imap(_work, [(p, options, rules) for p in paths], chunksize=8)
