"""Read, pre-filter and look up the cache: the part of a run that is like grep.

Over a whole tree this is most of what a run with a warm cache does (the
kernel has 60,000 .c and .h files, 1.3 GB), so with many files it runs in a
pool of processes, a chunk of paths at a time as the walk finds them, with
few chunks in flight so that memory stays flat. Nothing here touches
libclang: it cannot crash the way the parser can, so it needs no isolation
of its own. Over a tree, files unchanged since an earlier run are not even
read (pmlint.pipeline.skipindex): those the pre-filter rejected, and those it passed
whose result is cached, unless the report shows their lines.
"""
from __future__ import annotations

import collections
import hashlib
import itertools
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from pmlint.pipeline import skipindex, workers
from pmlint.pipeline.cache import ResultCache
from pmlint.pipeline.skipindex import SkipIndex

# Below this many files a pool costs more than it saves.
_POOL_FROM = 512
_CHUNK = 128

# What scan() says of each path:
SKIP, ERROR, HIT, WORK = "skip", "error", "hit", "work"

Reader = Callable[[str], bytes]


class _Settings(NamedTuple):
    """_look's arguments after the path; in a pool process, set once by _start."""

    read: Reader
    words: tuple[bytes, ...]
    cache: ResultCache | None
    skips: SkipIndex | None
    keep_sources: bool


_settings: _Settings | None = None


def is_candidate(source: bytes, words: tuple[bytes, ...]) -> bool:
    # Substring tests, not one regex alternation: 4x faster over a whole tree.
    return any(word in source for word in words)


def _look(path: str, read: Reader, words: tuple[bytes, ...], cache: ResultCache | None,
          skips: SkipIndex | None = None, keep_sources: bool = True) -> tuple[str, object]:
    """(SKIP, None), (ERROR, reason), (HIT, (model, findings, source)) or (WORK, (source, key)),
    noting what it learns in the skip index. A hit carries the file's bytes only if
    sources are kept and its findings show lines."""
    where = sig = known = source = None
    if skips is not None:
        where = os.path.abspath(path)
        sig = skips.signature_of(path)
        if sig is not None and skips.rejects(where, sig):
            return SKIP, None
        known = skips.digest(where, sig)
    if known is not None and cache is not None:   # unchanged since a run read it
        hit = cache.get(cache.key_of(path, *known, skips))
        if hit is not None:
            model, findings, has_lines = hit
            if not (has_lines and keep_sources):
                return HIT, (model, findings, None)
            try:
                source = read(path)
            except OSError as exc:
                return ERROR, f"cannot read file: {exc.strerror or exc}"
            if hashlib.sha256(source).digest() == known[0]:
                return HIT, (model, findings, source)
    if source is None:
        try:
            source = read(path)
        except OSError as exc:
            return ERROR, f"cannot read file: {exc.strerror or exc}"
    if b"\0" not in source and not is_candidate(source, words):   # a binary file is PM000
        if skips is not None:
            skips.rejected_now(where, sig)
        return SKIP, None
    if skips is not None:
        skips.wanted_now(where)
    if cache is None:
        return WORK, (source, None)
    key = cache.key(path, source, skips, sig)
    hit = cache.get(key)
    if hit is None:
        return WORK, (source, key)
    model, findings, has_lines = hit
    return HIT, (model, findings, source if has_lines and keep_sources else None)


def _start(settings: _Settings) -> None:
    global _settings
    workers.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if settings.skips is not None:
        settings.skips.load()   # here, while the parent still walks the tree
    _settings = settings


def _chunk(paths: list[str]):
    """What _look says of each path, and what the skip index learnt meanwhile."""
    looked = [_look(p, *_settings) for p in paths]
    return looked, _settings.skips.news() if _settings.skips is not None else None


def scan(paths: Iterable[str], read: Reader, words: tuple[bytes, ...], cache: ResultCache | None,
         jobs: int, keep_sources: bool = True,
         clock: skipindex.Clock = time.time_ns) -> Iterator[tuple[str, str, object]]:
    """(path, what _look says of it) for each path, in order, as the paths come:
    read here, or (many paths) in a pool that starts on the first ones while
    the rest are still being found. The clock says when a file is too
    recently changed for the skip index to trust (pmlint.pipeline.skipindex)."""
    paths = iter(paths)
    head = list(itertools.islice(paths, _POOL_FROM))
    if len(head) < _POOL_FROM or jobs <= 1:
        for path in itertools.chain(head, paths):
            yield path, *_look(path, read, words, cache, None, keep_sources)
        return
    skips = SkipIndex(cache.directory, words, clock) if cache is not None else None
    if cache is not None:
        cache.prepare(head[0])   # before the pool forks: each process would read it
    settings = _Settings(read, words, cache, skips, keep_sources)
    with multiprocessing.get_context("fork").Pool(jobs, _start, (settings,)) as pool:
        window = collections.deque()
        for chunk in _chunks(itertools.chain(head, paths)):
            if chunk == ["-"]:   # standard input is the parent's
                looked = [_look("-", read, words, cache, None, keep_sources)]
                window.append((chunk, _Done((looked, None))))
            else:
                window.append((chunk, pool.apply_async(_chunk, (chunk,))))
            if len(window) > 2 * jobs:
                yield from _results(skips, *window.popleft())
        while window:
            yield from _results(skips, *window.popleft())
    if skips is not None:
        skips.save()


def _chunks(paths: Iterator[str]) -> Iterator[list[str]]:
    """Paths _CHUNK at a time, standard input ("-") in a chunk of its own."""
    chunk: list[str] = []
    for path in paths:
        if path == "-" and chunk:
            yield chunk
            chunk = []
        chunk.append(path)
        if path == "-" or len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Done:
    """A chunk's result known already, in the place of the pool's pending one."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def _results(skips: SkipIndex | None, chunk: list[str], pending) -> Iterator[tuple[str, str, object]]:
    """A chunk's results; what its process learnt goes to the index, to be saved."""
    looked, news = pending.get()
    if news is not None:
        skips.learn(news)
    for path, (kind, value) in zip(chunk, looked):
        yield path, kind, value
