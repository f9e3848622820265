"""The same input gives byte-identical output, whatever the job count, the
order of the files on disk or on the command line, the locale, or the cache.

Every --format is compared, and the HTML report written alongside it, with
its time-taken line masked (the one thing that rightly changes).
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from expectations import FIXTURES
from lintrun import DRIVER, lint

FORMATS = ["text", "json", "sarif", "github", "checkpatch", "codeclimate"]
SOURCES = ["PM101_fires.c", "PM102_fires.c", "PM103_fires.c", "PM106_fires.c", "macros.c",
           "headerless.c"]
# Files written into the tree besides the fixtures: odd names, a PM000, a driver in a subfolder.
EXTRA = {"sub dir/drïver.c": DRIVER, os.fsdecode(b"latin1-\xe9.c"): DRIVER,
         "blob.c": b"\x7fELF\0dev_pm_ops", "sub dir/deeper/z.c": DRIVER.replace(b"foo", b"zed")}
_TIME = re.compile(rb"<tr><th>time</th><td>[^<]*</td></tr>")


def build(tree, reverse=False):
    """The same files, created in the opposite order when `reverse`."""
    if tree.exists():
        shutil.rmtree(tree)
    files = [(name, (FIXTURES / name).read_bytes()) for name in SOURCES] + list(EXTRA.items())
    for name, data in reversed(files) if reverse else files:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)


def output(tmp_path, fmt, *paths, jobs="1", cache="cold", env=None):
    """stdout, the HTML report with its time masked, and the exit status.

    cache: "cold" is an empty cache directory, any other name one kept between runs.
    """
    cache_dir = tmp_path / f"cache-{cache}"
    if cache == "cold" and cache_dir.exists():
        shutil.rmtree(cache_dir)
    run = lint(tmp_path, "--format", fmt, "-j", jobs, "--html", "report.html", *paths,
               "missing.c", env={"PMLINT_CACHE_DIR": str(cache_dir), **(env or {})})
    html = (tmp_path / "report.html").read_bytes()
    assert _TIME.search(html), "the report shows the time taken"
    return run.stdout, _TIME.sub(b"<time masked>", html), run.code


def named_in_reverse(tmp_path) -> list[str]:
    return sorted((str(p.relative_to(tmp_path)) for p in (tmp_path / "tree").rglob("*.c")),
                  reverse=True)


def test_each_change_alone_leaves_json_and_html_identical(tmp_path):
    build(tmp_path / "tree")
    base = output(tmp_path, "json", "tree", cache="kept", env={"LC_ALL": "C.UTF-8"})
    assert base[2] == 2 and base[0]    # findings, PM000 and a missing path: all in the output
    variants = {
        "two jobs": output(tmp_path, "json", "tree", jobs="2"),
        "files named in reverse order": output(tmp_path, "json", *named_in_reverse(tmp_path)),
        "LC_ALL=C": output(tmp_path, "json", "tree", env={"LC_ALL": "C", "LANG": "C"}),
        "a latin-1 terminal": output(tmp_path, "json", "tree", env={"PYTHONIOENCODING": "latin-1"}),
        "a warm cache": output(tmp_path, "json", "tree", cache="kept"),
    }
    build(tmp_path / "tree", reverse=True)
    variants["files created in reverse order"] = output(tmp_path, "json", "tree")
    for name, got in variants.items():
        assert got == base, f"output differs with {name}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_identical_with_all_changes_at_once(tmp_path, fmt):
    build(tmp_path / "tree")
    base = output(tmp_path, fmt, "tree", cache="kept", env={"LC_ALL": "C.UTF-8"})
    build(tmp_path / "tree", reverse=True)
    changed = output(tmp_path, fmt, *named_in_reverse(tmp_path), jobs="2", cache="kept",
                     env={"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "latin-1"})
    assert changed == base
