"""What pmlint.buildneeds read of a kernel tree's Kconfig files, kept between runs.

Reading every Kconfig file of a tree (walking 5,800 directories for 1,800
files) costs 0.75 s of CPU, a third of a warm run over the whole tree, in
each process that asks what an option depends on. So it is kept in the
result cache's directory with the signature (pmlint.skipindex's: size,
times, inode, device) of every directory walked and every Kconfig file
read, and trusted only while every one is what it was: an edited Kconfig
file changes its own, a new, removed or renamed one its directory's. A
signature taken too soon after a change is not trusted, so such a reading
is not kept. The store is one file per pmlint code and tree, with a checksum:
a damaged or foreign one is read again from the tree, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator

from pmlint.cache import code_digest, write_atomically
from pmlint.discover import entries
from pmlint.skipindex import signature, stamp

_MAGIC = b"pmlint-kconfig 1"
_directory: str | None = None   # where to keep it; None: read the tree every run
clock = time.time_ns   # what "now" is, for the signatures (tests set it)


def keep_in(directory: str | None) -> None:
    """Keep the readings in this directory (the result cache's) from now on."""
    global _directory
    _directory = directory


class Walk:
    """The Kconfig files of a tree, as os.walk finds them (hidden directories
    left out, links to directories not followed), with the signature of each
    directory and file taken before it is listed or read."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.now = clock()
        self.seen: dict[str, dict[str, str]] = {"dirs": {}, "files": {}}
        self.settled = True   # every signature could be taken: the reading can be kept

    def files(self) -> Iterator[str]:
        for entry in entries(self.root, entering=lambda folder: self._note("dirs", folder)):
            if entry.name.startswith("Kconfig") and self._note("files", entry.path):
                yield entry.path

    def _note(self, kind: str, path: str) -> bool:
        try:
            sig = signature(os.stat(path), self.now)
        except OSError:   # a dangling link named Kconfig: read (and failed) as before
            self.settled = False
            return kind == "files"
        self.settled &= sig is not None
        self.seen[kind][path[len(self.root) + 1:]] = sig   # "" for the root
        return True


def load(root: str) -> dict[str, str] | None:
    """The kept reading of a tree, if every directory and file it read is unchanged."""
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
        for kind in ("dirs", "files"):
            for rel, sig in kept[kind].items():
                if stamp(os.stat(f"{root}/{rel}")) != sig:
                    return None
        rules = kept["rules"]
        if not all(isinstance(v, str) for v in rules.values()):
            return None
        return rules
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def save(walk: Walk, rules: dict[str, str]) -> None:
    if _directory is None or not walk.settled:
        return
    payload = json.dumps({**walk.seen, "rules": rules}, separators=(",", ":")).encode()
    write_atomically(_where(walk.root), _header_line(payload) + b"\n" + payload)


def _where(root: str) -> str:
    name = hashlib.sha256(code_digest() + os.fsencode(root)).hexdigest()[:32]
    return os.path.join(_directory, f"kconfig-{name}")


def _header_line(payload: bytes) -> bytes:
    return b" ".join((_MAGIC, hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))
