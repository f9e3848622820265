"""--diff and --fix: before/after fixture pairs (fixtures/fix/NAME.c -> NAME.fixed.c,
no .fixed.c: left as it is), the diff applying, checkpatch.pl, and every refusal."""
from __future__ import annotations

import collections
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from expectations import FIXTURES
from lintrun import pmlint
from pmlint import fix, fixrun
from pmlint.parse import ParseOptions

FIX = FIXTURES / "fix"
BEFORE = sorted(p for p in FIX.glob("*.c") if not p.name.endswith(".fixed.c"))
# What a fixture must leave undone (stderr notes), and the files pmlint must refuse.
NOTES = {
    "shared_universal.c": ["PM201 quux_universal_pm_ops: UNIVERSAL_DEV_PM_OPS has no mechanical",
                           "PM201 quux_pm_ops: callback quux_resume() keeps the #if on line 11"],
    "pm103.c": ["PM103 garply_commented_pm_ops: the .suspend line holds more than the member"],
    "pm202.c": ["PM202 waldo_variant_pm_ops: used on line 32 other than as a pointer to const"],
    "unparsable.c": ["not fixed: could not analyse line 12"],
    "pm_only_member.c": ["PM201 plugh_pm_ops: callback plugh_resume() keeps the #if on line 18: it "
                         "uses saved_ctrl, which the file declares only under a CONFIG_PM option"],
    "pm_null_call.c": ["PM201 xyzzy_bus_pm_ops: callback xyzzy_bus_resume() keeps the #if on line 20: "
                       "it calls pm_generic_resume(), pm_generic_suspend(), which the kernel headers "
                       "define as NULL when the PM option is off"],
}
REFUSED = {"unparsable.c"}
KERNEL = Path(os.environ.get("PMLINT_KERNEL_TREE", "/work/kernel/linux-source-6.12"))
CHECKPATCH = KERNEL / "scripts" / "checkpatch.pl"


def run(*args, cwd):
    return pmlint(*args, cwd=cwd, text=False)


def fixed(path: Path) -> Path:
    after = path.with_name(path.stem + ".fixed.c")
    return after if after.exists() else path


@pytest.mark.parametrize("path", BEFORE, ids=lambda p: p.name)
def test_fix_writes_the_fixed_fixture(path, tmp_path):
    shutil.copy(path, tmp_path / path.name)
    out = run("--fix", path.name, cwd=tmp_path)
    assert out.returncode == (2 if path.name in REFUSED else 0), out.stderr
    assert (tmp_path / path.name).read_bytes() == fixed(path).read_bytes()
    for note in NOTES.get(path.name, ()):
        assert note in out.stderr.decode()
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
    status = fixrun.fix_files([str(p) for p in paths], [], ParseOptions(), fixrun.FIX_RULES,
                              write=write, jobs=1)
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
