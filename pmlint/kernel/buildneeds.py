"""The CONFIG_ options a kernel tree builds a file only with.

PM205 compares a file with CONFIG_PM_SLEEP and CONFIG_PM switched off; a
file that Kbuild compiles only with one of them on never sees that
configuration (drivers/base/power/main.c is `obj-$(CONFIG_PM_SLEEP)`, a
driver's Kconfig entry may say `depends on PM`, or depend on an option
that selects PM), so comparing it there reports what no build can produce.

Read from the tree: the Makefile line that names the file's object
(`obj-$(CONFIG_X) += foo.o`, or `foo-$(CONFIG_X) += bar.o` and then the
line of foo.o), then what CONFIG_X needs through the tree's Kconfig files
(pmlint.kernel.kconfiglang: its `depends on`, the `if`, `menu` and `choice` blocks
around it, its plain `select`s). Only what is certain counts: an object
named by one line only, a need that holds whichever way an `||` goes.
Outside a kernel tree nothing is known and every configuration is compared.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from pmlint.kernel import kconfiglang

# `name-$(CONFIG_X) += a.o b.o`, `name-y := ...`, `name-objs += ...`
_ASSIGN = re.compile(r"^\s*([\w.-]+?)-(?:\$\((CONFIG_\w+)\)|y|m|objs)\s*[:+]?=(.*)$")

# Where the tree's Kconfig reading is kept between runs: the pipeline's
# kconfigstore, once a run with a result cache sets it (keep_readings); the
# kernel layer reads, the pipeline keeps.
_store = None

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
    return all(tuple(sorted(_ask(path, option))) == tuple(answer) for path, option, answer in answered)


def _ask(path: str, option: str) -> frozenset[str]:
    if option == DIGEST:
        return frozenset({_digest(read(path))})
    if option == EXPORTS:
        from pmlint.kernel import modulelinks
        return frozenset({modulelinks.exports_digest(path)})
    return requires(path, option) if option else needs(path)


# Two questions of pmlint.kernel.modulelinks, each answered by a digest:
# what a file of the tree holds (read whole), and what the files of a
# directory export.
DIGEST = "sha256"
EXPORTS = "exports"


def asked(path: str, question: str, digest: str) -> None:
    """Record that `question` (DIGEST, EXPORTS) was asked of `path` and what it answered."""
    _answered(path, question, frozenset({digest}))


def read(path: str) -> bytes | None:
    """A file of the tree (None if it cannot be read), recorded as asked."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        data = None
    asked(path, DIGEST, _digest(data))
    return data


def _digest(data: bytes | None) -> str:
    return "missing" if data is None else hashlib.sha256(data).hexdigest()


def _answered(path: str, option: str, answer: frozenset[str]) -> frozenset[str]:
    if _answers is not None:
        _answers.append((path, option, tuple(sorted(answer))))
    return answer


def needs(path: str) -> frozenset[str]:
    """Options without which the tree around `path` does not compile it (empty if unknown)."""
    return _answered(path, "", _needs(path))


def _needs(path: str) -> frozenset[str]:
    if not path.endswith(".c"):
        return frozenset()
    directory, obj = object_of(path)
    named = objects(directory)
    found: set[str] = set()
    seen: set[str] = set()
    while obj not in seen:
        seen.add(obj)
        lines = named.get(obj, ())
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


def object_of(path: str) -> tuple[str, str]:
    """The directory whose Makefile builds a .c file, and the file's object
    name there. A subdirectory without a Makefile of its own is built from
    its parent's (msm-y += dp/dp_display.o)."""
    directory, name = os.path.split(os.path.abspath(path))
    obj = name[:-2]
    for _ in range(2):
        if os.path.exists(os.path.join(directory, "Makefile")):
            break
        directory, sub = os.path.split(directory)
        obj = f"{sub}/{obj}"
    return directory, obj


@lru_cache(maxsize=256)
def objects(directory: str) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Object name -> the (target, option) of each Makefile line naming it."""
    try:
        with open(os.path.join(directory, "Makefile"), encoding="utf-8", errors="replace") as f:
            text = f.read().replace("\\\n", " ")
    except OSError:
        return {}
    out: dict[str, list] = {}
    for line in text.splitlines():
        m = _ASSIGN.match(line.partition("#")[0])
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
    """What `option` cannot be on without, through Kconfig, whichever way it is
    on (pmlint.kernel.kconfiglang): from the whole tree's Kconfig files when
    `directory` is in a kernel tree (ARCH_TEGRA selects PM, so USB_XHCI_TEGRA
    never goes without it)."""
    on = _kconfig(_tree_root(directory)).get(option[len("CONFIG_"):], "")
    return frozenset("CONFIG_" + s for s in on.split())


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
    """Symbol -> every other symbol on whenever it is (pmlint.kernel.kconfiglang),
    space-separated (a third faster to load than lists); only symbols that
    have any. Read once per process, and kept between runs by the store the pipeline sets."""
    if not root:
        return {}
    kept = _store.load(root) if _store is not None else None
    if kept is None:
        reading = _store.Reading(root) if _store is not None else kconfiglang.TreeReader(root)
        kept = {symbol: " ".join(sorted(on))
                for symbol, on in kconfiglang.Tree(root, reading).certain().items()}
        if _store is not None:
            _store.save(reading, kept)
    return kept


def keep_readings(store) -> None:
    """Keep the Kconfig readings with store (load, Reading, save), from now on."""
    global _store
    _store = store
