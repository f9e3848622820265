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


# What else goes when an option is switched off (kernel/power/Kconfig): the
# options that depend on it and, for PM_SLEEP, those it is the "or" of
# (PM_SLEEP is SUSPEND || HIBERNATE_CALLBACKS, which XEN_SAVE_RESTORE selects).
_GOES_WITH = {
    "CONFIG_PM": ("CONFIG_PM_SLEEP", "CONFIG_PM_DEBUG", "CONFIG_PM_ADVANCED_DEBUG",
                  "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS", "CONFIG_PM_GENERIC_DOMAINS_OF"),
    "CONFIG_PM_SLEEP": ("CONFIG_SUSPEND", "CONFIG_HIBERNATION", "CONFIG_HIBERNATE_CALLBACKS",
                        "CONFIG_XEN_SAVE_RESTORE", "CONFIG_PM_SLEEP_SMP", "CONFIG_PM_SLEEP_DEBUG",
                        "CONFIG_PM_AUTOSLEEP", "CONFIG_PM_WAKELOCKS",
                        "CONFIG_PM_GENERIC_DOMAINS_SLEEP"),
}


def with_dependents(option: str) -> frozenset[str]:
    """The option and every option that cannot be on without it."""
    found, todo = set(), [option]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(_GOES_WITH.get(name, ()))
    return frozenset(found)


def switched_off(config: tuple[str, ...], option: str) -> tuple[str, ...]:
    """The options left when `option` is switched off, with what cannot be on without it."""
    off = with_dependents(option)
    off |= {name + "_MODULE" for name in off}
    return tuple(o for o in config if o.partition("=")[0] not in off)
