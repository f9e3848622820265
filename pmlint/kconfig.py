"""Which CONFIG_ options the preprocessor sees as enabled."""
from __future__ import annotations

import re

_LINE = re.compile(r"^(CONFIG_\w+)=(y|m)\s*$")


class KconfigError(Exception):
    pass


def read_dotconfig(path: str) -> list[str]:
    """CONFIG_X=y gives CONFIG_X; =m gives CONFIG_X_MODULE, as the kernel's autoconf.h does."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        raise KconfigError(f"cannot read {path}: {exc.strerror}") from None
    options = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            options.append(m.group(1) if m.group(2) == "y" else m.group(1) + "_MODULE")
    if not options:
        raise KconfigError(f"{path}: no CONFIG_X=y or =m lines; is it a kernel .config?")
    return options


def resolve(base: tuple[str, ...], enable: list[str], disable: list[str]) -> tuple[str, ...]:
    opts = [o if o.startswith("CONFIG_") else "CONFIG_" + o for o in enable]
    off = {o if o.startswith("CONFIG_") else "CONFIG_" + o for o in disable}
    merged = [o for o in list(base) + opts if o not in off]
    return tuple(dict.fromkeys(merged))
