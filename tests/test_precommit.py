"""pmlint as a pre-commit hook, tried for real with `pre-commit try-repo`."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from expectations import FIXTURES

ROOT = FIXTURES.parent
HAVE_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None

pytestmark = pytest.mark.skipif(not HAVE_PRE_COMMIT and not os.environ.get("CI"),
                                reason="pre-commit not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def driver_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("driver-tree")
    _git(repo, "init", "-q")
    (repo / "drivers").mkdir()
    shutil.copy(FIXTURES / "PM101_fires.c", repo / "drivers" / "bad.c")
    shutil.copy(FIXTURES / "PM101_clean.c", repo / "drivers" / "good.c")
    _git(repo, "add", ".")
    return repo


def _try_repo(repo: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"))
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "pmlint",
                           "--files", *files], cwd=repo, env=env, capture_output=True, text=True)


def test_bad_driver_fails_the_hook(driver_repo):
    out = _try_repo(driver_repo, "drivers/bad.c")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[PM101]" in out.stdout


def test_good_driver_passes_the_hook(driver_repo):
    out = _try_repo(driver_repo, "drivers/good.c")
    assert out.returncode == 0, out.stdout + out.stderr
