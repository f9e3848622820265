"""What the README tells users to write works as written."""
from __future__ import annotations

import re
import subprocess

import pytest

yaml = pytest.importorskip("yaml")   # comes with pre-commit, a test dependency

from expectations import FIXTURES  # noqa: E402

ROOT = FIXTURES.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def precommit_block() -> dict:
    section = README[README.index("## In a pre-commit hook"):]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))


def _is_checkout() -> bool:
    return subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT,
                          capture_output=True).returncode == 0


def test_the_precommit_example_uses_the_hook_with_a_baseline():
    [repo] = precommit_block()["repos"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    [hook] = repo["hooks"]
    assert hook["id"] in {h["id"] for h in hooks}
    assert hook["args"] == ["--baseline", "pmlint-baseline.json"]


@pytest.mark.skipif(not _is_checkout(), reason="not a git checkout of pmlint")
def test_the_precommit_example_pins_a_rev_of_this_repository():
    rev = str(precommit_block()["repos"][0]["rev"])
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, f"rev: {rev} is neither a tag nor a commit of this repository"
    # pre-commit fetches a rev as given: a tag, or a commit by its full SHA.
    is_tag = subprocess.run(["git", "show-ref", "--verify", "--quiet", f"refs/tags/{rev}"],
                            cwd=ROOT).returncode == 0
    assert is_tag or re.fullmatch(r"[0-9a-f]{40}", rev)
    # It names the commit by the short form the text gives.
    assert is_tag or rev[:7] in README.replace(rev, "")
