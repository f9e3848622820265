"""pm.h's history (pmlint/data/pm_history.toml) against the kernel trees at hand."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pmlint import catalogue
from pmlint.kernel import kversion, pmhistory

TREES = Path(os.environ.get("PMLINT_KERNELS", "/work/kernel"))


def defined_in(tree: Path) -> set[str]:
    text = "".join((tree / "include" / "linux" / h).read_text() for h in ("pm.h", "pm_runtime.h"))
    return set(re.findall(r"^#define\s+(\w+)", text, re.M))


@pytest.mark.parametrize("release", [(6, 1, 0), (6, 12, 0)])
def test_the_history_agrees_with_the_trees(release):
    tree = TREES / f"linux-source-{release[0]}.{release[1]}"
    if not tree.is_dir():
        pytest.skip(f"no {tree}")
    defined = defined_in(tree)
    for name, since in pmhistory.since().items():
        assert (name in defined) == (since <= release), (name, kversion.shown(since))


def test_every_replacement_pm201_needs_has_a_date():
    rule = next(r for r in catalogue.rules() if r.id == "PM201")
    needs = {n for names in rule.match["needs"].values() for n in names}
    assert needs <= set(pmhistory.since())
    assert set(rule.match["needs"]) == set(rule.match["replace"])
    assert pmhistory.missing(["DEFINE_SIMPLE_DEV_PM_OPS", "pm_ptr"], (5, 10, 0)) == ["DEFINE_SIMPLE_DEV_PM_OPS"]
    assert pmhistory.missing(["no_such_macro"], kversion.NEWEST) == ["no_such_macro"]
