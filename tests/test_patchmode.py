"""Patch mode: --patch and --git report only what a patch or commit introduces."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from expectations import FIXTURES
from lintrun import pmlint
from pmlint.patch.mode import PatchError, apply_hunks, parse_series, replay

PATCHES = FIXTURES / "patches"
TREE = PATCHES / "tree"
FOO_PM101 = ("drivers/misc/foo.c:10:32: error: 'foo_pm_ops' sets .freeze but no thaw-side "
             "callback at any phase")
# Its evidence: the call in foo_freeze that nothing brings back once .thaw is gone.
FOO_PM101_NOTE = ("drivers/misc/foo.c:7:45: note: foo_freeze() calls free_irq(): "
                  "the interrupt handler left down")


def run(*args, cwd=None, stdin=None):
    return pmlint(*args, cwd=cwd, input=stdin)


def lint_patch(name, *extra):
    return run("--patch", PATCHES / name, "--tree", TREE, *extra)


def introduced_by(line):
    """The origin the text format shows as '(introduced by ORIGIN)'."""
    return re.search(r"\(introduced by:? (.*)\)", line).group(1)


def snapshot(root):
    return {p: (p.stat().st_mtime_ns, p.is_file() and p.read_bytes()) for p in root.rglob("*")}


def test_format_patch_introducing_a_finding_names_the_patch():
    before = snapshot(TREE)
    out = lint_patch("0001-misc-foo-drop-the-unused-thaw-callback.patch")
    assert out.returncode == 1, out.stderr
    [line, note] = out.stdout.splitlines()
    assert line.startswith(FOO_PM101) and "[PM101]" in line
    assert note == FOO_PM101_NOTE
    assert introduced_by(line) == "[PATCH] misc: foo: drop the unused thaw callback"
    assert snapshot(TREE) == before     # applied in memory only


def test_tree_defaults_to_cwd_and_patch_reads_stdin():
    patch = (PATCHES / "0001-misc-foo-drop-the-unused-thaw-callback.patch").read_text()
    out = run("--patch", "-", cwd=TREE, stdin=patch)
    assert out.returncode == 1 and out.stdout.startswith(FOO_PM101)
    assert out.stdout.splitlines()[1:] == [FOO_PM101_NOTE]


def test_finding_that_existed_before_the_patch_is_not_reported():
    assert "[PM101]" in run(TREE / "drivers/misc/bar.c").stdout   # there before the patch
    out = lint_patch("0001-misc-bar-restore-through-bar_reset.patch")
    assert (out.returncode, out.stdout) == (0, "")
    assert out.stderr == "pmlint: 1 file checked, 1 table, 0 findings, 0 files not analysed\n"


def test_series_finding_names_the_patch_that_introduced_it():
    out = lint_patch("series.mbox")
    assert out.returncode == 1, out.stderr
    [line] = out.stdout.splitlines()
    # At its line in the file after the whole series (the table moved down by patch 1):
    # patch 2 stops DMA in .freeze_noirq and adds an empty .restore_noirq.
    assert line.startswith("drivers/misc/foo.c:15:32: warning: 'foo_pm_ops': the restore side "
                           "does nothing (.restore_noirq = foo_restore_noirq) where the freeze "
                           "side takes the device down (.freeze_noirq = foo_freeze_noirq)")
    assert "[PM501]" in line
    assert introduced_by(line) == "[PATCH 2/2] misc: foo: quiesce the DMA engine at noirq time"


def test_plain_diff_with_new_and_deleted_files():
    out = lint_patch("plain.diff")
    assert out.returncode == 1, out.stderr
    [line, note] = out.stdout.splitlines()   # bar.c's finding goes with the file
    assert line.startswith("drivers/misc/baz.c:10:32: error: 'baz_pm_ops' sets .freeze but no "
                           "restore-side callback at any phase")
    assert line.endswith("[PM102]") and "introduced by" not in line
    assert note == ("drivers/misc/baz.c:7:45: note: baz_freeze() calls free_irq(): "
                    "the interrupt handler left down")


def test_json_output_in_patch_mode():
    out = lint_patch("plain.diff", "--format", "json")
    assert out.returncode == 1
    assert '"path": "drivers/misc/baz.c"' in out.stdout


def test_malformed_patch_is_an_error():
    out = lint_patch("malformed.patch")
    assert out.returncode == 2 and out.stdout == ""
    assert "malformed patch: [PATCH] misc: foo: drop the unused thaw callback:" in out.stderr
    empty = run("--patch", "-", "--tree", TREE, stdin="no diff in here\n")
    assert empty.returncode == 2 and "no diff found" in empty.stderr
    header = "--- a/drivers/misc/foo.c\n+++ b/drivers/misc/foo.c\n@@ -one +1 @@\n-a\n+b\n"
    for diff in (header, "diff --git a/drivers/misc/foo.c b/drivers/misc/foo.c\n" + header):
        bad = run("--patch", "-", "--tree", TREE, stdin=diff)
        assert bad.returncode == 2 and "no hunk it can read" in bad.stderr


def test_patch_that_does_not_apply_names_file_and_hunk():
    out = lint_patch("does-not-apply.patch")
    assert out.returncode == 2 and out.stdout == ""
    assert ("pmlint: error: " in out.stderr and "patch does not apply: drivers/misc/foo.c hunk #2 "
            "(@@ -18,3 +18,3 @@): context mismatch at line 18" in out.stderr)


@pytest.mark.parametrize("name", ["traversal.patch", "absolute.diff"])
def test_paths_outside_the_tree_are_refused(name):
    out = lint_patch(name)
    assert out.returncode == 2 and "refusing" in out.stderr and "/etc/passwd" in out.stderr


def test_usage_errors():
    patch = PATCHES / "plain.diff"
    assert run("--patch", patch, "--tree", TREE, TREE).returncode == 2     # and a PATH
    assert run("--patch", patch, "--git", "HEAD").returncode == 2
    missing = run("--patch", patch, "--tree", PATCHES / "no-such-dir")
    assert missing.returncode == 2 and "not a directory" in missing.stderr


def _patch(diff: str):
    [patch] = parse_series(diff.encode())
    return patch


def test_apply_finds_a_hunk_that_moved_and_keeps_a_missing_final_newline():
    original = "zero\none\ntwo\nthree"
    diff = ("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n"
            "@@ -3 +3 @@\n-three\n\\ No newline at end of file\n+THREE\n")
    assert apply_hunks("f.c", original, _patch(diff).files[0]) == "zero\none\nTWO\nTHREE\n"


def test_replay_follows_renames_and_refuses_existing_new_files():
    rename = ("diff --git a/x.c b/y.c\nsimilarity index 100%\nrename from x.c\nrename to y.c\n")
    [change] = replay([_patch(rename)], {"x.c": "int x;\n"}.get)
    assert (change.old, change.new) == ("x.c", "y.c")
    assert change.before == change.after == "int x;\n"
    create = "--- /dev/null\n+++ b/x.c\n@@ -0,0 +1 @@\n+int y;\n"
    with pytest.raises(PatchError, match="already exists"):
        replay([_patch(create)], {"x.c": "int x;\n"}.get)


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A repository with the fixture tree, then: drop thaw (PM101), a rename, a bar change."""
    shutil.copytree(TREE, tmp_path, dirs_exist_ok=True)
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "user.email", "test@example.org")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    foo = tmp_path / "drivers/misc/foo.c"
    original = foo.read_text()
    foo.write_text(original.replace("\t.thaw = foo_thaw,\n", "").replace(
        'static int foo_thaw(struct device *dev) { return request_irq(1, NULL, 0, "foo", dev); }\n',
        ""))
    git(tmp_path, "commit", "-qam", "misc: foo: drop the unused thaw callback")
    git(tmp_path, "mv", "drivers/misc/bar.c", "drivers/misc/bar-core.c")
    git(tmp_path, "commit", "-qm", "misc: bar: rename")
    bar = tmp_path / "drivers/misc/bar-core.c"
    bar.write_text("/* moved down */\n" + bar.read_text())
    git(tmp_path, "commit", "-qam", "misc: bar: add a comment")
    foo.write_text(original)   # a dirty working tree that must not be read
    return tmp_path


