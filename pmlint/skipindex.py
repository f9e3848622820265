"""Files known to hold nothing worth parsing, recognised without reading them.

In a warm run over a tree, reading the bytes of the 95% of files that the
pre-filter rejects costs more than everything else. That verdict depends on
a file's bytes alone, so a file whose size, times, inode and device are what
they were when it was rejected is rejected again unread, as make and git
trust the same signature. A file changed within the last seconds before it
was seen is not recorded: a second write in the same clock tick could leave
its times unchanged.

The index is one file in the cache directory per pmlint code and pre-filter,
with a checksum like the result entries: a damaged one is an empty index.
Concurrent runs each replace it atomically; an entry lost that way only
costs a read.
"""
from __future__ import annotations

import hashlib
import json
import os
import time

from pmlint.cache import code_digest, write_atomically

_MAGIC = b"pmlint-skip 1"
# Younger than this when seen: not recorded (timestamps are coarser than ns).
_SETTLE_NS = 2_000_000_000
# An index over many trees is dropped rather than grown without bound.
_MAX_ENTRIES = 1_000_000

# Size, modification and change times (ns), inode and device, in hex: as a
# string, an entry of a 60,000-file tree's index costs a third of a tuple.
Signature = str


def signature(st: os.stat_result) -> Signature | None:
    """None for a file changed too recently to be trusted unread next time."""
    if max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - _SETTLE_NS:
        return None
    return f"{st.st_size:x}.{st.st_mtime_ns:x}.{st.st_ctime_ns:x}.{st.st_ino:x}.{st.st_dev:x}"


class SkipIndex:
    def __init__(self, directory: str, words: tuple[bytes, ...]):
        digest = hashlib.sha256(code_digest() + b"\0".join(words)).hexdigest()[:32]
        self.path = os.path.join(directory, f"skip-{digest}")
        self._known: dict[str, list] = {}
        self._new: dict[str, Signature] = {}
        self._seen_wanted: set[str] = set()   # read this run and not rejected

    def load(self) -> "SkipIndex":
        try:
            with open(self.path, "rb") as f:
                data = f.read()
            header, _, payload = data.partition(b"\n")
            if header == _header_line(payload):
                known = json.loads(payload)
                if isinstance(known, dict):
                    self._known = known
        except (OSError, ValueError, RecursionError):
            pass
        return self

    def rejects(self, path: str, sig: Signature) -> bool:
        entry = self._known.get(path)
        return entry == sig

    def record(self, path: str, sig: Signature | None) -> None:
        """What this run found: rejected with this signature, or (None) to be parsed."""
        if sig is None:
            self._seen_wanted.add(path)
        else:
            self._new[path] = sig

    def save(self) -> None:
        stale = {p for p in self._seen_wanted if p in self._known}
        fresh = {p: s for p, s in self._new.items() if self._known.get(p) != s}
        if not stale and not fresh:
            return
        known = {} if len(self._known) + len(fresh) > _MAX_ENTRIES else dict(self._known)
        for p in stale:
            known.pop(p, None)
        known.update(fresh)
        payload = json.dumps(known, separators=(",", ":")).encode()
        write_atomically(self.path, _header_line(payload) + b"\n" + payload)


def _header_line(payload: bytes) -> bytes:
    return b" ".join((_MAGIC, hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))
