"""Since which kernel pm.h has each of its table macros and pointer helpers
(pmlint/data/pm_history.toml), so that advice uses only what the oldest
kernel checked has."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from pmlint.kernel import kversion


@lru_cache(maxsize=1)
def since() -> dict[str, kversion.Version]:
    text = (resources.files("pmlint") / "data" / "pm_history.toml").read_text(encoding="utf-8")
    return {name: kversion.parse_one(v) for name, v in tomllib.loads(text)["since"].items()}


def missing(names, kernel: kversion.Version) -> list[str]:
    """The names a kernel's pm.h does not have yet (an unknown name counts as missing)."""
    known = since()
    return [n for n in names if n not in known or known[n] > kernel]
