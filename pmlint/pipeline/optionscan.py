"""The settings of a driver's own CONFIG_ options a file is analysed in
(pmlint.pipeline.outcomes): the options its #if, #ifdef and #ifndef lines name where
the block holds PM code (a table, a pm.h macro, a driver object's PM member,
a xenbus driver, a callback of the tables found), and those an IS_ENABLED()
on a line of PM code names (`.pm = IS_ENABLED(CONFIG_FOO_PM) ? ...`).

A text scan. Not varied: the PM core's own options (the configuration
already covers them; PM204 and PM205 compare them), and any option the user
set (-D, -U). Each varied option is taken on and off; switched on it brings
what its Kconfig entry depends on where the file is in a kernel tree
(pmlint.kernel.buildneeds), and a setting the tree cannot build (one that switches
off what the file's Makefile line needs, or what an option switched on
depends on) is not analysed. At most MAX_CONFIGURATIONS settings: options
past the bound keep the value given, and PM001 says so.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pmlint.text import conditions
from pmlint.kernel.kconfig import with_dependents
from pmlint.model import FileModel

# At most this many configurations of a file's own options: each is a parse.
MAX_CONFIGURATIONS = 4
_VARIED_AT_MOST = MAX_CONFIGURATIONS.bit_length() - 1   # 2**n settings of n options

_OPTION = re.compile(rb"\bCONFIG_\w+")
_IS_ENABLED = re.compile(rb"\bIS_(?:ENABLED|BUILTIN|REACHABLE|MODULE)\s*\(\s*(CONFIG_\w+)\s*\)")
_LINE = re.compile(rb"^[^\n]*$", re.M)
# The PM core's options and the rest of what the configuration always sets.
_PM_OPTIONS = with_dependents("CONFIG_PM") | {"CONFIG_XEN"}


@dataclass(frozen=True)
class Setting:
    shown: tuple[str, ...]       # "CONFIG_X" on, "!CONFIG_X" off, one per varied option
    config: tuple[str, ...]      # the configuration the file is parsed with


@dataclass(frozen=True)
class Settings:
    settings: tuple[Setting, ...]   # the configuration given first
    cut: tuple[str, ...] = ()       # options named past the bound: as given only
    cut_line: int = 0               # the first #if that names one of them
    cut_condition: str = ""


def named(source: bytes, model: FileModel | None) -> dict[str, tuple[int, str]]:
    """Each driver's own option named near PM code, with the first line (and directive) naming it."""
    found: dict[str, tuple[int, str]] = {}
    for line, text, expression in conditions.near_pm_code(source, model, ifdefs=True):
        for name in _OPTION.findall(conditions.strip_comments(expression)):
            found.setdefault(name.decode(), (line, text))
    if b"IS_" in source:
        for m in _LINE.finditer(source):
            if b"IS_" in m.group() and conditions.PM_CODE.search(m.group()):
                line = source.count(b"\n", 0, m.start()) + 1
                for name in _IS_ENABLED.findall(m.group()):
                    found.setdefault(name.decode(), (line, " ".join(m.group().decode(
                        "utf-8", "replace").split())))
    named_ = {n: v for n, v in found.items()
              if n.removesuffix("_MODULE") not in _PM_OPTIONS}
    return dict(sorted(named_.items(), key=lambda item: item[1][0]))


def settings(path: str, source: bytes, options, model: FileModel | None,
             in_tree: bool = True) -> Settings:
    """The settings of the file's own options to analyse it in (options: frontend.ParseOptions)."""
    from pmlint.kernel.buildneeds import needs, requires
    given = Setting((), options.config)
    if b"CONFIG_" not in source:
        return Settings((given,))
    pinned = set(options.pinned)
    given_on = {o.partition("=")[0] for o in options.config}
    found = {n: v for n, v in named(source, model).items()
             if n.removesuffix("_MODULE") not in pinned and n not in given_on}
    if not found:
        return Settings((given,))
    names = [n.removesuffix("_MODULE") for n in found]
    names = list(dict.fromkeys(names))
    varied, cut = names[:_VARIED_AT_MOST], names[_VARIED_AT_MOST:]
    needed = needs(path) if in_tree else frozenset()
    out = [Setting(tuple(f"!{o}" for o in varied), options.config)]
    for values in itertools.product((False, True), repeat=len(varied)):
        on = {o for o, v in zip(varied, values) if v}
        if not on:
            continue
        off = set(varied) - on
        wanted = set(on)
        for option in sorted(on):
            wanted |= requires(path, option) if in_tree else frozenset()
        if wanted & off or off & needed:
            continue   # a configuration the tree cannot build
        config = options.config + tuple(sorted(wanted - given_on))
        out.append(Setting(tuple(o if o in on else f"!{o}" for o in varied), config))
    first_cut = min((found.get(o) or found[o + "_MODULE"] for o in cut), default=(0, ""))
    return Settings(tuple(out), tuple(cut), *first_cut)
