"""Files the pre-filter rejected are not read again while unchanged (pmlint.pipeline.skipindex).

The reader given to scan() logs every path it is asked for, from whichever
pool process reads it, so a test sees exactly which files a run read.

The index's clock is the test's: LATER is long after any file here was
written (every file has settled), so no test waits for the real clock or
depends on how fast a loaded machine gets there. A file changed within a
test changes its size, so that its signature changes whatever the file
system's time granularity.
"""
from __future__ import annotations

import os
import time

import pytest

from lintrun import DRIVER
from pmlint.pipeline import scan, skipindex
from pmlint.pipeline.cache import ResultCache
from pmlint.model import FileModel, Finding
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import PREFILTER
from pmlint.pipeline.sourcefile import read_source

FILES = 600   # above the size from which scan() uses a pool and the index


def LATER() -> int:
    """A clock for which every file of the test has long settled."""
    return 1 << 62


class LoggingReader:
    def __init__(self, log):
        self.log = log

    def __call__(self, path: str) -> bytes:
        with open(self.log, "a") as f:
            f.write(path + "\n")
        return read_source(path)

    def paths(self) -> list[str]:
        text = self.log.read_text() if self.log.exists() else ""
        self.log.write_text("")
        return text.split()


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    paths = []
    for i in range(FILES):
        p = root / f"f{i:04d}.c"
        p.write_bytes(DRIVER if i % 100 == 0 else b"int x;\n")
        paths.append(str(p))
    return paths


def run(paths, cache, reader, sources=True, clock=LATER) -> list[str]:
    return [kind for _, kind, _ in scan.scan(paths, reader, PREFILTER, cache, 2, sources, clock)]


def cached_run(paths, cache, reader, sources=True) -> list[str]:
    """A scan whose candidates are then cached, as the runner does after parsing
    them: with a finding, so that a hit's source lines count."""
    kinds = []
    looked = list(scan.scan(paths, reader, PREFILTER, cache, 2, sources, LATER))   # to its end: saved
    for path, kind, value in looked:
        if kind == scan.WORK:
            finding = Finding("PM101", "error", path, 7, 1, "foo_pm_ops", "a finding")
            cache.put(value[1], FileModel(path), (finding,), True)
        kinds.append(kind)
    return kinds


@pytest.fixture
def tree_with_header(tree):
    """Every candidate of the tree includes a local header."""
    header = os.path.join(os.path.dirname(tree[0]), "local.h")
    with open(header, "w") as f:
        f.write("#define LOCAL 1\n")
    for p in tree[::100]:
        with open(p, "wb") as f:
            f.write(b'#include "local.h"\n' + DRIVER)
    return tree, header


def test_unchanged_rejected_files_are_not_read_again(tree, tmp_path):
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    first = run(tree, cache, reader)
    assert sorted(reader.paths()) == sorted(tree)
    assert first.count(scan.WORK) == FILES // 100
    second = run(tree, cache, reader)
    assert second == first
    assert sorted(reader.paths()) == sorted(p for p, k in zip(tree, first) if k != scan.SKIP)


def test_a_changed_file_is_read_and_judged_again(tree, tmp_path):
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    run(tree, cache, reader)
    with open(tree[1], "wb") as f:   # same size would not be enough to hide it: times change too
        f.write(DRIVER)
    kinds = run(tree, cache, reader)
    assert kinds[1] == scan.WORK
    assert tree[1] in reader.paths()


def test_a_damaged_index_is_ignored(tree, tmp_path):
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    first = run(tree, cache, reader)
    index = [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("skip-")]
    assert len(index) == 1
    index[0].write_bytes(index[0].read_bytes()[:-10])
    reader.paths()
    assert run(tree, cache, reader) == first
    assert sorted(reader.paths()) == sorted(tree)


def test_files_changed_just_before_are_not_recorded(tree, tmp_path):
    newest = max(max(st.st_mtime_ns, st.st_ctime_ns) for st in map(os.stat, tree))
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    just_after = lambda: newest + 1   # noqa: E731  (every file changed just before)
    run(tree, cache, reader, clock=just_after)
    reader.paths()
    run(tree, cache, reader, clock=just_after)
    assert sorted(reader.paths()) == sorted(tree)
    assert not [p for p in (tmp_path / "cache").glob("skip-*")]
    # Once the clock has passed the settling time, the same files are recorded.
    settled = lambda: newest + skipindex._SETTLE_NS + 1   # noqa: E731
    first = run(tree, cache, reader, clock=settled)
    reader.paths()
    run(tree, cache, reader, clock=settled)
    assert sorted(reader.paths()) == sorted(p for p, k in zip(tree, first) if k != scan.SKIP)


