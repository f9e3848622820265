"""Never silent: a run says what it looked at, so a blind run and a clean one differ."""
from __future__ import annotations

import pytest

from expectations import FIXTURES
from lintrun import DRIVER, lint

CLEAN = ("pmlint: 1 file checked, 8 tables, 0 findings, 0 files not analysed\n")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def test_a_clean_run_ends_with_the_summary_on_stderr():
    run = lint(None, FIXTURES / "PM101_clean.c")
    assert (run.code, run.stdout, run.stderr) == (0, b"", CLEAN)


def test_a_file_pmlint_cannot_analyse_is_counted(tmp_path):
    (tmp_path / "good.c").write_bytes(DRIVER)
    (tmp_path / "blob.c").write_bytes(b"\x7fELF\0\0struct dev_pm_ops")
    for _ in range(2):   # the second run from the cache counts the same
        run = lint(tmp_path, "good.c", "blob.c")
        assert run.code == 1
        assert run.stderr.splitlines()[-1] == (
            "pmlint: 2 files checked, 1 table, 3 findings, 1 file not analysed")


def test_a_file_with_no_table_says_0_tables(tmp_path):
    # A table under a driver's own option, off unless -D says so: nothing to report,
    # and the summary shows that nothing was seen.
    (tmp_path / "own.c").write_bytes(b"#ifdef FOO_PM\n" + DRIVER + b"#endif\n")
    run = lint(tmp_path, "own.c")
    assert (run.code, run.stdout) == (0, b"")
    assert run.stderr == "pmlint: 1 file checked, 0 tables, 0 findings, 0 files not analysed\n"


def test_quiet_drops_the_summary_and_other_formats_carry_none():
    assert lint(None, "--quiet", FIXTURES / "PM101_clean.c").stderr == ""
    assert lint(None, "-q", FIXTURES / "PM101_clean.c").stderr == ""
    for fmt in ("json", "sarif", "github", "checkpatch", "codeclimate"):
        assert lint(None, "--format", fmt, FIXTURES / "PM101_clean.c").stderr == ""


def test_json_carries_the_same_counts(tmp_path):
    (tmp_path / "good.c").write_bytes(DRIVER)
    (tmp_path / "blob.c").write_bytes(b"\x7fELF\0\0struct dev_pm_ops")
    run = lint(tmp_path, "--format", "json", "good.c", "blob.c", "missing.c")
    assert run.code == 2
    assert run.doc["summary"] == {"files": 2, "tables": 1, "findings": 3, "not_analysed": 1,
                                  "in_baseline": 0, "errors": 1}
    text = lint(tmp_path, "good.c", "blob.c", "missing.c")
    assert text.stderr.splitlines()[-1] == (
        "pmlint: 2 files checked, 1 table, 3 findings, 1 file not analysed, 1 error")


def test_findings_left_out_by_the_baseline_are_counted(tmp_path):
    (tmp_path / "good.c").write_bytes(DRIVER)
    assert lint(tmp_path, "--write-baseline", "b.json", "good.c").code == 0
    run = lint(tmp_path, "--baseline", "b.json", "good.c")
    assert run.code == 0
    assert run.stderr == ("pmlint: 1 file checked, 1 table, 0 findings (2 more in the baseline), "
                          "0 files not analysed\n")
    assert lint(tmp_path, "--format", "json", "--baseline", "b.json",
                "good.c").doc["summary"]["in_baseline"] == 2
