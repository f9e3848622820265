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


def test_the_readme_hook_with_its_baseline_argument(driver_repo, tmp_path):
    """The README's .pre-commit-config.yaml, with this checkout as the repo."""
    import yaml
    from test_readme import precommit_block
    try:   # what try-repo does: a commit of this checkout with its uncommitted changes
        from pre_commit.commands.try_repo import _repo_ref
    except ImportError:
        pytest.skip("this pre-commit has no try_repo._repo_ref")

    repo, ref = _repo_ref(str(tmp_path), str(ROOT), None)
    config = precommit_block()
    config["repos"][0].update(repo=repo, rev=ref)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    env = dict(os.environ, PRE_COMMIT_HOME=str(driver_repo.parent / "pre-commit-home"))

    def hook(*files):
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--config",
                               str(tmp_path / "config.yaml"), "--files", *files],
                              cwd=driver_repo, env=env, capture_output=True, text=True)

    # No baseline yet: its absence is an error that names it.
    out = hook("drivers/bad.c")
    assert out.returncode == 1 and "pmlint-baseline.json" in out.stdout
    # Written from the top with ".", it holds for the "drivers/bad.c" pre-commit passes.
    subprocess.run([sys.executable, "-m", "pmlint", "--write-baseline", "pmlint-baseline.json",
                    "."], cwd=driver_repo, check=True, capture_output=True)
    out = hook("drivers/bad.c", "drivers/good.c")
    assert out.returncode == 0, out.stdout + out.stderr
    (driver_repo / "pmlint-baseline.json").unlink()
