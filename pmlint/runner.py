"""Analyse files, in worker processes when there are several."""
from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator

from pmlint.model import FileModel, Problem
from pmlint.parse import ParseOptions

# Only files that can hold a table, a driver pointing at one, or a xenbus
# driver are worth parsing; everything else has an empty model.
PREFILTER = re.compile(rb"dev_pm_ops|PM_OPS|xenbus_driver")


def read_source(path: str) -> bytes:
    if path == "-":
        import sys
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def analyse_source(path: str, source: bytes, options: ParseOptions) -> FileModel:
    if b"\0" in source:
        return FileModel(path, problems=(Problem(path, "binary file (contains NUL bytes)"),))
    if not PREFILTER.search(source):
        return FileModel(path)
    from pmlint.parse import parse_source  # libclang loads only where needed
    return parse_source(path, source, options)


def analyse_file(path: str, options: ParseOptions) -> FileModel:
    try:
        source = read_source(path)
    except OSError as exc:
        return FileModel(path, problems=(Problem(path, f"cannot read file: {exc.strerror or exc}"),))
    return analyse_source(path, source, options)


def _work(args: tuple[str, ParseOptions]) -> FileModel:
    return analyse_file(*args)


def analyse(paths: Iterable[str], options: ParseOptions, jobs: int = 0) -> Iterator[FileModel]:
    """Yield one FileModel per path, in the order given."""
    paths = list(paths)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < 2 or "-" in paths:
        for p in paths:
            yield analyse_file(p, options)
        return
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with ctx.Pool(min(jobs, len(paths))) as pool:
        yield from pool.imap(_work, [(p, options) for p in paths], chunksize=8)
