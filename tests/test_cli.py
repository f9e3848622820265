"""The command line as users and CI call it (a real subprocess)."""
from __future__ import annotations

import json

import pytest

from expectations import FIXTURES
from lintrun import pmlint
from pmlint import __version__, catalogue


def run(*args, stdin=None):
    return pmlint(*args, input=stdin)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"pmlint {__version__}"
    out = run("--help")
    assert out.returncode == 0 and "--select" in out.stdout and "explain" in out.stdout


def test_gcc_style_text_and_exit_codes():
    bad = run(FIXTURES / "PM101_fires.c")
    assert bad.returncode == 1
    first, *notes = bad.stdout.splitlines()[:4]
    assert first.startswith(f"{FIXTURES / 'PM101_fires.c'}:42:32: error: 'foo_pm_ops' sets .freeze")
    assert first.endswith("[PM101]")
    # The evidence, as GCC's notes: each call of foo_freeze that takes the device down.
    where = FIXTURES / "PM101_fires.c"
    assert notes == [
        f"{where}:25:2: note: foo_freeze() calls napi_disable(): NAPI polling left down",
        f"{where}:26:2: note: foo_freeze() calls netif_device_detach(): the network device "
        "(detached) left down",
        f"{where}:27:2: note: foo_freeze() calls free_irq(): the interrupt handler left down"]
    good = run(FIXTURES / "PM101_clean.c")
    assert (good.returncode, good.stdout) == (0, "")
    assert good.stderr.splitlines()[-1].startswith("pmlint: 1 file checked, ")


def test_json_shape_is_sorted_and_stable():
    out = run("--format", "json", FIXTURES)
    doc = json.loads(out.stdout)
    assert set(doc) == {"findings", "tables", "errors", "summary"}
    f = doc["findings"][0]
    assert set(f) == {"rule", "severity", "path", "line", "column", "symbol", "message"}
    # A finding with evidence has "notes", each a location and a message.
    # ... and what it names item by item, "items" (patch mode compares them).
    noted = [x for x in doc["findings"] if "notes" in x]
    assert noted and all(set(x) - set(f) <= {"notes", "items"} and x["notes"] for x in noted)
    assert all(set(n) == {"path", "line", "column", "message"} for x in noted for n in x["notes"])
    itemised = [x for x in doc["findings"] if "items" in x]
    assert itemised and all(x["items"] and all(isinstance(i, str) for i in x["items"]) for x in itemised)
    keys = [(x["path"], x["line"], x["column"], x["rule"]) for x in doc["findings"]]
    assert keys == sorted(keys)
    t = next(t for t in doc["tables"] if t["name"] == "t_simple")
    assert t["defined_by"] == "SIMPLE_DEV_PM_OPS" and t["const"] is True
    assert t["slots"]["freeze"] == "a_suspend"
    assert run("--format", "json", FIXTURES).stdout == out.stdout


def test_select_and_ignore():
    path = FIXTURES / "PM106_fires.c"
    assert run("--ignore", "PM106,PM201", path).returncode == 0  # UNIVERSAL_DEV_PM_OPS: both
    assert run("--select", "PM1", "--ignore", "PM106", path).returncode == 0
    assert run("--select", "PM106", "--ignore", "PM1", path).returncode == 1
    assert run("--select", "PM101", path).returncode == 0
    usage = run("--select", "XX9", path)
    assert usage.returncode == 2 and "unknown rule" in usage.stderr


def test_opt_in_rules_run_only_when_selected():
    path = FIXTURES / "PM205_fires.c"
    assert "[PM205]" not in run(path).stdout
    assert "[PM205]" in run("--select", "PM2", path).stdout
    assert "[PM205]" in run("--select", "PM205", path).stdout


def test_list_rules_and_explain_read_the_catalogue():
    listed = run("--list-rules").stdout
    for rule in catalogue.rules():
        assert rule.id in listed and rule.name in listed
    doc = run("explain", "PM101").stdout
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## References"):
        assert heading in doc
    assert run("explain", "freeze-without-thaw").stdout == doc
    assert run("explain", "PM999").returncode == 2


def test_show_prints_the_save_restore_matrix():
    out = run("show", FIXTURES / "PM101_fires.c")
    assert out.returncode == 0
    assert "freeze -> thaw: checkpoint cancelled" in out.stdout
    assert "foo_freeze" in out.stdout and "!" in out.stdout


def test_missing_path_is_reported_and_the_rest_still_runs():
    out = run(FIXTURES / "PM101_fires.c", FIXTURES / "no-such-file.c")
    assert out.returncode == 2
    assert "no-such-file.c: no such file or directory" in out.stderr
    assert "[PM101]" in out.stdout


def test_binary_file_is_pm000(tmp_path):
    blob = tmp_path / "blob.c"
    blob.write_bytes(b"\x7fELF\0\0struct dev_pm_ops")
    out = run(blob)
    assert out.returncode == 1 and "[PM000]" in out.stdout and "binary" in out.stdout


def test_stdin():
    out = run("-", stdin="static const struct dev_pm_ops x = { .freeze = f, .thaw = t };\n")
    assert out.returncode == 1 and out.stdout.startswith("-:1:") and "[PM102]" in out.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_job_count_does_not_change_output(jobs):
    assert run("-j", jobs, FIXTURES).stdout == run("-j", "1", FIXTURES).stdout
