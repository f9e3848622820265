"""Analyse files, in worker processes when there are several.

A worker reads a file, parses it and evaluates the rules, so that only the
small results (model, findings, and the source lines of files with findings,
for the reports that show them) cross back to the main process.
"""
from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pmlint import workers
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
    return _finish(analyse_source(path, source, options), source, rules)


def _finish(model: FileModel, source: bytes, rules: tuple[Rule, ...]) -> FileResult:
    findings = evaluate(model, rules)
    lines = None
    if findings and b"\0" not in source:
        lines = tuple(source.decode("utf-8", "replace").splitlines())
        findings = [f for f in findings if not inline_suppressed(f, lines)]
    return FileResult(model, tuple(findings), lines if findings else None)


def _work(args) -> FileResult:
    path, source, options, rules = args
    _test_hook(path)
    return _finish(analyse_source(path, source, options), source, rules)


def _failed(args, reason: str) -> FileResult:
    path, _, _, rules = args
    model = FileModel(path, problems=(Problem(path, reason),))
    return FileResult(model, tuple(evaluate(model, rules)), None)


def _test_hook(path: str) -> None:
    """PMLINT_TEST_CRASH / PMLINT_TEST_HANG=substring: really crash or hang a worker (tests)."""
    crash, hang = os.environ.get("PMLINT_TEST_CRASH"), os.environ.get("PMLINT_TEST_HANG")
    if crash and crash in path:
        os.kill(os.getpid(), signal.SIGSEGV)
    if hang and hang in path:
        time.sleep(3600)


def _items(paths: list[str], options: ParseOptions, rules: tuple[Rule, ...]):
    """Read and pre-filter here (cheap, like grep); only candidates go to a worker."""
    for path in paths:
        try:
            source = read_source(path)
        except OSError as exc:
            yield False, _failed((path, None, options, rules),
                                 f"cannot read file: {exc.strerror or exc}")
            continue
        if b"\0" in source or PREFILTER.search(source):
            yield True, (path, source, options, rules)
        else:
            yield False, FileResult(FileModel(path), (), None)


def analyse(paths: Iterable[str], options: ParseOptions, rules: Iterable[Rule] = (),
            jobs: int = 0, timeout: float = workers.DEFAULT_TIMEOUT) -> Iterator[FileResult]:
    """Yield one FileResult per path, in the order given."""
    items = _items(list(paths), options, tuple(rules))
    yield from workers.run(items, _work, _failed, jobs or os.cpu_count() or 1, timeout)