def test_git_range_reports_what_each_commit_introduced(repo):
    out = run("--git", "HEAD~3..HEAD", "--tree", repo)
    assert out.returncode == 1, out.stderr
    [line, note] = out.stdout.splitlines()
    assert note == FOO_PM101_NOTE
    sha = git(repo, "rev-parse", "--short=12", "HEAD~2")
    assert line.startswith(FOO_PM101) and "[PM101]" in line
    assert introduced_by(line) == f'{sha} ("misc: foo: drop the unused thaw callback")'
    assert git(repo, "status", "--porcelain") == "M drivers/misc/foo.c"   # left as it was


def test_git_single_commit_and_bad_range(repo):
    assert run("--git", "HEAD~1", cwd=repo).returncode == 0   # the rename keeps bar's finding old
    assert run("--git", "HEAD", cwd=repo).returncode == 0
    bad = run("--git", "no-such-rev..HEAD", cwd=repo)
    assert bad.returncode == 2 and "pmlint: error: no-such-rev..HEAD: git log" in bad.stderr


def test_a_patch_that_breaks_the_restore_path_of_a_thawless_table_is_reported(tmp_path):
    """The table had PM101 (no thaw); dropping .restore adds PM102, which is
    reported on its own: the fold into PM101's finding comes after patch mode."""
    src = (FIXTURES / "PM101_fires.c").read_text()
    (tmp_path / "a.c").write_text(src)
    patched = src.replace("\t.restore = foo_restore,\n", "", 1)
    assert patched != src
    (tmp_path / "b.c").write_text(patched)
    diff = subprocess.run(["diff", "-u", "--label", "a/a.c", "--label", "b/a.c", "a.c", "b.c"],
                          cwd=tmp_path, capture_output=True, text=True).stdout
    (tmp_path / "b.c").unlink()
    (tmp_path / "p.diff").write_text(diff)
    out = run("--select", "PM101,PM102", "--patch", tmp_path / "p.diff", "--tree", tmp_path)
    assert out.returncode == 1, out.stderr
    heads = [line for line in out.stdout.splitlines() if ": note: " not in line]
    assert len(heads) == 1 and heads[0].endswith("[PM102]") and "'foo_pm_ops'" in heads[0]
