"""Which CONFIG_ options the preprocessor sees as enabled."""
from __future__ import annotations

import re

_LINE = re.compile(r"^(CONFIG_\w+)=(.*?)\s*$")


class KconfigError(Exception):
    pass


def read_dotconfig(path: str) -> list[str]:
    """As the kernel's autoconf.h: =y gives CONFIG_X, =m CONFIG_X_MODULE, other values X=value."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        raise KconfigError(f"cannot read {path}: {exc.strerror}") from None
    options = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            name, value = m.groups()
            if value == "y":
                options.append(name)
            elif value == "m":
                options.append(name + "_MODULE")
            elif value and value != "n":
                options.append(f"{name}={value}")
    if not options:
        raise KconfigError(f"{path}: no CONFIG_X=y or =m lines; is it a kernel .config?")
    return options


def resolve(base: tuple[str, ...], enable: list[str], disable: list[str]) -> tuple[str, ...]:
    opts = [o if o.startswith("CONFIG_") else "CONFIG_" + o for o in enable]
    off = {o if o.startswith("CONFIG_") else "CONFIG_" + o for o in disable}
    merged = [o for o in list(base) + opts if o.partition("=")[0] not in off]
    return tuple(dict.fromkeys(merged))
