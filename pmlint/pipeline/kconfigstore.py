"""What pmlint.kernel.buildneeds read of a kernel tree's Kconfig files, kept between runs.

Reading a tree's Kconfig files (1,800 of them in Linux 6.12) costs most of
a second of CPU, a third of a warm run over the whole tree, in each process
that asks what an option depends on. So what was read is kept in the result
cache's directory with the signature (pmlint.pipeline.skipindex's: size, times,
inode, device) of every file read, and what each `source` pattern
(`arch/$(SRCARCH)/Kconfig`) matched, and trusted only while all are what
they were: an edited file changes its own signature, a file that a `source`
newly names is read because the file naming it changed, a new architecture
changes what its pattern matches, a missing file that appears changes from
missing. A signature taken too soon after a change is not trusted, so such a
reading is not kept. The store is one file per pmlint code and tree, with a
checksum: a damaged or foreign one is read again from the tree, never trusted.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import time

from pmlint.kernel import buildneeds
from pmlint.kernel.kconfiglang import TreeReader
from pmlint.pipeline.cache import code_digest, write_atomically
from pmlint.pipeline.skipindex import signature, stamp

_MAGIC = b"pmlint-kconfig 2"
_directory: str | None = None   # where to keep it; None: read the tree every run
clock = time.time_ns   # what "now" is, for the signatures (tests set it)


def keep_in(directory: str | None) -> None:
    """Keep the readings in this directory (the result cache's) from now on."""
    global _directory
    _directory = directory
    buildneeds.keep_readings(sys.modules[__name__])


class Reading(TreeReader):
    """One reading of a tree's Kconfig files (pmlint.kernel.kconfiglang): the text of
    each file, its signature taken before it was read ("" for one missing,
    whose creation must be seen), and the files each pattern matched."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.now = clock()
        self.seen: dict[str, dict] = {"files": {}, "globs": {}}
        self.settled = True   # every signature could be taken: the reading can be kept

    def text(self, path: str) -> str | None:
        rel = os.path.relpath(path, self.root)
        try:
            sig = signature(os.stat(path), self.now)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            self.seen["files"].setdefault(rel, "")
            self.settled &= not os.path.lexists(path)   # there, and not read: not kept
            return None
        self.settled &= sig is not None
        self.seen["files"][rel] = sig
        return text

    def glob(self, pattern: str) -> list[str]:
        found = sorted(glob.glob(pattern))
        self.seen["globs"][os.path.relpath(pattern, self.root)] = _relative(found, self.root)
        return found


def load(root: str) -> dict[str, str] | None:
    """The kept reading of a tree, if every file it read and every pattern's matches are unchanged."""
    if _directory is None:
        return None
    try:
        with open(_where(root), "rb") as f:
            data = f.read()
        header, _, payload = data.partition(b"\n")
        if header != _header_line(payload):
            return None
        kept = json.loads(payload)
        # The signatures kept were settled when taken: one the same now still is.
        for rel, sig in kept["files"].items():
            if _stamp(f"{root}/{rel}") != sig:
                return None
        for pattern, found in kept["globs"].items():
            if _relative(sorted(glob.glob(f"{root}/{pattern}")), root) != found:
                return None
        rules = kept["rules"]
        if not all(isinstance(v, str) for v in rules.values()):
            return None
        return rules
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def save(reading: Reading, rules: dict[str, str]) -> None:
    if _directory is None or not reading.settled:
        return
    payload = json.dumps({**reading.seen, "rules": rules}, separators=(",", ":")).encode()
    write_atomically(_where(reading.root), _header_line(payload) + b"\n" + payload)


def _stamp(path: str) -> str:
    try:
        return stamp(os.stat(path))
    except OSError:
        return ""


def _relative(paths: list[str], root: str) -> list[str]:
    return [os.path.relpath(p, root) for p in paths]


def _where(root: str) -> str:
    name = hashlib.sha256(code_digest() + os.fsencode(root)).hexdigest()[:32]
    return os.path.join(_directory, f"kconfig-{name}")


def _header_line(payload: bytes) -> bytes:
    return b" ".join((_MAGIC, hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))
