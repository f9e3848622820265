"""Analyse files, in worker processes when there are several.

A worker reads a file, parses it and evaluates the rules, so that only the
small results (model, findings, and the source lines of files with findings,
for the reports that show them) cross back to the main process.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pmlint import engine
from pmlint.kernel import buildneeds, modulelinks
from pmlint.pipeline import scan, workers
from pmlint.pipeline.cache import ResultCache
from pmlint.catalogue import Rule
from pmlint.engine import RuleFailure
from pmlint.filters import inline_suppressed
from pmlint.pipeline.inputs import file_options, parsed_for
from pmlint.model import FileModel, Finding, Problem
from pmlint.frontend import ParseOptions
from pmlint.pipeline.sourcefile import read_regular, read_source

# Only files that can hold a table, a driver pointing at one, a xenbus
# driver, legacy bus callbacks (pm_message_t) or code driving the PM core
# are worth parsing; everything else has an empty model.
PREFILTER = (b"dev_pm_ops", b"PM_OPS", b"xenbus_driver", b"dpm_suspend", b"dpm_prepare",
             b"pm_message_t")


@dataclass(frozen=True)
class FileResult:
    model: FileModel
    findings: tuple[Finding, ...]
    source: bytes | None = None   # the file's bytes, kept only when there are findings
    failures: tuple[RuleFailure, ...] = ()   # rules that could not judge the file (pmlint's bugs)
    tree: tuple[buildneeds.Answer, ...] = ()   # what the kernel tree was asked for it

    @property
    def lines(self) -> tuple[str, ...] | None:
        """The source text, for the reports that show it (decoded only if asked for)."""
        return None if self.source is None else _source_lines(self.source)


def analyse_source(path: str, source: bytes, options: ParseOptions) -> FileModel:
    model = _unparsed(path, source)
    return model if model is not None else _parse(path, source, options)


def _unparsed(path: str, source: bytes) -> FileModel | None:
    """The model of a file not worth parsing: binary, or rejected by the
    pre-filter; None for a file to parse."""
    if b"\0" in source:
        return FileModel(path, problems=(Problem(path, "binary file (contains NUL bytes)"),))
    if not scan.is_candidate(source, PREFILTER):
        return FileModel(path)
    return None


def _parse(path: str, source: bytes, options: ParseOptions) -> FileModel:
    from pmlint.frontend import parse_source  # libclang loads only where it is needed
    return parse_source(path, source, options)


def analyse_file(path: str, options: ParseOptions, rules: tuple[Rule, ...] = ()) -> FileResult:
    try:
        source = read_source(path)
    except OSError as exc:
        model = FileModel(path, problems=(Problem(path, f"cannot read file: {exc.strerror or exc}"),))
        return _unread(model, rules)
    return analyse_outcomes(path, source, options, rules)


def judge(model: FileModel, source: bytes,
          rules: tuple[Rule, ...]) -> tuple[FileModel, list[Finding], list[RuleFailure]]:
    """The model with the bodies the rules read, its findings less those
    suppressed inline, and the rules that failed on it."""
    model, findings, failures = engine.judge(model, rules, source, lambda: _linker(model.path, source))
    if findings and b"\0" not in source:
        lines = _source_lines(source)
        findings = [f for f in findings if not inline_suppressed(f, lines)]
    return model, findings, failures


def _linker(path: str, source: bytes) -> modulelinks.Linker | None:
    """What reads the files Kbuild links with the file, when the file judged
    is the one on disk: not for stdin, nor a patched text or another
    revision's (--patch, --git), whose module's other files on disk need not
    be the ones it goes with (docs/limits.md)."""
    try:
        return modulelinks.Linker(path) if path != "-" and read_regular(path) == source else None
    except (OSError, ValueError):   # ValueError: a NUL in the name
        return None


def _finish(model: FileModel, source: bytes, rules: tuple[Rule, ...]) -> FileResult:
    model, findings, failures = judge(model, source, rules)
    return FileResult(model, tuple(findings), source if findings and b"\0" not in source else None,
                      tuple(failures))


def _unread(model: FileModel, rules: tuple[Rule, ...]) -> FileResult:
    """The result of a file whose bytes were not analysed (its model says why)."""
    _, findings, failures = engine.judge(model, rules)
    return FileResult(model, tuple(findings), failures=tuple(failures))


def _work(args) -> FileResult:
    path, source, options, rules = args
    _test_hook(path)
    with buildneeds.answers() as asked:
        result = analyse_outcomes(path, source, options, rules)
    return dataclasses.replace(result, tree=tuple(dict.fromkeys(asked)))


def analyse_outcomes(path: str, source: bytes, options: ParseOptions,
                     rules: tuple[Rule, ...]) -> FileResult:
    """The file once per outcome of its version checks and own options
    (pmlint.pipeline.outcomes), headerless; as it is with real flags."""
    model = _unparsed(path, source)
    if model is not None:
        return _finish(model, source, rules)

    def run(o: ParseOptions) -> FileResult:
        return _finish(_parse(path, source, o), source, rules)

    if (options.kernel_upto is not None or options.vary_options) and not options.flags:
        from pmlint.pipeline import outcomes
        return outcomes.analyse(path, source, options, rules, run, in_tree=path != "-")
    return run(options)


def _failed(args, reason: str) -> FileResult:
    path, _, _, rules = args
    return _unread(FileModel(path, problems=(Problem(path, reason),)), rules)


def _test_hook(path: str) -> None:
    """PMLINT_TEST_CRASH / PMLINT_TEST_HANG=substring: really crash or hang a worker (tests)."""
    crash, hang = os.environ.get("PMLINT_TEST_CRASH"), os.environ.get("PMLINT_TEST_HANG")
    if crash and crash in path:
        os.kill(os.getpid(), signal.SIGSEGV)
    if hang and hang in path:
        time.sleep(3600)


def _source_lines(source: bytes) -> tuple[str, ...]:
    return tuple(source.decode("utf-8", "replace").splitlines())


def _items(paths: Iterable[str], options: ParseOptions, rules: tuple[Rule, ...],
           cache: ResultCache | None, misses: dict[int, str], jobs: int, build,
           keep_sources: bool, rejected: bool):
    """Only candidates not in the cache go to a worker; misses[index] gets their cache key."""
    index = 0
    for path, kind, value in scan.scan(paths, read_source, PREFILTER, cache, jobs, keep_sources):
        if kind == scan.ERROR:
            yield False, _failed((path, None, options, rules), value)
        elif kind == scan.SKIP:
            if not rejected:
                continue
            yield False, FileResult(FileModel(path), ())
        elif kind == scan.HIT:
            model, findings, source = value
            yield False, FileResult(model, findings, source)
        else:
            source, key = value
            if key is not None:
                misses[index] = key
            yield True, (path, source, file_options(path, options, build), rules)
        index += 1


def analyse(paths: Iterable[str], options: ParseOptions, rules: Iterable[Rule] = (),
            jobs: int = 0, timeout: float = workers.DEFAULT_TIMEOUT,
            cache: ResultCache | None = None, build=None, keep_sources: bool = True,
            rejected: bool = True) -> Iterator[FileResult]:
    """Yield one FileResult per path, in the order given; build, a
    compdb.CompileDatabase, gives the files it lists their real flags.
    Without rejected, none for the files the pre-filter rejects (an empty
    model, no findings): handing on 57,000 of them cost a tenth of a warm
    run over a tree.

    With a cache, a result's model holds only its tables and problems, all a
    report shows and counts besides findings: decoding whole models (every function, every
    #if block) was most of what a warm run did. Without keep_sources, a result
    from the cache carries no source bytes: reading them for reports that
    show no lines was most of what was left."""
    rules = tuple(rules)
    options = parsed_for(options, rules)
    misses: dict[int, str] = {}
    gave_up: set[str] = set()   # crashed or timed out: never cached, a later run retries

    def failed(payload, reason: str) -> FileResult:
        gave_up.add(payload[0])
        return _failed(payload, reason)

    jobs = jobs or os.cpu_count() or 1
    items = _items(paths, options, tuple(rules), cache, misses, jobs, build, keep_sources,
                   rejected)
    results = workers.run(items, _work, failed, jobs, timeout)
    for index, result in enumerate(results):
        key = misses.pop(index, None)
        if key is not None:   # parsed now, to be cached
            result = dataclasses.replace(result, model=FileModel(
                result.model.path, tables=result.model.tables, problems=result.model.problems))
            if result.model.path not in gave_up and not result.failures:   # a fixed pmlint retries
                cache.put(key, result.model, result.findings, result.source is not None,
                          result.tree)
        yield result


def analyse_sources(sources: Iterable[tuple[str, bytes]], options: ParseOptions,
                    rules: Iterable[Rule] = (), jobs: int = 0,
                    timeout: float = workers.DEFAULT_TIMEOUT) -> Iterator[FileResult]:
    """As analyse(), for (path, content) already in memory, such as a patched file."""
    rules = tuple(rules)
    options = parsed_for(options, rules)
    items = ((True, (path, source, file_options(path, options), rules)) for path, source in sources)
    yield from workers.run(items, _work, _failed, jobs or os.cpu_count() or 1, timeout)