def test_a_run_of_pmlint_records_and_then_trusts_the_index(tree, tmp_path):
    """The command line's real clock: this one test waits until the files
    have settled (waiting longer, on a loaded machine, changes nothing)."""
    import lintrun
    time.sleep(skipindex._SETTLE_NS / 1e9 + 0.1)
    cache = tmp_path / "cache"
    args = ("--format", "json", "--cache-dir", str(cache), str(tmp_path / "tree"))
    first = lintrun.pmlint(*args)
    assert [p.name for p in cache.iterdir() if p.name.startswith("skip-")], "no index written"
    second = lintrun.pmlint(*args)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)


def test_unchanged_cached_files_are_not_read_when_no_source_is_wanted(tree_with_header, tmp_path):
    tree, _ = tree_with_header
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    first = cached_run(tree, cache, reader)
    assert first.count(scan.WORK) == FILES // 100
    reader.paths()
    second = cached_run(tree, cache, reader, sources=False)
    assert second == [scan.HIT if k == scan.WORK else k for k in first]
    assert reader.paths() == []
    # Wanting the source lines of their findings, the hits (and only they) are read.
    assert cached_run(tree, cache, reader) == second
    assert sorted(reader.paths()) == sorted(tree[::100])


def test_a_changed_header_makes_its_includers_parsed_again(tree_with_header, tmp_path):
    tree, header = tree_with_header
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    cached_run(tree, cache, reader)
    cached_run(tree, cache, reader)   # everything now known to the index
    with open(header, "w") as f:
        f.write("#define LOCAL 22\n")
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())   # a new run
    kinds = cached_run(tree, cache, reader, sources=False)
    assert [i for i, k in enumerate(kinds) if k == scan.WORK] == list(range(0, FILES, 100))


def test_a_changed_candidate_is_read_again(tree_with_header, tmp_path):
    tree, _ = tree_with_header
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    reader = LoggingReader(tmp_path / "reads")
    cached_run(tree, cache, reader)
    cached_run(tree, cache, reader)
    with open(tree[100], "ab") as f:
        f.write(b"/* changed */\n")
    reader.paths()
    kinds = cached_run(tree, cache, reader, sources=False)
    assert kinds[100] == scan.WORK
    assert reader.paths() == [tree[100]]


def test_headers_are_followed_from_wherever_a_run_starts(tree, tmp_path, monkeypatch):
    """The index keeps include names as written: a run from another directory
    must still find (and notice a change to) a header included through another."""
    root = os.path.dirname(tree[0])
    sub = os.path.join(root, "sub")
    os.mkdir(sub)
    for name, text in (("a.c", b'#include "a.h"\n' + DRIVER), ("a.h", b'#include "b.h"\n'),
                       ("b.h", b"#define B 1\n")):
        with open(os.path.join(sub, name), "wb") as f:
            f.write(text)
    reader = LoggingReader(tmp_path / "reads")

    def run_from(directory: str) -> str:
        monkeypatch.chdir(directory)
        paths = [os.path.relpath(p) for p in tree] + [os.path.relpath(os.path.join(sub, "a.c"))]
        cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())   # a new run
        return cached_run(paths, cache, reader, sources=False)[-1]

    assert run_from(root) == scan.WORK
    assert run_from(sub) == scan.WORK   # another path, another entry
    assert run_from(sub) == scan.HIT
    with open(os.path.join(sub, "b.h"), "wb") as f:
        f.write(b"#define B 22\n")
    assert run_from(sub) == scan.WORK
    assert run_from(root) == scan.WORK


def test_an_include_of_a_fifo_or_a_bad_name_neither_blocks_nor_crashes(tmp_path):
    os.mkfifo(tmp_path / "fifo.h")
    source = b'#include "fifo.h"\n#include "a\0b.h"\n' + DRIVER
    (tmp_path / "x.c").write_bytes(source)
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    assert cache.key(str(tmp_path / "x.c"), source)


def test_standard_input_among_many_files_keeps_its_place(tree, tmp_path):
    cache = ResultCache(str(tmp_path / "cache"), ParseOptions(), ())
    paths = tree[:300] + ["-"] + tree[300:]
    looked = list(scan.scan(paths, LoggingReader(tmp_path / "reads"), PREFILTER, cache, 2, True, LATER))
    assert [p for p, _, _ in looked] == paths
