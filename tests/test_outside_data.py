"""Configuration, baselines and patches come from outside: they are data.

Whatever they hold, pmlint gives a clear error (exit 2) or a result, never a
traceback, and writes nothing but the output files the user named.
"""
from __future__ import annotations

import shutil

import pytest

from expectations import FIXTURES
from lintrun import DRIVER, lint

PATCHES = FIXTURES / "patches"
BASELINE = '{"format": "pmlint-baseline/1", "findings": %s}'


@pytest.fixture
def tree(tmp_path, tmp_path_factory, monkeypatch):
    """tmp_path holds a driver tree; the result cache lives elsewhere."""
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    (tmp_path / "drivers").mkdir()
    (tmp_path / "drivers" / "foo.c").write_bytes(DRIVER)
    return tmp_path


def snapshot(root) -> dict:
    """Every file, folder and link under root, with its content."""
    return {str(p.relative_to(root)): p.readlink() if p.is_symlink() else
            p.read_bytes() if p.is_file() else "dir" for p in root.rglob("*")}


@pytest.mark.parametrize("name, text, named", [
    ("pyproject.toml", "[tool]\npmlint = 3\n", "[tool.pmlint] must be a table"),
    ("pyproject.toml", '[tool]\npmlint = "PM1"\n', "[tool.pmlint] must be a table"),
    ("pyproject.toml", '[tool.pmlint]\nignore = [""]\n', "ignore: unknown rule ID or prefix ''"),
    ("pyproject.toml", "[tool.pmlint]\nexclude = [1]\n", "exclude must be a list"),
    ("pyproject.toml", '[tool.pmlint]\nseverity = "error"\n', "severity must be a table"),
    ("pyproject.toml", '[tool.pmlint]\nseverity = { PM101 = ["error"] }\n', "PM101 = ['error']"),
    ("pyproject.toml", '[tool.pmlint]\nper-file-ignores = { "*.c" = [1] }\n',
     "per-file-ignores.*.c must be a list"),
    (".pmlint.toml", "select = { PM1 = true }\n", "select must be a list"),
    (".pmlint.toml", "select = \"\\udcff\"\n", "not valid TOML"),
])
def test_configuration_with_wrong_types_exits_2(tree, name, text, named):
    (tree / name).write_text(text)
    before = snapshot(tree)
    run = lint(tree, "--html", "report.html", "drivers")
    assert run.code == 2 and named in run.stderr and run.stdout == b""
    assert snapshot(tree) == before


def test_a_broken_tool_table_of_another_tool_is_not_ours(tree):
    (tree / "pyproject.toml").write_text("tool = 3\n")
    assert lint(tree, "drivers").code == 1


@pytest.mark.parametrize("content", [
    b"[]", b'"pmlint-baseline/1"', (BASELINE % "{}").encode(), (BASELINE % "[1]").encode(),
    (BASELINE % '[{"fingerprint": 1}]').encode(), b'{"format": "pmlint-baseline/3", "findings": []}',
    b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe{", b"NaN",
], ids=["list", "string", "findings-object", "findings-number", "fingerprint-number",
        "other-format", "deep-nesting", "not-utf8", "nan"])
def test_baseline_with_wrong_structure_exits_2(tree, content):
    (tree / "base.json").write_bytes(content)
    before = snapshot(tree)
    run = lint(tree, "--baseline", "base.json", "--html", "report.html", "drivers")
    assert run.code == 2 and "base.json" in run.stderr and run.stdout == b""
    assert snapshot(tree) == before


def test_a_run_writes_only_the_report_it_was_asked_for(tree):
    (tree / "pyproject.toml").write_text('[tool.pmlint]\nignore = ["PM106"]\n')
    before = snapshot(tree)
    run = lint(tree, "--format", "sarif", "--html", "report.html", "drivers")
    assert run.code == 1
    after = snapshot(tree)
    assert set(after) - set(before) == {"report.html"}
    del after["report.html"]
    assert after == before


@pytest.mark.parametrize("option", ["--html", "--write-baseline"])
def test_an_output_that_cannot_be_written_leaves_nothing_behind(tree, option):
    (tree / "taken").mkdir()     # a folder where the file should go
    before = snapshot(tree)
    run = lint(tree, option, "taken", "drivers")
    assert run.code == 2 and "taken: Is a directory" in run.stderr
    assert snapshot(tree) == before
    missing = lint(tree, option, "no/such/dir/out", "drivers")
    assert missing.code == 2 and "No such file or directory" in missing.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize("name", ["traversal.patch", "absolute.diff", "malformed.patch"])
def test_a_hostile_patch_writes_nothing_but_the_report(tree, name):
    shutil.copytree(PATCHES / "tree", tree / "linux")
    shutil.copy(PATCHES / name, tree / name)
    before = snapshot(tree)
    run = lint(tree, "--patch", name, "--tree", "linux", "--html", "report.html")
    assert run.code == 2 and run.stdout == b""
    assert "refusing" in run.stderr or "malformed patch" in run.stderr
    after = snapshot(tree)
    assert set(after) - set(before) == {"report.html"}   # naming the error
    assert "refusing" in after["report.html"].decode() or "malformed" in after["report.html"].decode()


def test_random_bytes_as_a_patch_are_a_clean_error(tree):
    run = lint(tree, "--patch", "-", stdin=bytes(range(256)) * 64)
    assert run.code == 2 and "malformed patch" in run.stderr


def test_a_patch_that_crashes_the_parser_costs_that_file_only(tree):
    # 20,000 unary operators overflow libclang's stack: the crash must stay
    # in a worker, as for files on disk, not take the run down.
    crash = "static int n_freeze(struct device *d) { return 0; }\n" \
            "static const struct dev_pm_ops n_ops = { .freeze = %s };\n" % ("*" * 20_000 + "n_freeze")
    lines = ["+" + line + "\n" for line in (DRIVER.decode() + crash).splitlines()]
    diff = ("--- /dev/null\n+++ b/drivers/new.c\n"
            f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(lines))
    run = lint(tree, "--patch", "-", "--format", "json", stdin=diff.encode())
    assert run.code == 1
    assert run.reasons("drivers/new.c") == [
        "could not analyse: the parser crashed (SIGSEGV) on this file"]
