"""Writing a file so that nothing is ever half written: the one way pmlint
replaces a file (a fix, a baseline, the HTML report, a cache entry).

The data goes to a temporary file beside the target, is flushed to disk,
and is renamed over it: a reader (or a crash) sees the old file or the new
one, never a part, and a failure leaves nothing behind. A file replaced
keeps its permission bits; a new one gets what open() would give it, but a
cache entry (not durable) stays private to its user, as mkstemp makes it.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable


def replace_atomically(path: str, data: bytes, before: Callable[[], None] | None = None,
                       durable: bool = True) -> None:
    """Write data over path; before() runs just before the rename (a check
    that may raise: then nothing is written). Raises OSError. Without
    durable, no fsync and mkstemp's private mode (a cache entry: losing one
    only costs speed)."""
    directory, base = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".pmlint-tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if durable:
            os.chmod(tmp, _mode(path))
        if before is not None:
            before()
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            os.unlink(tmp)


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
