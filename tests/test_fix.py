"""--diff and --fix: before/after fixture pairs (fixtures/fix/NAME.c -> NAME.fixed.c,
no .fixed.c: left as it is), the diff applying, checkpatch.pl, every refusal, and
fixes riding on the findings every filter keeps."""
from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from expectations import FIXTURES, expected_fix
from fixture_results import FIX_BEFORE as BEFORE
from fixture_results import fix_lines, run_fix
from fixture_results import of_fixed as fixed
from lintrun import pmlint
from pmlint import catalogue
from pmlint.config import Config
from pmlint.fixes import plan as fix
from pmlint.fixes import run as fixrun
from pmlint.filters import selected_rules
from pmlint.frontend import ParseOptions
from pmlint.pipeline.run import Settings
from pmlint.pipeline.runner import analyse
from pmlint.report import Report

FIX = FIXTURES / "fix"
_SETTINGS = Settings(config=Config(), rules=(), options=ParseOptions(), jobs=1)
KERNEL = Path(os.environ.get("PMLINT_KERNEL_TREE", "/work/kernel/linux-source-6.12"))
CHECKPATCH = KERNEL / "scripts" / "checkpatch.pl"


def run(*args, cwd):
    return pmlint(*args, cwd=cwd, text=False)


@pytest.mark.parametrize("path", BEFORE, ids=lambda p: p.name)
def test_fix_writes_the_fixed_fixture(path, tmp_path):
    """Each fixture's `/* fix: KIND "TEXT" */` comments are what --fix prints
    about it (fixed, or not fixed and why); an error means it is refused."""
    out = run_fix(path, tmp_path)
    want = expected_fix(path)
    assert expected_fix(fixed(path)) == want  # the comments are at the end, where no fix edits
    assert fix_lines(out.stderr.decode(), path.name) == want, f"{path}: --fix printed\n{out.stderr.decode()}"
    assert out.returncode == (2 if any(kind == "error" for kind, _ in want) else 0), out.stderr
    assert (tmp_path / path.name).read_bytes() == fixed(path).read_bytes()
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("path", BEFORE, ids=lambda p: p.name)
def test_diff_applies_with_git_apply_and_patch(path, tmp_path):
    (tmp_path / "drivers").mkdir()
    shutil.copy(path, tmp_path / "drivers" / path.name)
    out = run("--diff", f"drivers/{path.name}", cwd=tmp_path)
    assert (tmp_path / "drivers" / path.name).read_bytes() == path.read_bytes()  # --diff writes nothing
    if fixed(path) == path:
        assert out.stdout == b""
        return
    (tmp_path / "fix.diff").write_bytes(out.stdout)
    if shutil.which("git"):
        check = subprocess.run(["git", "apply", "--check", "fix.diff"], cwd=tmp_path, capture_output=True)
        assert check.returncode == 0, check.stderr
    if not shutil.which("patch"):
        pytest.skip("patch is not installed")
    subprocess.run(["patch", "-p1", "-s", "-i", "fix.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "drivers" / path.name).read_bytes() == fixed(path).read_bytes()


@pytest.mark.parametrize("path", [p for p in BEFORE if fixed(p) != p], ids=lambda p: p.name)
def test_fixed_fixtures_need_no_further_fix(path, tmp_path):
    shutil.copy(fixed(path), tmp_path / "again.c")
    out = run("--diff", "again.c", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == b"", out.stderr


def _fixes_own(path: Path, cwd: Path) -> collections.Counter:
    """(rule, symbol) of the findings of the rules with a fix, and of PM203 (the
    pointer wrapping the fixes write)."""
    out = run("--format", "json", "--exit-zero", str(path), cwd=cwd)
    return collections.Counter((f["rule"], f["symbol"]) for f in json.loads(out.stdout)["findings"]
                               if f["rule"] in fixrun.FIXABLE + ("PM203",))


@pytest.mark.parametrize("path", [p for p in BEFORE if fixed(p) != p], ids=lambda p: p.name)
def test_no_fix_leaves_a_finding_of_its_own(path, tmp_path):
    """The fixed text has no finding a fix would make that the text before had not."""
    assert not _fixes_own(fixed(path), tmp_path) - _fixes_own(path, tmp_path)


def _checkpatch(path: Path) -> collections.Counter:
    """checkpatch.pl's complaints about a file, without line numbers (fixes move lines)."""
    out = subprocess.run(["perl", str(CHECKPATCH), "--no-tree", "--terse", "--show-types",
                          "--no-summary", "-f", str(path)], capture_output=True, text=True)
    return collections.Counter(line.split(": ", 1)[-1] for line in out.stdout.splitlines())


@pytest.mark.skipif(not (shutil.which("perl") and CHECKPATCH.exists()),
                    reason="needs perl and a kernel tree's checkpatch.pl (PMLINT_KERNEL_TREE)")
@pytest.mark.parametrize("path", [p for p in BEFORE if fixed(p) != p], ids=lambda p: p.name)
def test_checkpatch_has_no_new_complaints(path):
    assert not _checkpatch(fixed(path)) - _checkpatch(path)


def _fix(paths, capsys, write=True) -> tuple[int, str]:
    """As --fix does: the files linted with the default rules, then their findings fixed."""
    rules = selected_rules(catalogue.rules(), [], [])
    findings = [f for r in analyse([str(p) for p in paths], ParseOptions(), rules, jobs=1)
                for f in r.findings]
    status = fixrun.fix_findings(Report(findings=list(findings)), _SETTINGS, write=write)
    return status, capsys.readouterr().err


def _refused(tmp_path, capsys) -> str:
    """Run --fix on a copy of simple_ifdef.c: it must exit 2 and leave the file as it was."""
    target = tmp_path / "simple_ifdef.c"
    shutil.copy(FIX / "simple_ifdef.c", target)
    status, err = _fix([target], capsys)
    assert status == 2
    assert target.read_bytes() == (FIX / "simple_ifdef.c").read_bytes()
    assert os.listdir(tmp_path) == ["simple_ifdef.c"]
    return err


def test_refuses_a_fix_that_would_change_a_table(tmp_path, monkeypatch, capsys):
    """A fix that (wrongly) swaps a callback is caught by the re-analysis."""
    real_plan = fix.plan

    def breaking_plan(model, source, wanted):
        plan = real_plan(model, source, wanted)
        at = source.index(b"foo_resume);")
        plan.edits.append(fix.Edit(at, at + len(b"foo_resume"), b"foo_suspend"))
        return plan

    monkeypatch.setattr(fix, "plan", breaking_plan)
    assert "refusing to fix: table 'foo_pm_ops' would change" in _refused(tmp_path, capsys)


def test_refuses_a_conversion_that_would_break_a_build_without_pm(tmp_path, monkeypatch, capsys):
    """Converted, but with the #ifdef CONFIG_PM_SLEEP left around the callbacks."""
    monkeypatch.setattr(fix._Planner, "_remove_guard", lambda self, cond: None)
    err = _refused(tmp_path, capsys)
    assert "with CONFIG_PM off, foo_resume, foo_suspend would be used but not declared" in err


def test_a_file_changed_after_it_was_read_is_not_written(tmp_path, monkeypatch, capsys):
    target = tmp_path / "simple_ifdef.c"
    shutil.copy(FIX / "simple_ifdef.c", target)
    real = fixrun.fix_source

    def edited_meanwhile(path, source, options, wanted):
        out = real(path, source, options, wanted)
        with open(path, "ab") as f:
            f.write(b"/* someone else's edit */\n")
        return out

    monkeypatch.setattr(fixrun, "fix_source", edited_meanwhile)
    status, err = _fix([target], capsys)
    assert status == 2 and "changed since it was read; not written" in err
    assert target.read_bytes() == (FIX / "simple_ifdef.c").read_bytes() + b"/* someone else's edit */\n"
    assert os.listdir(tmp_path) == ["simple_ifdef.c"]


def test_writes_are_atomic_and_an_interrupted_run_leaves_each_file_old_or_new(
        tmp_path, monkeypatch, capsys):
    names = ["simple_ifdef.c", "two_drivers.c", "set_macros.c"]
    for name in names:
        shutil.copy(FIX / name, tmp_path / name)
    real_replace, replaced = os.replace, []

    def replace_then_interrupt(src, dst):
        if len(replaced) == 2:
            raise KeyboardInterrupt
        assert os.path.dirname(src) == os.path.dirname(os.path.abspath(dst))  # same file system
        replaced.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        _fix([tmp_path / n for n in names], capsys)
    states = [(tmp_path / n).read_bytes() == fixed(FIX / n).read_bytes() for n in names]
    assert states == [True, True, False]
    assert (tmp_path / names[2]).read_bytes() == (FIX / names[2]).read_bytes()
    assert sorted(os.listdir(tmp_path)) == sorted(names)


def test_fixes_follow_select_and_ignore(tmp_path):
    shutil.copy(FIX / "set_macros.c", tmp_path / "a.c")
    out = run("--diff", "--select", "PM202", "a.c", cwd=tmp_path)
    added = [line for line in out.stdout.decode().splitlines() if line.startswith("+ ")
             or line.startswith("+\t") or line.startswith("+static")]
    assert added == ["+static const struct dev_pm_ops bar_pm_ops = {"]
    out = run("--diff", "--ignore", "PM201,PM202", "a.c", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == b""


# Two tables, each only ever pointed at: a PM202 finding and a const fix each.
TWO_TABLES = b"""\
#include <linux/pm.h>
#include <linux/platform_device.h>

static int a_suspend(struct device *dev) { return 0; }
static int a_resume(struct device *dev) { return 0; }

static struct dev_pm_ops a_pm_ops = {
\tSYSTEM_SLEEP_PM_OPS(a_suspend, a_resume)
};

static struct dev_pm_ops b_pm_ops = {
\tSYSTEM_SLEEP_PM_OPS(a_suspend, a_resume)
};

static struct platform_driver a_driver = {
\t.driver = { .name = "a", .pm = pm_sleep_ptr(&a_pm_ops) },
};

static struct platform_driver b_driver = {
\t.driver = { .name = "b", .pm = pm_sleep_ptr(&b_pm_ops) },
};
"""
CONST_A = "+static const struct dev_pm_ops a_pm_ops = {"
CONST_B = "+static const struct dev_pm_ops b_pm_ops = {"


def _added(out) -> list[str]:
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.decode().splitlines() if line.startswith("+static")]


def test_a_per_file_ignore_leaves_that_findings_code_alone(tmp_path):
    shutil.copy(FIX / "set_macros.c", tmp_path / "a.c")
    shutil.copy(FIX / "set_macros.c", tmp_path / "b.c")
    (tmp_path / ".pmlint.toml").write_text('per-file-ignores = { "a.c" = ["PM201"] }\n')
    assert _added(run("--diff", "a.c", cwd=tmp_path)) == ["+static const struct dev_pm_ops bar_pm_ops = {"]
    # The other file, and a.c without the ignore, get both fixes.
    both = _added(run("--diff", "b.c", cwd=tmp_path))
    assert len(both) > 1 and "+static const struct dev_pm_ops bar_pm_ops = {" in both
    (tmp_path / ".pmlint.toml").unlink()
    assert _added(run("--diff", "a.c", cwd=tmp_path)) == both


def test_a_baseline_entry_leaves_that_findings_code_alone(tmp_path):
    (tmp_path / "two.c").write_bytes(TWO_TABLES)
    assert _added(run("--diff", "two.c", cwd=tmp_path)) == [CONST_A, CONST_B]
    baseline = tmp_path / "baseline.json"
    run("--write-baseline", baseline, "--select", "PM202", "two.c", cwd=tmp_path)
    doc = json.loads(baseline.read_text())
    doc["findings"] = [e for e in doc["findings"] if e["symbol"] == "a_pm_ops"]
    assert len(doc["findings"]) == 1
    baseline.write_text(json.dumps(doc))
    # Only b_pm_ops' finding is new: only it is fixed, also with --fix.
    assert _added(run("--diff", "--baseline", baseline, "two.c", cwd=tmp_path)) == [CONST_B]
    out = run("--fix", "--baseline", baseline, "two.c", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    fixed_text = (tmp_path / "two.c").read_bytes()
    assert b"static struct dev_pm_ops a_pm_ops" in fixed_text
    assert b"static const struct dev_pm_ops b_pm_ops" in fixed_text


def test_an_inline_suppression_leaves_that_findings_code_alone(tmp_path):
    (tmp_path / "two.c").write_bytes(TWO_TABLES.replace(
        b"static struct dev_pm_ops b_pm_ops = {", b"static struct dev_pm_ops b_pm_ops = { /* pmlint: ignore PM202 */"))
    assert _added(run("--diff", "two.c", cwd=tmp_path)) == [CONST_A]


def test_a_file_whose_finding_is_filtered_out_is_not_parsed_for_a_fix(tmp_path, monkeypatch, capsys):
    """The fix pass parses only files with a kept finding it can fix."""
    (tmp_path / "two.c").write_bytes(TWO_TABLES)
    shutil.copy(FIX / "pm202.c", tmp_path / "pm202.c")
    parsed = []   # the files handed to a worker to parse and fix
    real = fixrun._items

    def items(*args):
        for needs_work, value in real(*args):
            if needs_work:
                parsed.append(value[0])
            yield needs_work, value

    monkeypatch.setattr(fixrun, "_items", items)
    rules = [catalogue.by_id()["PM202"]]
    results = list(analyse([str(tmp_path / "two.c"), str(tmp_path / "pm202.c")], ParseOptions(),
                           rules, jobs=1))
    kept = [f for r in results for f in r.findings if "pm202.c" not in f.path]
    assert fixrun.fix_findings(Report(findings=list(kept)), _SETTINGS, write=False) == 0
    assert parsed == [str(tmp_path / "two.c")]
    assert capsys.readouterr().out.count("+static const") == 2


def _hunk_headers(diff: bytes) -> list[bytes]:
    return [line for line in diff.splitlines() if line.startswith(b"@@ ")]


@pytest.mark.skipif(not shutil.which("git"), reason="needs git")
@pytest.mark.parametrize("path", [p for p in BEFORE if fixed(p) != p], ids=lambda p: p.name)
def test_hunk_headers_are_gits(path, tmp_path):
    """The same change as git diff shows it: the same hunks, each naming the
    function or table it is in (git's default funcname for C)."""
    shutil.copy(path, tmp_path / path.name)
    ours = run("--diff", path.name, cwd=tmp_path).stdout
    git = subprocess.run(["git", "diff", "--no-index", "--no-color", path.name, str(fixed(path))],
                         cwd=tmp_path, capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1",
                                                                 "HOME": str(tmp_path)})
    assert _hunk_headers(ours) == _hunk_headers(git.stdout)
    if path.name == "set_macros.c":
        assert _hunk_headers(ours)[1].endswith(
            b" @@ static int bar_system_resume_with_a_long_name_for_wrapping(struct device *dev)")
