"""Which macros the preprocessor sees: CONFIG_ options from a .config or the
defaults, then -D and -U as cc takes them."""
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


# -D NAME, -D NAME=VALUE, -D 'NAME(ARGS)=BODY'; -U NAME (as cc takes them).
_DEFINE = re.compile(r"([A-Za-z_]\w*)(?:\([\w\s,.]*\))?(?:=[^\n]*)?")
_NAME = re.compile(r"[A-Za-z_]\w*")


def resolve(base: tuple[str, ...], macros: list[tuple[str, str]]) -> tuple[tuple[str, ...], list[str]]:
    """The macros the preprocessor sees: base, then each ("-D", text) or
    ("-U", name) in the order given, as cc applies them; and notes for the user.

    Any macro is taken as written: no CONFIG_ is added. -U of a CONFIG_
    option is a Kconfig option switched off: it takes its =m form and every
    option that cannot be on without it (see _GOES_WITH) along.
    """
    defined = {_macro_name(o): o for o in base}   # name -> entry, in order
    notes: list[str] = []
    given: list[str] = []
    for flag, text in macros:
        pattern = _DEFINE if flag == "-D" else _NAME
        if "\n" in text:
            raise KconfigError(f"{flag} {text!r}: a macro cannot hold a line break")
        if not pattern.fullmatch(text):
            raise KconfigError(f"{flag} {text!r}: macro names must be identifiers"
                               + (" (-D NAME, -D NAME=VALUE)" if flag == "-D" else ""))
        name = _macro_name(text)
        if not name.startswith("CONFIG_") and "CONFIG_" + name in with_dependents("CONFIG_PM"):
            notes.append(f"{flag} {name} is the macro {name}, not the Kconfig option CONFIG_{name}"
                         f" (write {flag} CONFIG_{name} for that)")
        if flag == "-D":
            defined.pop(name, None)
            defined[name] = text
            given.append(name)
            continue
        gone = with_dependents(name) if name.startswith("CONFIG_") else frozenset((name,))
        gone |= {n + "_MODULE" for n in gone if n.startswith("CONFIG_")}
        also = [n for n in defined if n in gone and n != name]
        for n in gone:
            defined.pop(n, None)
        if also:
            notes.append(f"-U {name} also switches off {', '.join(also)}, which cannot be on "
                         "without it")
    for name in dict.fromkeys(given):
        missing = [p for p in _needs(name) if p not in defined]
        if name in defined and missing:
            notes.append(f"-D {name} needs {' and '.join(missing)}, which "
                         f"{'is' if len(missing) == 1 else 'are'} off: a configuration no "
                         "kernel has")
    return tuple(defined.values()), notes


def _macro_name(entry: str) -> str:
    m = _NAME.match(entry)
    return m.group() if m else entry


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


def _needs(option: str) -> list[str]:
    """The options that option cannot be on without."""
    return [o for o in _GOES_WITH if o != option and option in with_dependents(o)]


def switched_off(config: tuple[str, ...], option: str) -> tuple[str, ...]:
    """The options left when `option` is switched off, with what cannot be on without it."""
    off = with_dependents(option)
    off |= {name + "_MODULE" for name in off}
    return tuple(o for o in config if o.partition("=")[0] not in off)
