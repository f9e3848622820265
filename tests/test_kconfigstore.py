"""The tree's Kconfig reading kept between runs (pmlint.kconfigstore): used
while nothing it read changed, read again from the tree when anything did."""
from __future__ import annotations

import os
import time

import pytest

from pmlint import buildneeds, kconfigstore

LATER = 10 * 10**9   # "now", this far after the files were written: all settled


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = tmp_path / "linux"
    (root / "scripts" / "kconfig").mkdir(parents=True)
    (root / "Kconfig").write_text('source "drivers/Kconfig"\n')
    (root / "drivers" / "foo").mkdir(parents=True)
    (root / "drivers" / "Kconfig").write_text('config FOO\n\tbool "foo"\n\tdepends on PM\n')
    written = time.time_ns()
    monkeypatch.setattr(kconfigstore, "clock", lambda: written + LATER)
    kconfigstore.keep_in(str(tmp_path / "cache"))
    yield root
    kconfigstore.keep_in(None)
    buildneeds._kconfig.cache_clear()


def read(root) -> dict:
    buildneeds._kconfig.cache_clear()   # as a new run does
    return buildneeds._kconfig(str(root))


def walked(monkeypatch) -> list:
    """Which runs walk the tree (rather than take the kept reading)."""
    runs = []
    files = kconfigstore.Walk.files
    monkeypatch.setattr(kconfigstore.Walk, "files", lambda self: runs.append(1) or files(self))
    return runs


def later(path) -> None:
    """path changed, one second later (timestamps are coarser than the edits here)."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def test_a_second_run_takes_the_kept_reading(tree, monkeypatch):
    runs = walked(monkeypatch)
    assert read(tree) == {"FOO": "PM"}
    assert read(tree) == {"FOO": "PM"} and runs == [1]


def test_an_edited_kconfig_file_is_read_again(tree, monkeypatch):
    runs = walked(monkeypatch)
    read(tree)
    (tree / "drivers" / "Kconfig").write_text('config FOO\n\tbool "foo"\n\tdepends on OF\n')
    assert read(tree) == {"FOO": "OF"} and runs == [1, 1]


def test_a_new_kconfig_file_is_read(tree, monkeypatch):
    runs = walked(monkeypatch)
    read(tree)
    (tree / "drivers" / "foo" / "Kconfig").write_text('config FOO\n\tbool "foo"\n\tdepends on OF\n')
    later(tree / "drivers" / "foo")
    assert read(tree) == {} and runs == [1, 1]    # two declarations: neither term is certain


def test_a_reading_of_files_just_changed_is_not_kept(tree, monkeypatch):
    runs = walked(monkeypatch)
    monkeypatch.setattr(kconfigstore, "clock", time.time_ns)
    read(tree)
    read(tree)
    assert runs == [1, 1]


@pytest.mark.parametrize("damage", [b"", b"pmlint-kconfig 1 0 0\n{}", None])
def test_a_damaged_store_is_read_again(tree, monkeypatch, damage):
    runs = walked(monkeypatch)
    read(tree)
    [store] = (tree.parent / "cache").iterdir()
    data = store.read_bytes()
    store.write_bytes(damage if damage is not None else data.replace(b'"PM"', b'"OF"'))
    assert read(tree) == {"FOO": "PM"} and runs == [1, 1]
