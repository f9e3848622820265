"""The tree's Kconfig reading kept between runs (pmlint.pipeline.kconfigstore): used
while nothing it read changed, read again from the tree when anything did."""
from __future__ import annotations

import time

import pytest

from pmlint.kernel import buildneeds
from pmlint.pipeline import kconfigstore

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
    """Which runs read the tree (rather than take the kept reading)."""
    runs = []
    init = kconfigstore.Reading.__init__
    monkeypatch.setattr(kconfigstore.Reading, "__init__",
                        lambda self, root: runs.append(1) or init(self, root))
    return runs


def test_a_second_run_takes_the_kept_reading(tree, monkeypatch):
    runs = walked(monkeypatch)
    assert read(tree) == {"FOO": "PM"}
    assert read(tree) == {"FOO": "PM"} and runs == [1]


def test_an_edited_kconfig_file_is_read_again(tree, monkeypatch):
    runs = walked(monkeypatch)
    read(tree)
    (tree / "drivers" / "Kconfig").write_text('config FOO\n\tbool "foo"\n\tdepends on OF\n')
    assert read(tree) == {"FOO": "OF"} and runs == [1, 1]


def test_a_file_newly_sourced_or_created_is_read(tree, monkeypatch):
    runs = walked(monkeypatch)
    read(tree)
    (tree / "drivers" / "foo" / "Kconfig").write_text('config FOO\n\tbool "foo"\n')
    assert read(tree) == {"FOO": "PM"} and runs == [1]     # no source names it: not Kconfig's
    (tree / "drivers" / "Kconfig").write_text('config FOO\n\tbool "foo"\n\tdepends on PM\n'
                                              'source "drivers/foo/Kconfig"\n')
    assert read(tree) == {} and runs == [1, 1]    # two declarations: only one needs PM
    (tree / "drivers" / "foo" / "Kconfig").unlink()
    assert read(tree) == {"FOO": "PM"} and runs == [1, 1, 1]
    (tree / "drivers" / "foo" / "Kconfig").write_text('config FOO\n\tbool "foo"\n')
    assert read(tree) == {} and runs == [1, 1, 1, 1]    # a source's missing file appears


def test_a_new_architecture_is_read(tree, monkeypatch):
    (tree / "Kconfig").write_text('source "drivers/Kconfig"\nsource "arch/$(SRCARCH)/Kconfig"\n')
    (tree / "arch" / "one").mkdir(parents=True)
    (tree / "arch" / "one" / "Kconfig").write_text('config ONE\n\tbool\n\tselect FOO\n')
    runs = walked(monkeypatch)
    assert read(tree) == {"ONE": "FOO"}      # FOO selected: it need not have PM
    (tree / "arch" / "two").mkdir()
    (tree / "arch" / "two" / "Kconfig").write_text('config TWO\n\tbool\n\tdepends on PM\n')
    assert read(tree) == {"ONE": "FOO", "TWO": "PM"} and runs == [1, 1]


def test_a_reading_of_files_just_changed_is_not_kept(tree, monkeypatch):
    runs = walked(monkeypatch)
    monkeypatch.setattr(kconfigstore, "clock", time.time_ns)
    read(tree)
    read(tree)
    assert runs == [1, 1]


@pytest.mark.parametrize("damage", [b"", b"pmlint-kconfig 2 0 0\n{}", None])
def test_a_damaged_store_is_read_again(tree, monkeypatch, damage):
    runs = walked(monkeypatch)
    read(tree)
    [store] = (tree.parent / "cache").iterdir()
    data = store.read_bytes()
    store.write_bytes(damage if damage is not None else data.replace(b'"PM"', b'"OF"'))
    assert read(tree) == {"FOO": "PM"} and runs == [1, 1]
