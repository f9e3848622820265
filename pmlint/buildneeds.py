"""The CONFIG_ options a kernel tree builds a file only with.

PM205 compares a file with CONFIG_PM_SLEEP and CONFIG_PM switched off; a
file that Kbuild compiles only with one of them on never sees that
configuration (drivers/base/power/main.c is `obj-$(CONFIG_PM_SLEEP)`, a
driver's Kconfig entry may say `depends on PM`, or depend on an option
that selects PM), so comparing it there reports what no build can produce.

Read from the tree: the Makefile line that names the file's object
(`obj-$(CONFIG_X) += foo.o`, or `foo-$(CONFIG_X) += bar.o` and then the
line of foo.o), then what CONFIG_X needs through the tree's Kconfig files.
Only what is certain counts: an object named by one line only, `depends
on` conditions that are nothing but options joined by &&, and `select`s
without `if`. Outside a kernel tree nothing is known and every
configuration is compared.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from pmlint import kconfigstore

# `name-$(CONFIG_X) += a.o b.o`, `name-y := ...`, `name-objs += ...`
_ASSIGN = re.compile(r"^\s*([\w.-]+?)-(?:\$\((CONFIG_\w+)\)|y|objs)\s*[:+]?=(.*)$")
_ENTRY_END = re.compile(r"^\s*(?:config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|comment)\b")
_DEPENDS = re.compile(r"^\s*depends\s+on\s+(.*?)\s*(?:#.*)?$")
_SYMBOL = re.compile(r"[A-Z0-9_]+")
_SELECT = re.compile(r"^\s*select\s+([A-Z0-9_]+)\s*(?:#.*)?$")

# What needs() and requires() answered while answers() records: (path, option
# or "" for needs, the answer sorted). The tree's part of a file's result.
Answer = tuple[str, str, tuple[str, ...]]
_answers: list[Answer] | None = None


@contextmanager
def answers() -> Iterator[list[Answer]]:
    """Record what the tree is asked meanwhile (the result cache keeps it with a
    result, and trusts the result only while the tree answers the same)."""
    global _answers
    _answers = []
    try:
        yield _answers
    finally:
        _answers = None


def still_hold(answered) -> bool:
    """Whether the tree answers every question as it did (answers() recorded them)."""
    return all(tuple(sorted(requires(path, option) if option else needs(path))) == tuple(answer)
               for path, option, answer in answered)


def _answered(path: str, option: str, answer: frozenset[str]) -> frozenset[str]:
    if _answers is not None:
        _answers.append((path, option, tuple(sorted(answer))))
    return answer


def needs(path: str) -> frozenset[str]:
    """Options without which the tree around `path` does not compile it (empty if unknown)."""
    return _answered(path, "", _needs(path))


def _needs(path: str) -> frozenset[str]:
    directory, name = os.path.split(os.path.abspath(path))
    if not name.endswith(".c"):
        return frozenset()
    obj = name[:-2]
    # A subdirectory without a Makefile of its own is built from its parent's
    # (msm-y += dp/dp_display.o).
    for _ in range(2):
        if os.path.exists(os.path.join(directory, "Makefile")):
            break
        directory, sub = os.path.split(directory)
        obj = f"{sub}/{obj}"
    objects = _objects(directory)
    found: set[str] = set()
    seen: set[str] = set()
    while obj not in seen:
        seen.add(obj)
        lines = objects.get(obj, ())
        if len(lines) != 1:   # not named, or named more than once: nothing certain
            break
        target, option = lines[0]
        if option:
            found.add(option)
            found |= _depends(directory, option)
        if target == "obj":
            break
        obj = target
    return frozenset(found)


@lru_cache(maxsize=256)
def _objects(directory: str) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Object name -> the (target, option) of each Makefile line naming it."""
    try:
        with open(os.path.join(directory, "Makefile"), encoding="utf-8", errors="replace") as f:
            text = f.read().replace("\\\n", " ")
    except OSError:
        return {}
    out: dict[str, list] = {}
    for line in text.splitlines():
        m = _ASSIGN.match(line)
        if m:
            target, option, objects = m.groups()
            for word in objects.split():
                if word.endswith(".o"):
                    out.setdefault(word[:-2], []).append((target, option))
    return {k: tuple(v) for k, v in out.items()}


def requires(path: str, option: str) -> frozenset[str]:
    """What `option` cannot be on without, in the kernel tree around `path`
    (its `depends on` terms and what they select; empty outside a tree)."""
    return _answered(path, option, _depends(os.path.dirname(os.path.abspath(path)), option))


def read_tree(path: str) -> None:
    """Read the Kconfig files of the tree around path now (if in one), for later questions."""
    _kconfig(_tree_root(os.path.dirname(os.path.abspath(path))))


def _depends(directory: str, option: str) -> frozenset[str]:
    """What `option` requires outright, through Kconfig: the options its
    `depends on` names and those an option it requires selects, transitively.
    Read from the whole tree's Kconfig files when `directory` is in a kernel
    tree (ARCH_TEGRA selects PM, so USB_XHCI_TEGRA never goes without it)."""
    rules = _kconfig(_tree_root(directory))
    found, todo = set(), [option[len("CONFIG_"):]]
    while todo:
        symbol = todo.pop()
        needed = rules.get(symbol, "").split()
        todo += [s for s in needed if s not in found]
        found.update(needed)
    return frozenset("CONFIG_" + s for s in found)


@lru_cache(maxsize=64)
def _tree_root(directory: str) -> str:
    """The kernel tree around a directory ("" outside one)."""
    while True:
        if os.path.isfile(os.path.join(directory, "Kconfig")) and \
                os.path.isdir(os.path.join(directory, "scripts", "kconfig")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return ""
        directory = parent


@lru_cache(maxsize=4)
def _kconfig(root: str) -> dict[str, str]:
    """Symbol -> the symbols it needs (if any), space-separated (a third faster
    to load than lists): outright `depends on` terms and plain `select`s. A
    symbol declared more than once needs what every declaration does. Read
    once per process, and kept between runs (pmlint.kconfigstore)."""
    if not root:
        return {}
    kept = kconfigstore.load(root)
    if kept is None:
        entries: dict[str, list[set[str]]] = {}
        walk = kconfigstore.Walk(root)
        for path in walk.files():
            _read_kconfig(path, entries)
        kept = {symbol: " ".join(sorted(needed)) for symbol, found in entries.items()
                if (needed := set.intersection(*found))}
        kconfigstore.save(walk, kept)
    return kept


def _read_kconfig(path: str, entries: dict[str, list[set[str]]]) -> None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    current = None
    for line in lines:
        if _ENTRY_END.match(line):
            m = re.match(r"^\s*(?:menu)?config\s+(\w+)\s*$", line)
            current = set() if m else None
            if m:
                entries.setdefault(m.group(1), []).append(current)
        elif current is not None:
            if m := _DEPENDS.match(line):
                terms = [t.strip() for t in m.group(1).split("&&")]
                if all(_SYMBOL.fullmatch(t) for t in terms):
                    current.update(terms)
            elif m := _SELECT.match(line):
                current.add(m.group(1))
