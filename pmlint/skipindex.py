"""What earlier runs learnt of files, trusted while a file is unchanged.

In a warm run over a tree, reading the bytes of the 95% of files that the
pre-filter rejects costs more than everything else, and reading and hashing
the rest (and the local headers they include) to find their cache entries
costs most of what is left. Both the pre-filter's verdict and a file's
digest depend on its bytes alone, so a file whose size, times, inode and
device are what they were when it was read is not read again, as make and
git trust the same signature: a rejected file is rejected again, a read one
has the digest and local includes it had. The signature is taken before the
bytes are read, so a file changed while it was read is read again next time.
A file changed within the last seconds before it was seen is not recorded:
a second write in the same clock tick could leave its times unchanged.

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

_MAGIC = b"pmlint-skip 2"
# Younger than this when seen: not recorded (timestamps are coarser than ns).
_SETTLE_NS = 2_000_000_000
# An index over many trees is dropped rather than grown without bound.
_MAX_ENTRIES = 1_000_000

# Size, modification and change times (ns), inode and device, in hex: as a
# string, an entry of a 60,000-file tree's index costs a third of a tuple.
Signature = str
# A file's SHA-256 and the local headers it includes, as cache keys use them.
Digest = tuple[bytes, tuple[str, ...]]


def signature(st: os.stat_result) -> Signature | None:
    """None for a file changed too recently to be trusted unread next time."""
    if max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - _SETTLE_NS:
        return None
    return f"{st.st_size:x}.{st.st_mtime_ns:x}.{st.st_ctime_ns:x}.{st.st_ino:x}.{st.st_dev:x}"


def signature_of(path: str) -> Signature | None:
    try:
        return signature(os.stat(path))
    except OSError:
        return None   # reading it says why


class SkipIndex:
    """Looked up and added to in the pool processes of a scan (each loads the
    index); what they add is sent to the parent as news(), which saves it."""

    def __init__(self, directory: str, words: tuple[bytes, ...]):
        digest = hashlib.sha256(code_digest() + b"\0".join(words)).hexdigest()[:32]
        self.path = os.path.join(directory, f"skip-{digest}")
        self._rejected: dict[str, Signature] = {}
        self._digests: dict[str, list] = {}    # path -> [signature, SHA-256 hex, includes]
        self._news = ({}, {}, set())   # rejected, digests, no longer rejected: not yet saved

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

    # -- in a pool process --------------------------------------------
    def rejects(self, path: str, sig: Signature) -> bool:
        return self._rejected.get(path) == sig

    def digest(self, path: str, sig: Signature | None) -> Digest | None:
        """The digest and includes of a file read before with this signature."""
        entry = self._digests.get(path)
        if sig is None or entry is None:
            return None
        try:
            sig_then, digest, includes = entry
            if sig_then != sig or not isinstance(includes, list) \
                    or not all(isinstance(i, str) for i in includes):
                return None
            return bytes.fromhex(digest), tuple(includes)
        except (TypeError, ValueError):
            return None

    def look(self, path: str) -> tuple[Signature | None, Digest | None]:
        """A file's signature now, and what was learnt of it if it is unchanged."""
        sig = signature_of(path)
        return sig, self.digest(path, sig)

    def rejected_now(self, path: str, sig: Signature | None) -> None:
        if sig is not None:
            self._news[0][path] = sig

    def read_now(self, path: str, sig: Signature | None, digest: bytes,
                 includes: tuple[str, ...]) -> None:
        """A file was read (its signature taken before): its digest, for later runs."""
        if sig is not None and self.digest(path, sig) is None:
            self._news[1][path] = [sig, digest.hex(), list(includes)]

    def wanted_now(self, path: str) -> None:
        """A file was read and not rejected: an old rejection of it is stale."""
        if path in self._rejected:
            self._news[2].add(path)

    def news(self):
        """What was added since the last call, for the parent's learn()."""
        news, self._news = self._news, ({}, {}, set())
        return news

    # -- in the parent ------------------------------------------------
    def learn(self, news) -> None:
        rejected, digests, stale = news
        self._news[0].update(rejected)
        self._news[1].update(digests)
        self._news[2].update(stale)

    def save(self) -> None:
        """Merge what was learnt into the index as it is now on disk."""
        rejected, digests, stale = self._news
        if not (rejected or digests or stale):
            return
        self.load()
        if len(self._rejected) + len(rejected) + len(self._digests) + len(digests) > _MAX_ENTRIES:
            self._rejected, self._digests = {}, {}
        for p in stale:
            self._rejected.pop(p, None)
        self._rejected.update(rejected)
        self._digests.update(digests)
        payload = json.dumps({"rejected": self._rejected, "digests": self._digests},
                             separators=(",", ":")).encode()
        write_atomically(self.path, _header_line(payload) + b"\n" + payload)
        self._news = ({}, {}, set())


def _header_line(payload: bytes) -> bytes:
    return b" ".join((_MAGIC, hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))
