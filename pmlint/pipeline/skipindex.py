"""What earlier runs learnt of files, trusted while a file is unchanged.

In a warm run over a tree, reading the bytes of the 95% of files that the
pre-filter rejects costs more than everything else, and reading and hashing
the rest (and the local headers they include) to find their cache entries
costs most of what is left. The pre-filter's verdict, a file's digest and
the names it #includes (as written: where they lead depends on how the file
is named, so they are resolved at each use) depend on its bytes alone, so a
file whose size, times, inode and device are what they were when it was
read is not read again, as make and git trust the same signature: a
rejected file is rejected again, a read one has the digest and names it
had. The signature is taken before the bytes are read and must be the same
after, or nothing is learnt. A file changed within the last seconds before
it was seen is not recorded: a second write in the same clock tick could
leave its times unchanged. What "now" is comes from the index's clock
(time.time_ns unless given), so that a test decides it.

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
from collections.abc import Callable
from dataclasses import dataclass, field

from pmlint.pipeline.cache import code_digest, write_atomically

_MAGIC = b"pmlint-skip 3"
# Younger than this when seen: not recorded (timestamps are coarser than ns).
_SETTLE_NS = 2_000_000_000
# An index over many trees is dropped rather than grown without bound.
_MAX_ENTRIES = 1_000_000

# Size, modification and change times (ns), inode and device, in hex: as a
# string, an entry of a 60,000-file tree's index costs a third of a tuple.
Signature = str
# A file's SHA-256 and the names of the local headers it includes, as cache keys use them.
Digest = tuple[bytes, tuple[str, ...]]
# Nanoseconds since the epoch, as file times are.
Clock = Callable[[], int]


def signature(st: os.stat_result, now: int) -> Signature | None:
    """None for a file changed too recently (before `now`) to be trusted unread next time."""
    if max(st.st_mtime_ns, st.st_ctime_ns) >= now - _SETTLE_NS:
        return None
    return stamp(st)


def stamp(st: os.stat_result) -> Signature:
    """The signature, settled or not (to compare with one taken when it was)."""
    return f"{st.st_size:x}.{st.st_mtime_ns:x}.{st.st_ctime_ns:x}.{st.st_ino:x}.{st.st_dev:x}"


@dataclass
class News:
    """What pool processes learnt, not yet saved."""

    rejected: dict = field(default_factory=dict)   # path -> signature
    digests: dict = field(default_factory=dict)    # path -> [signature, SHA-256 hex, names]
    stale: set = field(default_factory=set)        # no longer rejected

    def __bool__(self) -> bool:
        return bool(self.rejected or self.digests or self.stale)


class SkipIndex:
    """Looked up and added to where files are read, in the pool processes of
    a scan (each loads the index); what they add goes to the parent as
    news(), and the parent saves it."""

    def __init__(self, directory: str, words: tuple[bytes, ...], clock: Clock = time.time_ns):
        digest = hashlib.sha256(code_digest() + b"\0".join(words)).hexdigest()[:32]
        self.path = os.path.join(directory, f"skip-{digest}")
        self.clock = clock
        self._rejected: dict[str, Signature] = {}
        self._digests: dict[str, list] = {}    # path -> [signature, SHA-256 hex, names]
        self._news = News()

    def load(self) -> "SkipIndex":
        try:
            with open(self.path, "rb") as f:
                data = f.read()
            header, _, payload = data.partition(b"\n")
            if header == _header_line(payload):
                known = json.loads(payload)
                if isinstance(known, dict) and all(isinstance(known.get(k), dict)
                                                   for k in ("rejected", "digests")):
                    self._rejected, self._digests = known["rejected"], known["digests"]
        except (OSError, ValueError, RecursionError):
            pass
        return self

    # -- where files are read -----------------------------------------
    def signature_of(self, path: str) -> Signature | None:
        try:
            return signature(os.stat(path), self.clock())
        except (OSError, ValueError):   # ValueError: a NUL in the name
            return None   # reading it says why

    def _unchanged(self, path: str, sig: Signature | None) -> bool:
        """Whether a file read just now still has the signature taken before reading
        it: if not (it changed, or a link was pointed elsewhere) nothing is learnt."""
        return sig is not None and self.signature_of(path) == sig

    def rejects(self, path: str, sig: Signature) -> bool:
        return self._rejected.get(path) == sig

    def digest(self, path: str, sig: Signature | None) -> Digest | None:
        """The digest and include names of a file read before with this signature."""
        entry = self._digests.get(path)
        if sig is None or entry is None:
            return None
        try:
            sig_then, digest, names = entry
            if sig_then != sig or not isinstance(names, list) \
                    or not all(isinstance(n, str) for n in names):
                return None
            return bytes.fromhex(digest), tuple(names)
        except (TypeError, ValueError):
            return None

    def look(self, path: str) -> tuple[Signature | None, Digest | None]:
        """A file's signature now, and what was learnt of it if it is unchanged."""
        sig = self.signature_of(path)
        return sig, self.digest(path, sig)

    def rejected_now(self, path: str, sig: Signature | None) -> None:
        """The pre-filter rejected the file just read, its signature taken before."""
        if self._unchanged(path, sig):
            self._news.rejected[path] = sig

    def read_now(self, path: str, sig: Signature | None, digest: bytes,
                 names: tuple[str, ...]) -> None:
        """A file was just read (its signature taken before): its digest, for later runs."""
        entry = [sig, digest.hex(), list(names)]
        if self._digests.get(path) != entry and self._unchanged(path, sig):
            self._news.digests[path] = entry

    def wanted_now(self, path: str) -> None:
        """A file was read and not rejected: an old rejection of it is stale."""
        if path in self._rejected:
            self._news.stale.add(path)

    def news(self) -> News:
        """What was added since the last call, for the parent's learn()."""
        news, self._news = self._news, News()
        return news

    # -- in the parent ------------------------------------------------
    def learn(self, news: News) -> None:
        self._news.rejected.update(news.rejected)
        self._news.digests.update(news.digests)
        self._news.stale.update(news.stale)

    def save(self) -> None:
        """Merge what was learnt into the index as it is now on disk."""
        news = self._news
        if not news:
            return
        self.load()
        for p in news.stale:
            self._rejected.pop(p, None)
        self._rejected.update(news.rejected)
        self._digests.update(news.digests)
        if len(self._rejected) + len(self._digests) > _MAX_ENTRIES:
            self._rejected, self._digests = news.rejected, news.digests
        payload = json.dumps({"rejected": self._rejected, "digests": self._digests},
                             separators=(",", ":")).encode()
        write_atomically(self.path, _header_line(payload) + b"\n" + payload)
        self._news = News()


def _header_line(payload: bytes) -> bytes:
    return b" ".join((_MAGIC, hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))
