"""Baselines that survive path spelling: paths relative to the project root."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from expectations import assert_matches
from fixture_results import BASELINE_FILES as FILES
from fixture_results import BASELINE_TREE as TREE
from fixture_results import of_json
from lintrun import lint


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def tree(tmp_path, kind: str):
    """The fixture tree as a git work tree, a tree with a .pmlint.toml, or neither."""
    top = tmp_path / "top"
    shutil.copytree(TREE, top)
    if kind == "git":
        subprocess.run(["git", "init", "-q"], cwd=top, check=True)
    elif kind == "config":
        (top / ".pmlint.toml").write_text("ignore = []\n")
    return top


def found(run) -> list[tuple[str, int, str]]:
    return sorted(run.found())


def test_the_tree_has_the_findings_it_expects(tmp_path):
    top = tree(tmp_path, "git")
    run = lint(top, "--format", "json", *FILES)
    got = of_json(run.doc)
    assert FILES == ["drv/a.c", "drv/sub/b.c"] and set(got) <= set(FILES)
    for path in FILES:
        assert_matches(top / path, got.get(path, []))


# Each spelling: (folder to run in, relative to the top; --baseline; PATHs).
SPELLINGS = {
    "pre-commit": ("", "b.json", ["drv/a.c", "drv/sub/b.c"]),
    "absolute": ("", "b.json", ["{top}/drv/a.c", "{top}/drv/sub/b.c"]),
    "subdirectory": ("drv", "../b.json", ["."]),
    "subdirectory-file": ("drv", "../b.json", ["a.c", "sub/b.c"]),
    "dot-slash": ("", "b.json", ["./drv"]),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("kind", ["git", "config"])
def test_a_baseline_written_from_the_top_holds_for_every_spelling(tmp_path, kind, spelling):
    top = tree(tmp_path, kind)
    assert lint(top, "--write-baseline", "b.json", ".").code == 0
    where, base, paths = SPELLINGS[spelling]
    run = lint(top / where, "--baseline", base, *[p.format(top=top) for p in paths])
    assert (run.code, run.stdout) == (0, b"")
    assert "0 findings (2 more in the baseline)" in run.stderr


def test_a_baseline_written_in_a_subdirectory_holds_from_the_top(tmp_path):
    top = tree(tmp_path, "git")
    assert lint(top / "drv", "--write-baseline", "../b.json", "a.c", "sub/b.c").code == 0
    assert {e["path"] for e in json.loads((top / "b.json").read_text())["findings"]} == set(FILES)
    assert lint(top, "--baseline", "b.json", ".").code == 0


def test_without_a_root_paths_are_relative_to_the_current_directory(tmp_path):
    top = tree(tmp_path, "none")
    assert lint(top, "--write-baseline", "b.json", ".").code == 0
    assert lint(top, "--baseline", "b.json", "drv/a.c", str(top / "drv/sub/b.c")).code == 0
    # From elsewhere the paths differ: the findings are new there.
    assert lint(top / "drv", "--baseline", "../b.json", ".").code == 1


def test_new_findings_are_still_reported(tmp_path):
    top = tree(tmp_path, "git")
    assert lint(top, "--write-baseline", "b.json", ".").code == 0
    src = top / "drv" / "sub" / "b.c"
    src.write_text(src.read_text() + "\nstatic const struct dev_pm_ops new_pm_ops = "
                   "{ .freeze = quux_suspend, .thaw = quux_resume };\n")
    run = lint(top / "drv", "--format", "json", "--baseline", "../b.json", ".")
    assert run.code == 1
    assert {(f["path"], f["symbol"]) for f in run.doc["findings"]} == {("./sub/b.c", "new_pm_ops")}


def _old_fingerprint(f: dict) -> str:
    """What format 1 recorded: the hash of the path as it was spelled."""
    key = "\0".join((f["rule"], f["path"], f["symbol"], f["message"]))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_old_baseline_still_loads(tmp_path, spelling):
    top = tree(tmp_path, "git")
    # As `pmlint --write-baseline b.json .` wrote it: format 1, paths "./drv/a.c".
    written = lint(top, "--format", "json", ".").doc["findings"]
    assert {f["path"] for f in written} == {"./drv/a.c", "./drv/sub/b.c"}
    (top / "b.json").write_text(json.dumps({"format": "pmlint-baseline/1", "findings": [
        {"fingerprint": _old_fingerprint(f), "rule": f["rule"], "path": f["path"],
         "symbol": f["symbol"]} for f in written]}))
    where, base, paths = SPELLINGS[spelling]
    run = lint(top / where, "--baseline", base, *[p.format(top=top) for p in paths])
    assert (run.code, run.stdout) == (0, b""), run.stdout


def test_patch_mode_paths_are_relative_to_the_tree(tmp_path):
    top = tree(tmp_path, "git")
    for args in (("-c", "user.name=t", "-c", "user.email=t@t", "add", "."),
                 ("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")):
        subprocess.run(["git", *args], cwd=top, check=True)
    src = top / "drv" / "a.c"
    src.write_text(src.read_text().replace("static const struct", "static struct"))  # PM202
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two"],
                   cwd=top, check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    new = lint(elsewhere, "--format", "json", "--git", "HEAD", "--tree", top)
    assert new.code == 1 and new.found()
    assert lint(elsewhere, "--write-baseline", "b.json", "--git", "HEAD", "--tree", top).code == 0
    assert lint(elsewhere, "--baseline", "b.json", "--git", "HEAD", "--tree", top).code == 0
    assert lint(top, "--baseline", str(elsewhere / "b.json"), "--git", "HEAD").code == 0
