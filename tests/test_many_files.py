"""A tree of many files, most without a table (as in a kernel tree), at any job count.

Results already known (files without a table) come out in batches while the
workers parse the others; a table only after the first few hundred files
once made the second worker slot take work before the first had any.
"""
from __future__ import annotations

import pytest

from lintrun import DRIVER, DRIVER_PM101_LINE, lint

TABLES_AT = (300, 301, 599, 1000)


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_tables_after_hundreds_of_files_without_one(tmp_path, tmp_path_factory, jobs):
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(1200):
        (tree / f"f{i:04d}.c").write_bytes(DRIVER if i in TABLES_AT else b"int x;\n")
    run = lint(tmp_path, "--format", "json", "--select", "PM101", "-j", jobs, "tree",
               env={"PMLINT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    assert run.code == 1
    assert run.found() == [(f"tree/f{i:04d}.c", DRIVER_PM101_LINE, "PM101") for i in TABLES_AT]


def test_files_the_pre_filter_rejects_are_counted_not_handed_on(tmp_path, tmp_path_factory):
    from pmlint.frontend import ParseOptions
    from pmlint.pipeline.runner import analyse
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(600):
        (tree / f"f{i:04d}.c").write_bytes(DRIVER if i in TABLES_AT else b"int x;\n")
    paths = sorted(str(p) for p in tree.iterdir())
    every = list(analyse(paths, ParseOptions(), jobs=2))
    assert [r.model.path for r in every] == paths
    some = list(analyse(paths, ParseOptions(), jobs=2, rejected=False))
    assert [r.model.path for r in some] == [paths[i] for i in TABLES_AT if i < 600]
    assert [r.model for r in some] == [every[i].model for i in TABLES_AT if i < 600]
    html = tmp_path / "report.html"
    lint(tmp_path, "--html", str(html), "tree",
         env={"PMLINT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    assert "<th>files scanned</th><td>600</td>" in html.read_text()
